"""One partner's data, loaded into every kind of backend the adapters read.

A partner-like schema: French column names, a concatenated observation key
(``capteur`` + ``num``), local Paris wall-clock timestamps without zone, a value map
for pollutant codes, energy in Wh mapped to the canonical kWh, and a ``valide`` flag
that the mapping's fixed ``where`` uses to hide one row.
"""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from connector.config import EntityMapping, SourceConfig, parse_config
from connector.sources import Source, open_source

CONFIG = """
[node]
name = "partenaire"
participant = "https://guichet.example/participants/partenaire"

[sources.partner]
kind = "sql"
url = "sqlite+aiosqlite:///unused.db"

[entities.Observation]
source = "partner"
table = "mesures"
where = { valide = [1] }
[entities.Observation.fields]
id = { columns = ["capteur", "num"], separator = "-" }
sensorId = "capteur"
spaceId = "salle"
observedProperty = { column = "polluant", values = { CO2 = "co2", TEMP = "temperature" } }
resultTime = { column = "horodatage", timezone = "Europe/Paris" }
value = "valeur"

[entities.EnergyUse]
source = "partner"
table = "consommations"
[entities.EnergyUse.fields]
id = "id_conso"
rnbId = "batiment"
year = "annee"
carrier = { column = "energie", values = { ELEC = "Électricité", GAZ = "Gaz naturel" } }
use = "usage"
kwh = { column = "conso_wh", unit = "unit:W-HR" }

[datasets.donnees]
title = "Données du partenaire"
entities = { Observation = ["*"], EnergyUse = ["*"] }
"""

MAPPINGS: tuple[EntityMapping, ...] = tuple(
    parse_config(__import__("tomllib").loads(CONFIG), Path("/partner/node.toml")).entities.values()
)

MESURES_COLUMNS = ("capteur", "num", "polluant", "horodatage", "valeur", "salle", "valide")
# horodatage: Paris wall-clock time, as the partner's system writes it.
MESURES: tuple[tuple[Any, ...], ...] = (
    ("S1", 1, "CO2", "2024-01-15 08:00:00", 650, "R101", 1),
    ("S1", 2, "CO2", "2024-01-15 09:00:00", 1200, "R101", 1),
    ("S1", 3, "CO2", "2024-01-15 10:00:00", 1800, "R101", 1),
    ("S1", 4, "CO2", "2024-01-15 11:00:00", 900, "R101", 1),
    ("S1", 5, "CO2", "2024-01-15 12:00:00", 5000, "R101", 0),
    ("S1", 10, "CO2", "2024-01-16 00:30:00", 450, "R101", 1),
    ("S2", 1, "CO2", "2024-01-15 08:30:00", 700, "R102", 1),
    ("S2", 2, "CO2", "2024-01-15 09:30:00", 1750, "R102", 1),
    ("S2", 3, "TEMP", "2024-01-15 09:30:00", 19.5, "R102", 1),
    ("S2", 4, "CO2", "2024-07-01 10:00:00", 800, "R102", 1),
    ("S3", 1, "HR", "2024-01-15 08:00:00", 45, "R103", 1),
)
CONSO_COLUMNS = ("id_conso", "batiment", "annee", "energie", "usage", "conso_wh")
CONSOMMATIONS: tuple[tuple[Any, ...], ...] = (
    ("C1", "RNB1", 2022, "ELEC", "chauffage", 1500000),
    ("C2", "RNB1", 2022, "GAZ", "chauffage", 12000000),
    ("C3", "RNB1", 2023, "ELEC", "chauffage", 1400000),
    ("C4", "RNB2", 2023, "GAZ", "ecs", 2500500),
    ("C5", "RNB2", 2023, "ELEC", "eclairage", 300000),
)


def sql_ddl(dialect: str) -> list[str]:
    ts = "TIMESTAMP" if dialect == "sqlite" else "timestamp without time zone"
    real = "REAL" if dialect == "sqlite" else "double precision"
    return [
        "CREATE TABLE mesures (capteur VARCHAR(8) NOT NULL, num INTEGER NOT NULL, "
        f"polluant VARCHAR(8), horodatage {ts}, valeur {real}, salle VARCHAR(8), "
        "valide INTEGER, PRIMARY KEY (capteur, num))",
        "CREATE TABLE consommations (id_conso VARCHAR(8) PRIMARY KEY, batiment VARCHAR(12), "
        "annee INTEGER, energie VARCHAR(8), usage VARCHAR(16), conso_wh BIGINT)",
    ]


def make_sqlite(path: Path) -> str:
    with sqlite3.connect(path) as db:
        for ddl in sql_ddl("sqlite"):
            db.execute(ddl)
        db.executemany("INSERT INTO mesures VALUES (?, ?, ?, ?, ?, ?, ?)", MESURES)
        db.executemany("INSERT INTO consommations VALUES (?, ?, ?, ?, ?, ?)", CONSOMMATIONS)
    db.close()
    return f"sqlite+aiosqlite:///{path}"


async def load_postgres(url: str) -> str:
    """Create and fill the partner's tables in an (empty) PostgreSQL database."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("DROP TABLE IF EXISTS mesures, consommations"))
            for ddl in sql_ddl("postgresql"):
                await conn.execute(sa.text(ddl))
            mesures = sa.table("mesures", *(sa.column(c) for c in MESURES_COLUMNS))
            rows = [dict(zip(MESURES_COLUMNS, r, strict=True)) for r in MESURES]
            for r in rows:
                r["horodatage"] = datetime.fromisoformat(str(r["horodatage"]))
                r["valeur"] = float(r["valeur"])
            await conn.execute(sa.insert(mesures), rows)
            conso = sa.table("consommations", *(sa.column(c) for c in CONSO_COLUMNS))
            await conn.execute(
                sa.insert(conso), [dict(zip(CONSO_COLUMNS, r, strict=True)) for r in CONSOMMATIONS]
            )
    finally:
        await engine.dispose()
    return url


def make_postgres(url: str) -> str:
    return asyncio.run(load_postgres(url))


def make_csv(folder: Path) -> Path:
    """French spreadsheet export: ';' delimiter, decimal comma, dd/mm/yyyy dates."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "mesures.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(MESURES_COLUMNS)
        for r in MESURES:
            when = datetime.fromisoformat(r[3]).strftime("%d/%m/%Y %H:%M:%S")
            w.writerow([r[0], r[1], r[2], when, str(r[4]).replace(".", ","), r[5], r[6]])
    with (folder / "consommations.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(CONSO_COLUMNS)
        w.writerows(CONSOMMATIONS)
    return folder


PAGE = 4


def api_handler(seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    """A partner API: items under ``resultats``, pages of 4 linked by ``pagination.suivant``,
    ISO timestamps without zone; ``capteur=`` narrows the answer."""
    tables = {
        "/api/mesures": [dict(zip(MESURES_COLUMNS, r, strict=True)) for r in MESURES],
        "/api/consommations": [dict(zip(CONSO_COLUMNS, r, strict=True)) for r in CONSOMMATIONS],
    }
    for r in tables["/api/mesures"]:
        r["horodatage"] = str(r["horodatage"]).replace(" ", "T")

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api":
            return httpx.Response(200, json={"tables": sorted(tables)})
        rows = tables.get(request.url.path)
        if rows is None:
            return httpx.Response(404, json={"erreur": "inconnu"})
        if "capteur" in request.url.params:
            rows = [r for r in rows if r.get("capteur") == request.url.params["capteur"]]
        page = int(request.url.params.get("page", "1"))
        chunk = rows[(page - 1) * PAGE : page * PAGE]
        body: dict[str, Any] = {"resultats": chunk, "pagination": {}}
        if page * PAGE < len(rows):
            body["pagination"]["suivant"] = f"{request.url.path}?page={page + 1}"
        return httpx.Response(
            200, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )

    return handle


@dataclass
class Backend:
    """How to open the partner's data (and a broken twin of it) with one adapter."""

    name: str
    config: SourceConfig
    down_config: SourceConfig
    requests: list[httpx.Request]

    def open(self, mappings: Sequence[EntityMapping] = MAPPINGS) -> Source:
        return open_source(self.config, mappings, http_client=self._client())

    def open_down(self, mappings: Sequence[EntityMapping] = MAPPINGS) -> Source:
        return open_source(self.down_config, mappings)

    def _client(self) -> httpx.AsyncClient | None:
        if self.config.kind != "http":
            return None
        return httpx.AsyncClient(transport=httpx.MockTransport(api_handler(self.requests)))


def backend(kind: str, root: Path, postgres: Callable[[str], str] | None) -> Backend:
    if kind == "sql-sqlite":
        url = make_sqlite(root / "partenaire.db")
        return Backend(
            kind,
            SourceConfig("partner", "sql", url=url),
            SourceConfig("partner", "sql", url=f"sqlite+aiosqlite:///{root / 'absent.db'}"),
            [],
        )
    if kind == "sql-postgres":
        if postgres is None:
            raise RuntimeError("sql-postgres needs the postgres_database fixture")
        url = make_postgres(postgres("contract_sources"))
        closed = url.replace(f":{sa.make_url(url).port}/", ":1/")
        return Backend(
            kind,
            SourceConfig("partner", "sql", url=url),
            SourceConfig("partner", "sql", url=closed, options={"connect_timeout": 2}),
            [],
        )
    if kind == "csv":
        options = {"delimiter": ";", "decimal": ",", "datetime_format": "%d/%m/%Y %H:%M:%S"}
        return Backend(
            kind,
            SourceConfig("partner", "csv", path=make_csv(root / "exports"), options=options),
            SourceConfig("partner", "csv", path=root / "absent", options=options),
            [],
        )
    if kind == "http":
        options = {
            "items": "resultats",
            "next": "pagination.suivant",
            "query_params": {"sensorId": "capteur"},
            "timeout": 2,
        }
        return Backend(
            kind,
            SourceConfig("partner", "http", url="http://partner.test/api", options=options),
            SourceConfig("partner", "http", url="http://127.0.0.1:1/api", options=options),
            [],
        )
    raise ValueError(kind)

"""A tiny partner database and node configuration for the node's own tests.

The partner (an imaginary city) uses its own names and units: energy in MWh, floor
area in dm², usage codes, French column names, naive local timestamps. Every expected
value in the tests is computed by hand from the rows below.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

BUILDINGS = [
    # rnb, nom, usage, annee, surface_dm2, insee
    ("PG46YY6YJW8N", "École des Salines", "ENS", 1972, 145000, "17300"),
    ("A1B2C3D4E5F6", "Gymnase Nord", "SPO", 1990, 80000, "17300"),
    ("ZZZZ99998888", "Résidence Aytré", "LOG", 2023, 220000, "17028"),
]
ENERGY = [
    # id, rnb, annee, energie, usage, mwh
    ("E1", "PG46YY6YJW8N", 2024, "gaz naturel", "chauffage", 70.47),
    ("E2", "PG46YY6YJW8N", 2024, "électricité", "éclairage", 23.49),
    ("E3", "A1B2C3D4E5F6", 2024, "gaz naturel", "chauffage", 40.0),
]
ROOMS = [
    # batiment, etage, salle, libelle, surface
    ("PG46YY6YJW8N", "RDC", "CP", "Classe de CP", 52.0),
    ("PG46YY6YJW8N", "R1", "CM2", "Classe de CM2", 55.0),
]
SENSORS = [
    # id, batiment, etage, salle, polluant
    ("S-CP-CO2", "PG46YY6YJW8N", "RDC", "CP", "CO2"),
    ("S-CM2-CO2", "PG46YY6YJW8N", "R1", "CM2", "CO2"),
]
# (id, capteur, horodatage local Europe/Paris, polluant, valeur, unite)
READINGS = [
    (1, "S-CP-CO2", "2025-01-06 08:00:00", "CO2", 450.0, "ppm"),
    (2, "S-CP-CO2", "2025-01-06 09:00:00", "CO2", 1200.0, "ppm"),
    (3, "S-CP-CO2", "2025-01-06 10:00:00", "CO2", 1800.0, "ppm"),
    (4, "S-CP-CO2", "2025-01-07 09:00:00", "CO2", 900.0, "ppm"),
    (5, "S-CM2-CO2", "2025-01-06 09:00:00", "CO2", 700.0, "ppm"),
    (6, "S-CM2-CO2", "2025-01-06 10:00:00", "CO2", 1100.0, "ppm"),
]

CONFIG = """
[node]
name = "tiny"
title = "Ville imaginaire"
participant = "https://example.org/participants/tiny"
base_iri = "http://127.0.0.1:{port}"
port = {port}

[sources.ville]
kind = "sql"
url = "sqlite+aiosqlite:///tiny.db"

[entities.Building]
source = "ville"
table = "batiments"
[entities.Building.fields]
rnbId = "id_rnb"
name = "nom"
usage = {{ column = "usage_code", values = {{ ENS = "school", SPO = "sport", LOG = "housing" }} }}
yearBuilt = "annee"
floorArea = {{ column = "surface_dm2", unit = "unit:DeciM2" }}
inseeCode = "insee"

[entities.EnergyUse]
source = "ville"
table = "consommations"
[entities.EnergyUse.fields]
id = "id"
rnbId = "batiment"
year = "annee"
carrier = "energie"
use = "usage"
kwh = {{ column = "mwh", unit = "unit:MegaW-HR" }}

[entities.Space]
source = "ville"
table = "salles"
[entities.Space.fields]
id = {{ columns = ["batiment", "etage", "salle"], separator = "/" }}
rnbId = "batiment"
storey = "etage"
code = "salle"
name = "libelle"
area = "surface"

[entities.Sensor]
source = "ville"
table = "capteurs"
[entities.Sensor.fields]
id = "id"
spaceId = {{ columns = ["batiment", "etage", "salle"], separator = "/" }}
observedProperty = {{ column = "polluant", values = {{ CO2 = "co2" }} }}

[entities.Observation]
source = "ville"
table = "mesures"
where = {{ polluant = ["CO2"] }}
[entities.Observation.fields]
id = "id_mesure"
sensorId = "capteur"
resultTime = {{ column = "horodatage", timezone = "Europe/Paris" }}
observedProperty = {{ column = "polluant", values = {{ CO2 = "co2" }} }}
value = "valeur"
unit = {{ column = "unite", values = {{ ppm = "unit:PPM" }} }}

[datasets.registre]
title = "Registre des bâtiments"
entities = {{ Building = ["*"], Space = ["*"] }}

[datasets.energie]
title = "Consommations"
entities = {{ EnergyUse = ["*"] }}

[datasets.mesures]
title = "Mesures"
entities = {{ Sensor = ["*"], Observation = ["*"] }}

[usage]
enforce = false   # these tests exercise the mapping; usage control has its own tests

[limits]
max_page_size = 4
default_page_size = 2
max_depth = 6
max_aliases = 3
max_tokens = 400
"""


SCHEMA = [
    "CREATE TABLE batiments (id_rnb TEXT PRIMARY KEY, nom TEXT, usage_code TEXT, "
    "annee INTEGER, surface_dm2 INTEGER, insee TEXT)",
    "CREATE TABLE consommations (id TEXT PRIMARY KEY, batiment TEXT, annee INTEGER, "
    "energie TEXT, usage TEXT, mwh REAL)",
    "CREATE TABLE salles (batiment TEXT, etage TEXT, salle TEXT, libelle TEXT, "
    "surface REAL, PRIMARY KEY (batiment, etage, salle))",
    "CREATE TABLE capteurs (id TEXT PRIMARY KEY, batiment TEXT, etage TEXT, salle TEXT, "
    "polluant TEXT)",
    "CREATE TABLE mesures (id_mesure INTEGER PRIMARY KEY, capteur TEXT, "
    "horodatage TIMESTAMP, polluant TEXT, valeur REAL, unite TEXT)",
]
"""The partner's tables, in SQL that SQLite and PostgreSQL both read."""
TABLES: dict[str, list[tuple[Any, ...]]] = {
    "batiments": BUILDINGS,
    "consommations": ENERGY,
    "salles": ROOMS,
    "capteurs": SENSORS,
    "mesures": READINGS,
}


def make_tiny(folder: Path, *, port: int = 8199) -> Path:
    """Write ``tiny.db`` and ``tiny.toml`` into ``folder``; return the config path."""
    db = sqlite3.connect(folder / "tiny.db")
    for statement in SCHEMA:
        db.execute(statement)
    for table, rows in TABLES.items():
        db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    db.commit()
    db.close()
    path = folder / "tiny.toml"
    path.write_text(CONFIG.format(port=port), encoding="utf-8")
    return path


async def insert_rows(url: str, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """``rows`` into ``table`` of the database at ``url``; ``mesures``' timestamps
    (``2025-01-06 08:00:00``) go to PostgreSQL as datetimes, to SQLite as that text."""
    if table == "mesures" and not url.startswith("sqlite"):
        rows = [(*r[:2], datetime.fromisoformat(r[2]), *r[3:]) for r in rows]
    marks = ", ".join(f":p{i}" for i in range(len(rows[0])))
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(f"INSERT INTO {table} VALUES ({marks})"),
            [{f"p{i}": v for i, v in enumerate(r)} for r in rows],
        )
    await engine.dispose()


async def load_tiny(url: str) -> None:
    """The partner's tables and rows in the database at ``url`` (PostgreSQL: the same
    answers as ``tiny.db``), replacing any there."""
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for table in TABLES:
            await conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        for statement in SCHEMA:
            await conn.execute(sa.text(statement))
    await engine.dispose()
    for table, rows in TABLES.items():
        await insert_rows(url, table, rows)

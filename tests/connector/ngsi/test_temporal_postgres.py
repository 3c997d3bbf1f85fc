"""The aggregated temporal representation on PostgreSQL: the tiny partner's tables loaded
into a throwaway server (tests/support/postgres.py), its timestamps naive local times as
on SQLite, the same hand-computed answers (see test_temporal.py), one statement each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from connector.app import create_app
from connector.config import load_config
from tests.connector.tiny import BUILDINGS, READINGS, ROOMS, SENSORS, make_tiny

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]

TEMPORAL = "/ngsi-ld/v1/temporal/entities"
IEO = "IndoorEnvironmentObserved"
CP = "urn:ngsi-ld:IndoorEnvironmentObserved:S-CP-CO2"
CM2 = "urn:ngsi-ld:IndoorEnvironmentObserved:S-CM2-CO2"

SCHEMA = [
    "CREATE TABLE batiments (id_rnb TEXT PRIMARY KEY, nom TEXT, usage_code TEXT, "
    "annee INTEGER, surface_dm2 INTEGER, insee TEXT)",
    "CREATE TABLE salles (batiment TEXT, etage TEXT, salle TEXT, libelle TEXT, "
    "surface REAL, PRIMARY KEY (batiment, etage, salle))",
    "CREATE TABLE capteurs (id TEXT PRIMARY KEY, batiment TEXT, etage TEXT, salle TEXT, "
    "polluant TEXT)",
    "CREATE TABLE mesures (id_mesure INTEGER PRIMARY KEY, capteur TEXT, "
    "horodatage TIMESTAMP, polluant TEXT, valeur REAL, unite TEXT)",
    "CREATE TABLE consommations (id TEXT PRIMARY KEY, batiment TEXT, annee INTEGER, "
    "energie TEXT, usage TEXT, mwh REAL)",
]


@pytest.fixture
async def client(tmp_path: Path, postgres_database: Callable[[str], str]) -> AsyncIterator[Any]:
    url = postgres_database("ngsi_temporal")
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for table in ("batiments", "salles", "capteurs", "mesures", "consommations"):
            await conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        for statement in SCHEMA:
            await conn.execute(sa.text(statement))
        for table, rows in (
            ("batiments", BUILDINGS),
            ("salles", ROOMS),
            ("capteurs", SENSORS),
            (
                "mesures",
                [(*r[:2], datetime.fromisoformat(r[2]), *r[3:]) for r in READINGS],
            ),
        ):
            marks = ", ".join(f":p{i}" for i in range(len(rows[0])))
            await conn.execute(
                sa.text(f"INSERT INTO {table} VALUES ({marks})"),
                [{f"p{i}": v for i, v in enumerate(r)} for r in rows],
            )
    await engine.dispose()
    config = make_tiny(tmp_path)
    config.write_text(
        config.read_text().replace('url = "sqlite+aiosqlite:///tiny.db"', f'url = "{url}"'),
        encoding="utf-8",
    )
    app = create_app(load_config(config))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c


def statements(client: Any) -> int:
    return sum(int(getattr(s, "statements", 0)) for s in client.app.state.node.sources.values())


async def test_aggregates_per_local_day_and_hour_on_postgres(client) -> None:
    await client.get(TEMPORAL, params={"type": IEO, "lastN": "1"})  # reflection, once
    before = statements(client)
    r = await client.get(
        TEMPORAL,
        params={
            "type": IEO,
            "options": "aggregatedValues",
            "aggrMethods": "totalCount,sum,avg,min,max",
            "aggrPeriodDuration": "P1D",
        },
    )
    assert statements(client) - before == 1
    assert r.status_code == 200, r.text
    d6 = ["2025-01-05T23:00:00Z", "2025-01-06T23:00:00Z"]
    d7 = ["2025-01-06T23:00:00Z", "2025-01-07T23:00:00Z"]
    by_id = {e["id"]: e["co2"] for e in r.json()}
    assert by_id[CP]["avg"] == [[1150.0, *d6], [900.0, *d7]]
    assert by_id[CP]["sum"] == [[3450.0, *d6], [900.0, *d7]]
    assert by_id[CP]["totalCount"] == [[3, *d6], [1, *d7]]
    assert by_id[CM2]["min"] == [[700.0, *d6]] and by_id[CM2]["max"] == [[1100.0, *d6]]
    hourly = await client.get(
        TEMPORAL,
        params={
            "id": CM2,
            "options": "aggregatedValues",
            "aggrMethods": "avg",
            "aggrPeriodDuration": "PT1H",
            "timerel": "after",
            "timeAt": "2025-01-06T08:00:00Z",
        },
    )
    assert hourly.json()[0]["co2"]["avg"] == [
        [700.0, "2025-01-06T08:00:00Z", "2025-01-06T09:00:00Z"],
        [1100.0, "2025-01-06T09:00:00Z", "2025-01-06T10:00:00Z"],
    ]

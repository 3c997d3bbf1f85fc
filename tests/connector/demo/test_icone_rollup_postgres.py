"""The daily rollup on PostgreSQL: Atmo's demo year copied into a throwaway cluster,
the rollup built there by the node (a table in the partner's database, written through
a login that may write), and the answers byte-identical to the readings' ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from bench import _icone_pg as pg
from connector.demo import DemoPaths
from connector.node import Node
from connector.rollup import IconeRollup
from tests.connector.demo.test_icone_rollup import (
    ALL_QUERY,
    CUT,
    PARIS,
    PERIOD_QUERY,
    ROOM,
    ROOM_QUERY,
    TABLE,
    YEAR,
    configs,
    local,
    refresh,
    runners,
    same,
)
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.anyio


async def test_rollup_on_postgresql_answers_as_the_readings(
    demo: DemoPaths, postgres_server: PostgresServer
) -> None:
    await pg.load_demo(postgres_server, demo.atmo_db, "atmo_rollup")
    raw, rolled = configs(demo, postgres_server.url("atmo_rollup"))
    done = await refresh(rolled)
    assert done.full and done.first == date(2025, 9, 1) and done.rows == 6 * 365
    a, b = await runners(raw, rolled)
    year, n = await same(a, b, ROOM_QUERY, id=ROOM, a=YEAR[0], b=YEAR[1])
    assert year["space"]["indoorAir"]["occupiedReadings"] > 5000 and n == 2
    _, n = await same(a, b, ROOM_QUERY, id=ROOM, a=CUT[0], b=CUT[1])
    assert n == 4
    await same(a, b, PERIOD_QUERY, id=ROOM, a=CUT[0], b=CUT[1])
    await same(a, b, ROOM_QUERY, id=ROOM, a=None, b=None)
    await same(a, b, ALL_QUERY)
    # refreshed on 15 March (state moved back) and readings of today: still the same
    today = datetime.now(UTC).astimezone(PARIS).date()
    conn = await asyncpg.connect(pg.dsn(postgres_server, "atmo_rollup"))
    try:
        await conn.execute(f"UPDATE {TABLE}_meta SET through = '2026-03-15'")
        sensor = await conn.fetchval(
            "SELECT id_capteur FROM capteurs WHERE polluant = 'CO2' AND salle = 'CL01'"
        )
        await conn.executemany(
            "INSERT INTO mesures (id_mesure, capteur, horodatage, polluant, valeur, unite) "
            "VALUES ($1, $2, $3, 'CO2', 1800, 'ppm')",
            [
                (
                    10_000_000 + h,
                    sensor,
                    datetime.combine(today, datetime.min.time()).replace(hour=h),
                )
                for h in range(8, 17)
            ],
        )
    finally:
        await conn.close()
    until = local(today + timedelta(days=1))
    _, n = await same(a, b, ROOM_QUERY, id=ROOM, a=local(date(2026, 1, 5)), b=until)
    assert n == 3  # the space, the rollup to 15 March, the readings after it
    node = Node.from_config(rolled)
    assert await IconeRollup(rolled, node.sources).through() == date(2026, 3, 15)
    await node.aclose()

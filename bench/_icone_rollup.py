"""The rollup column of ``bench.icone``: the node with ``[indoor_air.rollup]`` against
the best statement written by hand over the readings, and against the best statement
written by hand over the same rollup table (the node's own refresh builds it first).

The hand-written rollup statement reads the room's rows of the class days only (listed
in Python from the node's ``[indoor_air]``, as the readings' statement lists its
intervals), through the table's primary key ``(space, day)``, and groups them by week.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from bench._icone_sql import YEAR, PgStatement, SqliteStatement
from connector.config import IndoorAirConfig, NodeConfig
from connector.config.rollup import RollupConfig
from connector.node import Node
from connector.rollup import IconeRollup

TABLE = "guichet_icone_jour"


def class_days(air: IndoorAirConfig) -> list[date]:
    out, day = [], YEAR[0]
    while day < YEAR[1]:
        off = any(a <= day <= b for a, b in air.excluded)
        if day.isoweekday() in air.weekdays and not off:
            out.append(day)
        day += timedelta(days=1)
    return out


def with_rollup(config: NodeConfig) -> NodeConfig:
    """``config`` with a managed rollup in its readings' database."""
    import dataclasses

    assert config.indoor_air is not None
    air = dataclasses.replace(config.indoor_air, rollup=RollupConfig(TABLE))
    return dataclasses.replace(config, indoor_air=air)


async def build(config: NodeConfig) -> str:
    """Build the rollup with the node's own refresh; a line saying what it took."""
    node = Node.from_config(config)
    t0 = time.perf_counter()
    try:
        done = await IconeRollup(config, node.sources).refresh(node, full=True)
    finally:
        await node.aclose()
    return f"rollup built by the node in {time.perf_counter() - t0:.1f} s: {done.rows:,} rows"


SQLITE = """SELECT space, date(day, 'weekday 0', '-6 days'), sum(n), sum(n_above_f1_lower),
       sum(n_above_f2_lower), sum(n_above_guidance), sum(n_above_action), sum(total), max(max)
FROM {table} WHERE space IN ({rooms}) AND day IN ({days}) GROUP BY 1, 2"""


class SqliteRollupHandWritten(SqliteStatement):
    def statement(self, rooms: list[str]) -> tuple[str, list[Any]]:
        days = [d.isoformat() for d in class_days(self.air)]
        sql = SQLITE.format(
            table=TABLE, rooms=", ".join("?" for _ in rooms), days=", ".join("?" for _ in days)
        )
        return sql, [*rooms, *days]


POSTGRES = """SELECT space, date_trunc('week', day)::date, sum(n)::int,
       sum(n_above_f1_lower)::int, sum(n_above_f2_lower)::int, sum(n_above_guidance)::int,
       sum(n_above_action)::int, sum(total), max(max)
FROM {table} WHERE space = ANY($1::text[]) AND day = ANY($2::date[]) GROUP BY 1, 2"""


class PgRollupHandWritten(PgStatement):
    def statement(self, rooms: list[str]) -> tuple[str, list[Any]]:
        return POSTGRES.format(table=TABLE), [rooms, class_days(self.air)]

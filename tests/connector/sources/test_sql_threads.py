"""A SQLite file is read in a worker thread, one hand-off a statement: a statement that
outlives ``query_timeout``, or whose caller is cancelled, is interrupted there (not left
running), its connection goes back to the pool, and the source answers the next query."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from connector.config import SourceConfig
from connector.errors import SourceError
from connector.sources import Condition, Select
from connector.sources.sql import SqlSource
from tests.connector.sources.partner import MAPPINGS, sql_ddl

pytestmark = pytest.mark.anyio
OBSERVATION = MAPPINGS[0]
ROWS = 400_000
EVERY_ROW = Select("Observation", ("id", "value"))  # no limit: all of them, sorted by id


def _big(path: Path, rows: int = ROWS) -> str:
    with sqlite3.connect(path) as db:
        db.execute(sql_ddl("sqlite")[0])
        db.execute(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
            "INSERT INTO mesures SELECT 'S' || (x % 4), x, 'CO2', '2024-01-15 08:00:00', "
            "400.0, 'R1', 1 FROM n",
            (rows,),
        )
    db.close()
    return f"sqlite+aiosqlite:///{path}"


async def _released(source: SqlSource, since: float) -> float:
    """Seconds from ``since`` until no connection of ``source`` is checked out."""
    while source.sync_engine.pool.checkedout():  # type: ignore[attr-defined]
        await asyncio.sleep(0.005)
    return time.perf_counter() - since


async def test_a_statement_past_the_query_timeout_is_interrupted(tmp_path: Path) -> None:
    url = _big(tmp_path / "big.db")
    patient = SqlSource(SourceConfig("p", "sql", url=url), [OBSERVATION])
    hasty = SqlSource(
        SourceConfig("p", "sql", url=url, options={"query_timeout": 0.1}), [OBSERVATION]
    )
    try:
        started = time.perf_counter()
        assert len(await patient.select(EVERY_ROW)) == ROWS
        whole = time.perf_counter() - started
        assert whole > 0.5, "the statement is too quick to show an interruption"

        assert await hasty.check() == []  # the table reflected: the next statement is it
        started = time.perf_counter()
        with pytest.raises(SourceError, match="the query timed out"):
            await hasty.select(EVERY_ROW)
        assert time.perf_counter() - started < whole / 4
        assert await _released(hasty, started) < whole / 4  # stopped, not left to finish

        one = Select("Observation", ("id",), where=(Condition("id", "eq", "S1-5"),))
        assert await hasty.select(one) == [{"id": "S1-5"}]

        # a caller that goes away (its request cancelled) stops its statement too
        task = asyncio.create_task(patient.select(EVERY_ROW))
        await asyncio.sleep(0.1)
        task.cancel()
        started = time.perf_counter()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await _released(patient, started) < whole / 4
        assert await patient.select(one) == [{"id": "S1-5"}]
    finally:
        await patient.aclose()
        await hasty.aclose()


async def test_statements_run_on_pooled_connections(tmp_path: Path) -> None:
    """One statement a query, and the file's connection kept in the pool between them."""
    url = _big(tmp_path / "small.db", 100)
    source = SqlSource(SourceConfig("p", "sql", url=url), [OBSERVATION])
    try:
        one = Select("Observation", ("id",), where=(Condition("id", "in", ("S1-5", "S2-6")),))
        assert await source.select(one) == [{"id": "S1-5"}, {"id": "S2-6"}]
        before = source.statements
        for _ in range(5):
            assert len(await source.select(one)) == 2
        assert source.statements - before == 5
        pool = source.sync_engine.pool
        assert pool.checkedout() == 0 and pool.checkedin() >= 1  # type: ignore[attr-defined]
    finally:
        await source.aclose()

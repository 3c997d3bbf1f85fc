"""Batches of string keys run one statement made once (``connector.sources._sqlbatch``):
the rows are the partner's (expected values read off ``partner.MESURES`` and
``partner.CONSOMMATIONS``), and the SQL and parameters the database receives are those
of the statement the builder writes for that very batch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connector.config import SourceConfig
from connector.sources import Condition, Select
from connector.sources.sql import SqlSource
from tests.connector.sources.partner import MAPPINGS, load_postgres, make_sqlite

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def source(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        url = make_sqlite(tmp_path / "partner.db")
    else:
        make: Callable[[str], str] = request.getfixturevalue("postgres_database")
        url = await load_postgres(make("batches"))
    src = SqlSource(SourceConfig("partner", "sql", url=url), MAPPINGS)
    yield src
    await src.aclose()


def energy(*keys: str, field: str = "id") -> Select:
    fields = ("id", "rnbId", "year", "carrier")
    return Select("EnergyUse", fields, where=(Condition(field, "in", keys),))


C1 = {"id": "C1", "rnbId": "RNB1", "year": 2022, "carrier": "Électricité"}
C2 = {"id": "C2", "rnbId": "RNB1", "year": 2022, "carrier": "Gaz naturel"}
C4 = {"id": "C4", "rnbId": "RNB2", "year": 2023, "carrier": "Gaz naturel"}
C5 = {"id": "C5", "rnbId": "RNB2", "year": 2023, "carrier": "Électricité"}


async def test_batches_answer_the_partners_rows(source: SqlSource) -> None:
    assert await source.select(energy("C2", "C9", "C1", "C2")) == [C1, C2]
    assert await source.select(energy("C5")) == [C5]
    assert await source.select(energy("", "nope")) == []
    assert await source.select(energy("RNB2", field="rnbId")) == [C4, C5]
    # readings: the mapping's fixed filter (valide = 1) still applies; ordered by the key
    readings = Select("Observation", ("id",), where=(Condition("sensorId", "in", ("S3", "S1")),))
    assert [r["id"] for r in await source.select(readings)] == [
        "S1-1",
        "S1-10",
        "S1-2",
        "S1-3",
        "S1-4",
        "S3-1",
    ]
    before = source.statements
    await source.select(energy("C1", "C3", "C4"))
    assert source.statements - before == 1


async def test_a_batch_runs_the_statement_the_builder_writes_for_it(source: SqlSource) -> None:
    seen: list[tuple[str, Any]] = []

    def keep(_c: object, _cur: object, statement: str, params: Any, *_: object) -> None:
        seen.append((statement, tuple(params) if isinstance(params, list | tuple) else params))

    sa.event.listen(source.sync_engine, "before_cursor_execute", keep)
    readings = Select(  # the mapping's fixed filter is a parameter before the keys
        "Observation", ("id", "value"), where=(Condition("sensorId", "in", ("S2", "S1")),)
    )
    for query in (energy("C2", "C1", "C2"), energy("C4", "C5", "C1", "C3"), readings):
        batched = await source.select(query)
        builder = await source._builder(source._entities[query.entity])
        stmt, decode = builder.select(query)  # the general translation of this batch

        def run(conn: sa.Connection, s: Any = stmt) -> Any:
            return conn.execute(s).all()

        rows = await source._call(run, 30)
        assert decode(rows) == batched
        assert seen[-1] == seen[-2]  # same SQL text, same parameters
    made = source._batches.made
    assert len(made) == 2  # made once for both batches of energy uses
    if source.sync_engine.dialect.name == "sqlite":  # given to the driver as text
        assert all(b is not None and b.head is not None for b in made.values())


@pytest.mark.postgres
async def test_postgres_pre_ping_is_on_unless_turned_off(
    postgres_database: Callable[[str], str],
) -> None:
    url = await load_postgres(postgres_database("ping"))
    pinging = SqlSource(SourceConfig("p", "sql", url=url), MAPPINGS)
    trusting = SqlSource(
        SourceConfig("p", "sql", url=url, options={"pool_pre_ping": False}), MAPPINGS
    )
    try:
        assert pinging.sync_engine.pool._pre_ping
        assert not trusting.sync_engine.pool._pre_ping
        assert await trusting.select(energy("C5")) == [C5]
    finally:
        await pinging.aclose()
        await trusting.aclose()

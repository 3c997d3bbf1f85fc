"""SQL adapter specifics: one statement per query, read-only, schema checks, layouts."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from connector.config import FieldMapping, SourceConfig
from connector.errors import SourceError
from connector.sources import Aggregate, Condition, Measure, Select, SortKey, TimeBucket
from connector.sources.sql import SqlSource, engine_url
from tests.connector.sources.partner import MAPPINGS, load_postgres, make_sqlite, sql_ddl

pytestmark = pytest.mark.anyio
OBSERVATION = MAPPINGS[0]
START = datetime(2024, 1, 15, 8, 0)  # Paris wall clock, UTC+1


def _rows(n: int) -> list[tuple[object, ...]]:
    """n CO2 readings of 4 sensors, one a minute from START (local time)."""
    return [
        (f"S{i % 4}", i, "CO2", (START + timedelta(minutes=i)).isoformat(sep=" "), 400 + i, "R1", 1)
        for i in range(n)
    ]


def _sqlite(tmp: Path, n: int) -> str:
    path = tmp / f"big{n}.db"
    with sqlite3.connect(path) as db:
        db.execute(sql_ddl("sqlite")[0])
        db.executemany("INSERT INTO mesures VALUES (?, ?, ?, ?, ?, ?, ?)", _rows(n))
    db.close()
    return f"sqlite+aiosqlite:///{path}"


async def _postgres(url: str, n: int) -> str:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE IF EXISTS mesures"))
        await conn.execute(sa.text(sql_ddl("postgresql")[0]))
        cols = ("capteur", "num", "polluant", "horodatage", "valeur", "salle", "valide")
        rows = [dict(zip(cols, r, strict=True)) for r in _rows(n)]
        for r in rows:
            r["horodatage"] = datetime.fromisoformat(str(r["horodatage"]))
        await conn.execute(sa.insert(sa.table("mesures", *map(sa.column, cols))), rows)
    await engine.dispose()
    return url


Maker = Callable[[int], Awaitable[str]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Maker:
    if request.param == "sqlite":

        async def sqlite_db(n: int) -> str:
            return _sqlite(tmp_path, n)

        return sqlite_db
    make: Callable[[str], str] = request.getfixturevalue("postgres_database")

    async def postgres_db(n: int) -> str:
        return await _postgres(make(f"big{n}"), n)

    return postgres_db


@pytest.mark.parametrize("n", [12, 3000])
async def test_one_statement_per_query_whatever_the_row_count(database: Maker, n: int) -> None:
    source = SqlSource(SourceConfig("big", "sql", url=await database(n)), [OBSERVATION])
    try:
        await source.select(Select("Observation", ("id",), limit=1))  # reflects the table
        queries: list[Select | Aggregate] = [
            Select("Observation", ("id", "value"), where=(Condition("sensorId", "eq", "S1"),)),
            Select(
                "Observation",
                ("id", "value"),
                order=(SortKey("resultTime"),),
                after=(datetime(2024, 1, 15, 7, 5, tzinfo=UTC), "S1-5"),
                limit=50,
            ),
            Select(
                "Observation",
                ("id", "sensorId"),
                order=(SortKey("value", True),),
                limit=3,
                partition="sensorId",
            ),
            Aggregate(
                "Observation",
                (Measure("n", "count"), Measure("hi", "count_above", "value", 1000.0)),
                group_by=("sensorId",),
                bucket=TimeBucket("resultTime", "hour"),
            ),
        ]
        results = []
        for query in queries:
            before = source.statements
            if isinstance(query, Select):
                results.append(await source.select(query))
            else:
                results.append(await source.aggregate(query))
            assert source.statements - before == 1
    finally:
        await source.aclose()
    assert len(results[0]) == len([i for i in range(n) if i % 4 == 1])
    # after 07:05 UTC (08:05 local, reading 5, "S1-5"): readings 6.. in time order
    assert [r["id"] for r in results[1]] == [f"S{i % 4}-{i}" for i in range(6, min(n, 56))]
    # the 3 highest readings of each sensor: the last 12 readings, by value descending
    assert [r["id"] for r in results[2]] == [f"S{i % 4}-{i}" for i in range(n - 1, n - 13, -1)]
    # one reading a minute: 60 per hour, 15 per sensor per hour (a final partial hour)
    per_sensor_hour = {(r["sensorId"], r["resultTime"]): r["n"] for r in results[3]}
    assert sum(per_sensor_hour.values()) == n
    first_hour = datetime(2024, 1, 15, 7, tzinfo=UTC)  # 08:00 in Paris
    assert per_sensor_hour[("S0", first_hour)] == min(15, (n + 3) // 4)
    assert sum(r["hi"] for r in results[3]) == max(0, n - 601)  # 400 + i > 1000 from i = 601


def test_sqlite_files_are_opened_read_only() -> None:
    url = engine_url("sqlite+aiosqlite:////data/partenaire.db")
    assert url.database == "file:/data/partenaire.db"
    assert dict(url.query) == {"mode": "ro", "uri": "true"}
    assert engine_url("sqlite+aiosqlite:///:memory:").database == ":memory:"
    pg = "postgresql+asyncpg://u@127.0.0.1:5432/db"
    assert engine_url(pg).render_as_string() == pg


async def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    source = SqlSource(SourceConfig("p", "sql", url=f"sqlite+aiosqlite:///{path}"), MAPPINGS)
    try:
        with pytest.raises(SourceError, match="unavailable"):
            await source.select(Select("Observation", ("id",)))
        assert not (await source.health()).ok
    finally:
        await source.aclose()
    assert not path.exists()


@pytest.mark.postgres
async def test_postgres_transactions_are_read_only(postgres_database: Callable[[str], str]) -> None:
    url = await load_postgres(postgres_database("readonly"))
    source = SqlSource(SourceConfig("p", "sql", url=url), MAPPINGS)
    try:
        async with source._engine.connect() as conn:
            mode = (await conn.execute(sa.text("SHOW default_transaction_read_only"))).scalar()
            with pytest.raises(sa.exc.DBAPIError, match="read-only"):
                await conn.execute(sa.text("DELETE FROM mesures"))
    finally:
        await source.aclose()
    assert mode == "on"


async def test_check_lists_mapping_problems(tmp_path: Path) -> None:
    url = make_sqlite(tmp_path / "p.db")
    obs = replace(
        OBSERVATION,
        fields={**OBSERVATION.fields, "unit": FieldMapping("unit", ("unite",))},
        where={"validee": (1,)},
    )
    energy = replace(MAPPINGS[1], table="conso")
    source = SqlSource(SourceConfig("p", "sql", url=url), [obs, energy])
    good = SqlSource(SourceConfig("p", "sql", url=url), MAPPINGS)
    try:
        assert await source.check() == [
            "entity Observation: table 'mesures' has no column 'unite' (field unit)",
            "entity Observation: table 'mesures' has no column 'validee' (where)",
            "entity EnergyUse: table 'conso' not found",
        ]
        assert await good.check() == []
        with pytest.raises(SourceError, match="'conso' not found"):
            await source.select(Select("EnergyUse", ("id",)))
    finally:
        await source.aclose()
        await good.aclose()


async def test_sqlite_datetime_text_layouts(tmp_path: Path) -> None:
    """Datetimes written by SQLAlchemy (microseconds) or with a 'T' compare correctly."""
    for name, text in [("micro", "2024-01-15 09:00:00.000000"), ("iso", "2024-01-15T09:00:00")]:
        path = tmp_path / f"{name}.db"
        with sqlite3.connect(path) as db:
            db.execute(sql_ddl("sqlite")[0])
            db.execute("INSERT INTO mesures VALUES ('S1', 1, 'CO2', ?, 600, 'R1', 1)", (text,))
        db.close()
        source = SqlSource(
            SourceConfig("p", "sql", url=f"sqlite+aiosqlite:///{path}"), [OBSERVATION]
        )
        nine_paris = datetime(2024, 1, 15, 8, tzinfo=UTC)
        try:
            exact = await source.select(
                Select(
                    "Observation",
                    ("resultTime",),
                    where=(Condition("resultTime", "eq", nine_paris),),
                )
            )
            later = await source.select(
                Select("Observation", ("id",), where=(Condition("resultTime", "gt", nine_paris),))
            )
        finally:
            await source.aclose()
        assert exact == [{"id": "S1-1", "resultTime": nine_paris}], name
        assert later == [], name


@pytest.mark.postgres
async def test_postgres_timestamptz_buckets_in_declared_zone(
    postgres_database: Callable[[str], str],
) -> None:
    url = postgres_database("aware")
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE IF EXISTS releves"))
        await conn.execute(
            sa.text(
                "CREATE TABLE releves (id text primary key, "
                "instant timestamptz, v double precision)"
            )
        )
        await conn.execute(
            sa.text(
                "INSERT INTO releves VALUES ('a', '2024-01-15 23:30+00', 1), "
                "('b', '2024-01-15 22:30+00', 2)"
            )
        )
    await engine.dispose()
    mapping = replace(
        OBSERVATION,
        table="releves",
        where={},
        fields={
            "id": FieldMapping("id", ("id",)),
            "value": FieldMapping("value", ("v",)),
            "resultTime": FieldMapping("resultTime", ("instant",), timezone="Europe/Paris"),
        },
    )
    source = SqlSource(SourceConfig("p", "sql", url=url), [mapping])
    try:
        rows = await source.aggregate(
            Aggregate(
                "Observation", (Measure("n", "count"),), bucket=TimeBucket("resultTime", "day")
            )
        )
        times = await source.select(
            Select("Observation", ("resultTime",), order=(SortKey("resultTime"),))
        )
    finally:
        await source.aclose()
    # 22:30 UTC is 23:30 on 15 Jan in Paris, 23:30 UTC is 00:30 on 16 Jan.
    assert rows == [
        {"resultTime": datetime(2024, 1, 14, 23, tzinfo=UTC), "n": 1},
        {"resultTime": datetime(2024, 1, 15, 23, tzinfo=UTC), "n": 1},
    ]
    assert [r["resultTime"] for r in times] == [
        datetime(2024, 1, 15, 22, 30, tzinfo=UTC),
        datetime(2024, 1, 15, 23, 30, tzinfo=UTC),
    ]

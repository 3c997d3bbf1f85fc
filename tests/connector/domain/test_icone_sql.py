"""ICONE computed in SQL: the aggregate of :func:`icone_aggregate` pushed into a real
database through the SQL source adapter, on SQLite and on PostgreSQL.

Readings are those of the hand-computed series of ``test_icone.py``:

* R1: 600, 700, 800, 900, 1000, 1001, 1200, 1500, 1600, 1700 → f1 = 0.5, f2 = 0 → ICONE 1,
  above 800: 0.7, above 1500: 0.2, mean 1,100.1, max 1,700;
* R2: 4 × 500, 3 × 1100, 3 × 2000 → f1 = 0.3, f2 = 0.3 → ICONE 3, above 800: 0.6,
  above 1500: 0.3, mean 1,130, max 2,000.

Rows that must not count: an R1 reading after the period (5,000 ppm), an R1 temperature
reading (value 3,000), and a room R3 left out by the extra ``where`` condition.

By week, over 6-20 January 2025 (UTC; weeks start on Monday 6 and Monday 13):

* R1, week of 6 January: R1 and the 5,000 ppm of Sunday 12 January, n = 11: f1 = 5/11
  (1001, 1200, 1500, 1600, 1700), f2 = 1/11; 1 + 5/11 + 3/11 = 19/11 = 1.72727,
  log10 = 0.23736, × 2.5/log10(2) = 8.30482 → 1.9712 → ICONE 2;
* R2, week of 6 January: R2 → ICONE 3; week of 13 January: 2,500 ppm alone, f2 = 1:
  2.5/log10(2) × log10(4) = 2.5 × 2 = 5 → ICONE 5.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from connector.config import EntityMapping, FieldMapping, SourceConfig
from connector.domain import icone_aggregate, icone_from_aggregate, icone_weeks, worst_week
from connector.sources.base import Condition
from connector.sources.sql import SqlSource

START = datetime(2025, 1, 6, tzinfo=UTC)
END = datetime(2025, 1, 11, tzinfo=UTC)
R1 = [600, 700, 800, 900, 1000, 1001, 1200, 1500, 1600, 1700]
R2 = [500] * 4 + [1100] * 3 + [2000] * 3
R3 = [2500] * 5


def readings() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    first = datetime(2025, 1, 6, 8, 0)
    for room, values in (("R1", R1), ("R2", R2), ("R3", R3)):
        for k, value in enumerate(values):
            when = first + timedelta(minutes=10 * k)
            rows.append({"salle": room, "grandeur": "CO2", "horodatage": when, "valeur": value})
    rows.append(
        {"salle": "R1", "grandeur": "CO2", "horodatage": datetime(2025, 1, 12, 9), "valeur": 5000.0}
    )
    rows.append({"salle": "R1", "grandeur": "TEMP", "horodatage": first, "valeur": 3000.0})
    rows.append(
        {"salle": "R2", "grandeur": "CO2", "horodatage": datetime(2025, 1, 14, 9), "valeur": 2500.0}
    )
    for i, row in enumerate(rows):
        row["id"] = f"m{i}"
    return rows


MAPPING = EntityMapping(
    entity="Observation",
    source="capteurs",
    table="co2_mesures",
    fields={
        "id": FieldMapping("id", ("id",)),
        "spaceId": FieldMapping("spaceId", ("salle",)),
        "observedProperty": FieldMapping(
            "observedProperty", ("grandeur",), values={"CO2": "co2", "TEMP": "temperature"}
        ),
        "resultTime": FieldMapping("resultTime", ("horodatage",)),
        "value": FieldMapping("value", ("valeur",)),
    },
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def source(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[SqlSource]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/icone.db"
        time_type = "TEXT"
    else:
        make_db: Callable[[str], str] = request.getfixturevalue("postgres_database")
        url = make_db("domain_icone")
        time_type = "TIMESTAMP"
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE IF EXISTS co2_mesures"))
        await conn.execute(
            sa.text(
                f"CREATE TABLE co2_mesures (id TEXT PRIMARY KEY, salle TEXT, grandeur TEXT, "
                f"horodatage {time_type}, valeur REAL)"
            )
        )
        rows = readings()
        if request.param == "sqlite":
            rows = [{**r, "horodatage": str(r["horodatage"])} for r in rows]
        await conn.execute(
            sa.text(
                "INSERT INTO co2_mesures VALUES (:id, :salle, :grandeur, :horodatage, :valeur)"
            ),
            rows,
        )
    await engine.dispose()
    src = SqlSource(SourceConfig("capteurs", "sql", url=url), [MAPPING])
    try:
        yield src
    finally:
        await src.aclose()


@pytest.mark.anyio
async def test_icone_per_classroom_in_one_statement(source: SqlSource) -> None:
    query = icone_aggregate(
        start=START,
        end=END,
        where=(Condition("spaceId", "in", ("R1", "R2")),),
        group_by=("spaceId",),
    )
    await source.aggregate(query)  # first use also reflects the table
    before = source.statements
    rows = await source.aggregate(query)
    assert source.statements - before == 1  # whatever the number of readings
    assert [row["spaceId"] for row in rows] == ["R1", "R2"]

    r1, r2 = (icone_from_aggregate(row) for row in rows)
    assert (r1.count, r1.f1, r1.f2, r1.icone) == (10, 0.5, 0.0, 1)
    assert (r1.share_above_guidance, r1.share_above_action) == (0.7, 0.2)
    assert r1.mean_ppm == pytest.approx(1100.1)
    assert r1.max_ppm == 1700.0
    assert (r2.count, r2.f1, r2.f2, r2.icone) == (10, 0.3, 0.3, 3)
    assert (r2.share_above_guidance, r2.share_above_action) == (0.6, 0.3)
    assert r2.mean_ppm == pytest.approx(1130.0)
    assert r2.max_ppm == 2000.0


@pytest.mark.anyio
async def test_icone_per_classroom_and_week_in_one_statement(source: SqlSource) -> None:
    query = icone_aggregate(
        start=START,
        end=datetime(2025, 1, 20, tzinfo=UTC),
        where=(Condition("spaceId", "in", ("R1", "R2")),),
        group_by=("spaceId",),
        by_week=True,
    )
    await source.aggregate(query)
    before = source.statements
    rows = await source.aggregate(query)
    assert source.statements - before == 1
    monday_6, monday_13 = datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 13, tzinfo=UTC)
    assert [(row["spaceId"], row["resultTime"]) for row in rows] == [
        ("R1", monday_6),
        ("R2", monday_6),
        ("R2", monday_13),
    ]
    r1 = icone_weeks(rows[:1], zone="UTC")
    assert [(w.label, w.start, w.end, w.result.count, w.result.icone) for w in r1] == [
        ("2025-W02", monday_6, monday_13, 11, 2)
    ]
    r2 = icone_weeks(rows[1:], zone="UTC", end=datetime(2025, 1, 18, tzinfo=UTC))
    assert [(w.label, w.result.count, w.result.icone) for w in r2] == [
        ("2025-W02", 10, 3),
        ("2025-W03", 1, 5),
    ]
    assert r2[1].end == datetime(2025, 1, 18, tzinfo=UTC)  # cut to the period
    worst = worst_week(r2)
    assert worst is not None and worst.label == "2025-W03"

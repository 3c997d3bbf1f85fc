"""The SQL adapter's plans use the partner's indexes (``connector.sources._sqlplan``), and
the rewrites change no answer.

The partner's layout is Atmo's: ``mesures`` (sensor, naive local time, quantity, value)
with indexes on ``(capteur, horodatage)`` and ``(horodatage)``, ``capteurs`` (sensor →
room), and the view joining them, which the Observation entity is mapped onto with
``lookups = { sensorId = [spaceId, observedProperty] }``.

Readings are every 10 minutes of real time, stored as Paris wall-clock time, from
2025-10-20 to 2025-11-03 (the autumn change of clock on Sunday 26 October: 02:00-02:50
is written twice) and on Sunday 29 March 2026 (spring: 02:00-02:50 never written).
Expected counts are computed here from those stamps with :meth:`TimeWindow.contains`,
independently of the SQL.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from connector.config import EntityMapping, FieldMapping, SourceConfig
from connector.sources.base import Aggregate, Condition, Measure, TimeWindow
from connector.sources.sql import SqlSource

pytestmark = pytest.mark.anyio

PARIS = ZoneInfo("Europe/Paris")
ROOMS = ("R1", "R2", "R3")
QUANTITIES = ("CO2", "TEMP")
SPANS = [(date(2025, 10, 20), date(2025, 11, 3)), (date(2026, 3, 29), date(2026, 3, 30))]
# school days Monday-Friday except Wednesday, with a Sunday class to reach the clock changes
WINDOW = TimeWindow(
    (1, 2, 4, 5, 7),
    ((time(8, 30), time(11, 45)), (time(13, 30), time(16, 30)), (time(1, 30), time(3, 30))),
    ((date(2025, 10, 31), date(2025, 10, 31)),),
)

SENSORS = EntityMapping(
    entity="Sensor",
    source="plateforme",
    table="capteurs",
    fields={
        "id": FieldMapping("id", ("id_capteur",)),
        "spaceId": FieldMapping("spaceId", ("salle",)),
        "observedProperty": FieldMapping("observedProperty", ("polluant",), values={"CO2": "co2"}),
    },
)
READINGS = EntityMapping(
    entity="Observation",
    source="plateforme",
    table="vue_mesures_salles",
    fields={
        "id": FieldMapping("id", ("id_mesure",)),
        "sensorId": FieldMapping("sensorId", ("capteur",)),
        "spaceId": FieldMapping("spaceId", ("salle",)),
        "observedProperty": FieldMapping("observedProperty", ("polluant",), values={"CO2": "co2"}),
        "resultTime": FieldMapping("resultTime", ("horodatage",), timezone="Europe/Paris"),
        "value": FieldMapping("value", ("valeur",)),
    },
    where={"polluant": ("CO2", "TEMP")},
    lookups={"sensorId": ("spaceId", "observedProperty")},
)


def stamps() -> list[datetime]:
    """Paris wall-clock times of the readings (naive), every 10 minutes of real time."""
    out = []
    for first, end in SPANS:
        t = datetime.combine(first, time(0), PARIS).astimezone(UTC)
        stop = datetime.combine(end, time(0), PARIS).astimezone(UTC)
        while t < stop:
            out.append(t.astimezone(PARIS).replace(tzinfo=None))
            t += timedelta(minutes=10)
    return out


def value(room: int, when: datetime) -> float:
    return float(400 + 100 * room + (when.hour * 60 + when.minute) % 900)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def partner(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url, time_type = f"sqlite+aiosqlite:///{tmp_path}/atmo.db", "TEXT"
    else:
        make_db: Callable[[str], str] = request.getfixturevalue("postgres_database")
        url, time_type = make_db("sql_plans"), "TIMESTAMP"
    engine = create_async_engine(url)
    rows: list[dict[str, Any]] = []
    for r, room in enumerate(ROOMS):
        for when in stamps():
            for q in QUANTITIES:
                stamp: object = str(when) if time_type == "TEXT" else when
                rows.append({"c": f"{room}-{q}", "h": stamp, "p": q, "v": value(r, when)})
    async with engine.begin() as conn:
        for stmt in (
            "DROP VIEW IF EXISTS vue_mesures_salles",
            "DROP TABLE IF EXISTS mesures",
            "DROP TABLE IF EXISTS capteurs",
            "CREATE TABLE capteurs (id_capteur TEXT PRIMARY KEY, polluant TEXT, salle TEXT)",
            f"CREATE TABLE mesures (id_mesure INTEGER PRIMARY KEY, capteur TEXT NOT NULL, "
            f"horodatage {time_type} NOT NULL, polluant TEXT NOT NULL, valeur REAL)",
        ):
            await conn.execute(sa.text(stmt))
        await conn.execute(
            sa.text("INSERT INTO capteurs VALUES (:i, :p, :s)"),
            [{"i": f"{s}-{q}", "p": q, "s": s} for s in ROOMS for q in QUANTITIES],
        )
        await conn.execute(
            sa.text(
                "INSERT INTO mesures (id_mesure, capteur, horodatage, polluant, valeur) "
                "VALUES (:i, :c, :h, :p, :v)"
            ),
            [{**row, "i": i} for i, row in enumerate(rows)],
        )
        for stmt in (
            "CREATE INDEX idx_mesures_capteur ON mesures(capteur, horodatage)",
            "CREATE INDEX idx_mesures_horodatage ON mesures(horodatage)",
            "CREATE VIEW vue_mesures_salles AS SELECT m.id_mesure, m.capteur, m.horodatage, "
            "m.polluant, m.valeur, c.salle FROM mesures m JOIN capteurs c "
            "ON c.id_capteur = m.capteur",
        ):
            await conn.execute(sa.text(stmt))
        if time_type != "TEXT":  # as autovacuum would; Atmo's SQLite file has no statistics
            await conn.execute(sa.text("ANALYZE"))
    await engine.dispose()
    yield url


def source_of(url: str, *, lookups: bool = True) -> SqlSource:
    readings = READINGS if lookups else dataclasses.replace(READINGS, lookups={})
    return SqlSource(SourceConfig("plateforme", "sql", url=url), [SENSORS, readings])


def icone_like(start: datetime, end: datetime, window: TimeWindow = WINDOW) -> Aggregate:
    return Aggregate(
        "Observation",
        (Measure("n", "count"), Measure("above", "count_above", "value", 1000.0)),
        (
            Condition("observedProperty", "eq", "co2"),
            Condition("resultTime", "gte", start),
            Condition("resultTime", "lt", end),
            Condition("spaceId", "in", ("R1", "R3")),
            Condition("resultTime", "within", window),
        ),
        ("spaceId",),
    )


def expected(start: datetime, end: datetime, window: TimeWindow = WINDOW) -> dict[str, Any]:
    """Counts by hand from the stamps: the bounds in Paris wall-clock time, as the naive
    column compares them."""
    lo = start.astimezone(PARIS).replace(tzinfo=None)
    hi = end.astimezone(PARIS).replace(tzinfo=None)
    out: dict[str, Any] = {}
    for r, room in enumerate(ROOMS):
        if room == "R2":
            continue
        kept = [w for w in stamps() if lo <= w < hi and window.contains(w)]
        if kept:
            above = sum(value(r, w) > 1000 for w in kept)
            out[room] = (len(kept), above)
    return out


async def counts(src: SqlSource, query: Aggregate) -> dict[str, Any]:
    return {row["spaceId"]: (row["n"], row["above"]) for row in await src.aggregate(query)}


PERIODS = [
    # the autumn week, Paris local midnight to midnight
    (datetime(2025, 10, 20, tzinfo=PARIS), datetime(2025, 11, 3, tzinfo=PARIS)),
    # bounds inside class hours and on the doubled hour of 26 October (00:40 UTC = 02:40
    # CEST, the first 02:40)
    (datetime(2025, 10, 21, 9, 5, tzinfo=UTC), datetime(2025, 10, 26, 0, 40, tzinfo=UTC)),
    # the spring change of clock
    (datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)),
    # a period without occupied time (Wednesday 22 October, afternoon off)
    (datetime(2025, 10, 22, 12, tzinfo=UTC), datetime(2025, 10, 22, 18, tzinfo=UTC)),
]


@pytest.mark.parametrize("period", PERIODS, ids=["autumn", "cut-in-doubled-hour", "spring", "none"])
async def test_index_ranges_give_the_counts_by_hand(
    partner: str, period: tuple[datetime, datetime]
) -> None:
    src = source_of(partner)
    try:
        assert await counts(src, icone_like(*period)) == expected(*period)
    finally:
        await src.aclose()


async def test_the_dst_days_by_hand(partner: str) -> None:
    """26 October 2025, 01:30-03:30 wall-clock: 01:30-01:50 (3), 02:00-02:50 twice (12),
    03:00-03:20 (3) = 18 readings; 29 March 2026: 01:30-01:50 and 03:00-03:20 = 6."""
    sunday = TimeWindow((7,), ((time(1, 30), time(3, 30)),))
    src = source_of(partner)
    try:
        autumn = icone_like(
            datetime(2025, 10, 26, tzinfo=PARIS), datetime(2025, 10, 27, tzinfo=PARIS), sunday
        )
        spring = icone_like(
            datetime(2026, 3, 29, tzinfo=PARIS), datetime(2026, 3, 30, tzinfo=PARIS), sunday
        )
        assert {k: n for k, (n, _) in (await counts(src, autumn)).items()} == {"R1": 18, "R3": 18}
        assert {k: n for k, (n, _) in (await counts(src, spring)).items()} == {"R1": 6, "R3": 6}
    finally:
        await src.aclose()


async def test_overlapping_hours_count_each_reading_once(partner: str) -> None:
    """08:00-10:00 and 09:00-11:00 overlap: joined to intervals, a reading at 09:30 would
    count twice unless the hours are merged first."""
    window = TimeWindow((1, 2, 3, 4, 5), ((time(8), time(10)), (time(9), time(11))))
    period = PERIODS[0]
    src = source_of(partner)
    try:
        got = await counts(src, icone_like(*period, window))
    finally:
        await src.aclose()
    # 3 hours a day (08:00-11:00) x 6 readings x 10 weekdays
    assert got == expected(*period, window) and got["R1"][0] == 3 * 6 * 10


async def test_long_periods_fall_back_to_row_tests(partner: str) -> None:
    """Over more than MAX_DAYS days the window is tested row by row: same counts."""
    period = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    src, plain = source_of(partner), source_of(partner, lookups=False)
    try:
        assert await counts(src, icone_like(*period)) == expected(*period)
        assert await counts(plain, icone_like(*period)) == expected(*period)
    finally:
        await src.aclose()
        await plain.aclose()


async def the_statement(src: SqlSource, query: Aggregate) -> tuple[str, Any]:
    seen: list[tuple[str, Any]] = []

    def keep(_c: object, _cur: object, statement: str, params: Any, *_: object) -> None:
        seen.append((statement, params))

    sa.event.listen(src.sync_engine, "before_cursor_execute", keep)
    await src.aggregate(query)
    return seen[-1]


@pytest.mark.parametrize("partner", ["sqlite"], indirect=True)  # SQLite's EXPLAIN QUERY PLAN
async def test_sqlite_plan_walks_the_sensor_index(partner: str) -> None:
    src = source_of(partner)
    try:
        statement, params = await the_statement(src, icone_like(*PERIODS[0]))
    finally:
        await src.aclose()
    db = sqlite3.connect(partner.split("///", 1)[1])
    plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {statement}", params)]
    db.close()
    assert any(
        step.startswith("SEARCH m USING INDEX idx_mesures_capteur (capteur=? AND horodatage>?")
        for step in plan
    ), plan
    assert not any(step.startswith("SCAN m") for step in plan), plan
    assert not any("AUTOMATIC" in step for step in plan), plan
    assert "strftime" not in statement  # no function called per row for the window


@pytest.mark.postgres
async def test_postgres_plan_uses_an_index_of_mesures(
    postgres_database: Callable[[str], str],
) -> None:
    url = postgres_database("sql_plans_explain")
    # enough readings for the planner to prefer an index: 20 rooms x 2 months
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for stmt in (
            "CREATE TABLE capteurs (id_capteur TEXT PRIMARY KEY, polluant TEXT, salle TEXT)",
            "CREATE TABLE mesures (id_mesure BIGINT PRIMARY KEY, capteur TEXT NOT NULL, "
            "horodatage TIMESTAMP NOT NULL, polluant TEXT NOT NULL, valeur REAL)",
            "INSERT INTO capteurs SELECT 'R' || i || '-' || q, q, 'R' || i "
            "FROM generate_series(1, 20) i, unnest(ARRAY['CO2', 'TEMP']) q",
            "INSERT INTO mesures SELECT row_number() OVER (), c.id_capteur, t, c.polluant, "
            "400 + random() * 1000 FROM capteurs c, generate_series("
            "'2025-09-01'::timestamp, '2025-11-01'::timestamp, interval '10 minutes') t",
            "CREATE INDEX idx_mesures_capteur ON mesures(capteur, horodatage)",
            "CREATE INDEX idx_mesures_horodatage ON mesures(horodatage)",
            "CREATE VIEW vue_mesures_salles AS SELECT m.id_mesure, m.capteur, m.horodatage, "
            "m.polluant, m.valeur, c.salle FROM mesures m JOIN capteurs c "
            "ON c.id_capteur = m.capteur",
            "ANALYZE",
        ):
            await conn.execute(sa.text(stmt))
    src = source_of(url)
    try:
        period = (datetime(2025, 9, 1, tzinfo=PARIS), datetime(2025, 11, 1, tzinfo=PARIS))
        query = icone_like(*period)
        query = Aggregate(
            query.entity,
            query.measures,
            (*query.where[:3], Condition("spaceId", "in", ("R1",)), query.where[4]),
            query.group_by,
        )
        statement, params = await the_statement(src, query)
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            plan = [r[0] for r in await driver.fetch(f"EXPLAIN {statement}", *params)]
    finally:
        await src.aclose()
        await engine.dispose()
    text = "\n".join(plan)
    assert "Seq Scan on mesures" not in text, text
    assert "Index Scan on idx_mesures_" in text or "Index Scan using idx_mesures_" in text, text

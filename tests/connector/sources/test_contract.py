"""One contract for every source adapter: SQLite, PostgreSQL, CSV, HTTP.

Expected values are worked out by hand from the rows in ``partner.py``:
Paris wall-clock times are UTC+1 in January and UTC+2 in July; energy in Wh is
divided by 1000 to give kWh; the row ``S1-5`` (valide = 0) is never visible.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from connector.config import FieldMapping
from connector.errors import QueryError, SourceError
from connector.sources import (
    Aggregate,
    Condition,
    Measure,
    Select,
    SortKey,
    Source,
    TimeBucket,
)
from tests.connector.sources.partner import MAPPINGS, Backend

pytestmark = pytest.mark.anyio

ALL_IDS_BY_TIME = ["S1-1", "S3-1", "S2-1", "S1-2", "S2-2", "S2-3", "S1-3", "S1-4", "S1-10", "S2-4"]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def ids(rows: list[dict[str, object]]) -> list[object]:
    return [r["id"] for r in rows]


async def test_equality_filter_returns_canonical_rows(source: Source) -> None:
    rows = await source.select(
        Select("Observation", ("id", "value"), where=(Condition("sensorId", "eq", "S2"),))
    )
    assert rows == [
        {"id": "S2-1", "value": 700.0},
        {"id": "S2-2", "value": 1750.0},
        {"id": "S2-3", "value": 19.5},
        {"id": "S2-4", "value": 800.0},
    ]


async def test_whole_row_through_key_value_map_and_time_zone(source: Source) -> None:
    fields = ("id", "sensorId", "spaceId", "observedProperty", "resultTime", "value")
    rows = await source.select(
        Select("Observation", fields, where=(Condition("id", "eq", "S2-3"),))
    )
    assert rows == [
        {
            "id": "S2-3",
            "sensorId": "S2",
            "spaceId": "R102",
            "observedProperty": "temperature",
            "resultTime": utc("2024-01-15 08:30"),
            "value": 19.5,
        }
    ]
    july = await source.select(
        Select("Observation", ("resultTime",), where=(Condition("id", "eq", "S2-4"),))
    )
    assert july == [{"id": "S2-4", "resultTime": utc("2024-07-01 08:00")}]


async def test_fixed_where_hides_rows(source: Source) -> None:
    rows = await source.select(
        Select("Observation", ("id",), where=(Condition("id", "eq", "S1-5"),))
    )
    assert rows == []


async def test_value_map_filters_translate_back(source: Source) -> None:
    temp = await source.select(
        Select("Observation", ("id",), where=(Condition("observedProperty", "eq", "temperature"),))
    )
    assert ids(temp) == ["S2-3"]
    unmapped = await source.select(
        Select(
            "Observation",
            ("id", "observedProperty"),
            where=(Condition("observedProperty", "in", ("HR", "temperature")),),
        )
    )
    assert unmapped == [
        {"id": "S2-3", "observedProperty": "temperature"},
        {"id": "S3-1", "observedProperty": "HR"},
    ]
    source_code = await source.select(
        Select("Observation", ("id",), where=(Condition("observedProperty", "eq", "TEMP"),))
    )
    assert source_code == []


async def test_in_on_concatenated_key(source: Source) -> None:
    rows = await source.select(
        Select(
            "Observation",
            ("id",),
            where=(Condition("id", "in", ("S1-10", "S3-1", "S9-9", "no-dash-number")),),
        )
    )
    assert ids(rows) == ["S1-10", "S3-1"]


async def test_time_range_in_utc(source: Source) -> None:
    rows = await source.select(
        Select(
            "Observation",
            ("id", "resultTime"),
            where=(
                Condition("resultTime", "gte", utc("2024-01-15 08:00")),
                Condition("resultTime", "lt", utc("2024-01-15 09:00")),
            ),
            order=(SortKey("resultTime"),),
        )
    )
    assert rows == [
        {"id": "S1-2", "resultTime": utc("2024-01-15 08:00")},
        {"id": "S2-2", "resultTime": utc("2024-01-15 08:30")},
        {"id": "S2-3", "resultTime": utc("2024-01-15 08:30")},
    ]


async def test_order_descending_with_limit(source: Source) -> None:
    rows = await source.select(
        Select("Observation", ("id", "value"), order=(SortKey("value", descending=True),), limit=3)
    )
    assert rows == [
        {"id": "S1-3", "value": 1800.0},
        {"id": "S2-2", "value": 1750.0},
        {"id": "S1-2", "value": 1200.0},
    ]


async def _pages(source: Source, order: tuple[SortKey, ...], size: int) -> list[list[object]]:
    pages: list[list[object]] = []
    after: tuple[object, ...] | None = None
    names = [k.field for k in order] + ([] if any(k.field == "id" for k in order) else ["id"])
    while True:
        rows = await source.select(
            Select("Observation", ("id",), order=order, after=after, limit=size)
        )
        if not rows:
            return pages
        pages.append(ids(rows))
        after = tuple(rows[-1][n] for n in names)


async def test_keyset_pagination_ascending(source: Source) -> None:
    pages = await _pages(source, (SortKey("resultTime"),), 3)
    assert pages == [
        ALL_IDS_BY_TIME[0:3],
        ALL_IDS_BY_TIME[3:6],
        ALL_IDS_BY_TIME[6:9],
        ALL_IDS_BY_TIME[9:],
    ]


async def test_keyset_pagination_descending_ties_broken_by_key(source: Source) -> None:
    pages = await _pages(source, (SortKey("resultTime", descending=True),), 4)
    assert pages == [
        ["S2-4", "S1-10", "S1-4", "S1-3"],
        ["S2-2", "S2-3", "S1-2", "S2-1"],
        ["S1-1", "S3-1"],
    ]


async def test_keyset_pagination_on_key_descending(source: Source) -> None:
    pages = await _pages(source, (SortKey("id", descending=True),), 4)
    assert pages == [
        ["S3-1", "S2-4", "S2-3", "S2-2"],
        ["S2-1", "S1-4", "S1-3", "S1-2"],
        ["S1-10", "S1-1"],
    ]


async def test_partition_limits_rows_per_parent(source: Source) -> None:
    rows = await source.select(
        Select(
            "Observation",
            ("id", "sensorId"),
            where=(Condition("observedProperty", "eq", "co2"),),
            order=(SortKey("resultTime"),),
            limit=2,
            partition="sensorId",
        )
    )
    assert [(r["id"], r["sensorId"]) for r in rows] == [
        ("S1-1", "S1"),
        ("S2-1", "S2"),
        ("S1-2", "S1"),
        ("S2-2", "S2"),
    ]


async def test_aggregate_per_sensor_with_threshold(source: Source) -> None:
    rows = await source.aggregate(
        Aggregate(
            "Observation",
            (
                Measure("n", "count"),
                Measure("mean", "mean", "value"),
                Measure("peak", "max", "value"),
                Measure("low", "min", "value"),
                Measure("over1000", "count_above", "value", 1000.0),
            ),
            where=(Condition("observedProperty", "eq", "co2"),),
            group_by=("sensorId",),
        )
    )
    assert rows == [
        # S1: 650, 1200, 1800, 900, 450 -> mean 5000 / 5
        {
            "sensorId": "S1",
            "n": 5,
            "mean": pytest.approx(1000.0),
            "peak": 1800.0,
            "low": 450.0,
            "over1000": 2,
        },
        # S2: 700, 1750, 800 -> mean 3250 / 3
        {
            "sensorId": "S2",
            "n": 3,
            "mean": pytest.approx(3250 / 3),
            "peak": 1750.0,
            "low": 700.0,
            "over1000": 1,
        },
    ]


async def test_aggregate_by_local_day(source: Source) -> None:
    rows = await source.aggregate(
        Aggregate(
            "Observation",
            (Measure("n", "count"), Measure("peak", "max", "value")),
            where=(Condition("observedProperty", "eq", "co2"),),
            bucket=TimeBucket("resultTime", "day"),
        )
    )
    # Paris days: 15 Jan starts 14 Jan 23:00 UTC; S1-10 (16 Jan 00:30 local) is on 16 Jan.
    assert rows == [
        {"resultTime": utc("2024-01-14 23:00"), "n": 6, "peak": 1800.0},
        {"resultTime": utc("2024-01-15 23:00"), "n": 1, "peak": 450.0},
        {"resultTime": utc("2024-06-30 22:00"), "n": 1, "peak": 800.0},
    ]


async def test_aggregate_by_hour_week_month_year(source: Source) -> None:
    hours = await source.aggregate(
        Aggregate(
            "Observation",
            (Measure("n", "count"),),
            where=(Condition("sensorId", "eq", "S2"),),
            bucket=TimeBucket("resultTime", "hour"),
        )
    )
    assert hours == [
        {"resultTime": utc("2024-01-15 07:00"), "n": 1},
        {"resultTime": utc("2024-01-15 08:00"), "n": 2},
        {"resultTime": utc("2024-07-01 08:00"), "n": 1},
    ]
    weeks = await source.aggregate(
        Aggregate("Observation", (Measure("n", "count"),), bucket=TimeBucket("resultTime", "week"))
    )
    # 15 Jan 2024 and 1 Jul 2024 are Mondays.
    assert weeks == [
        {"resultTime": utc("2024-01-14 23:00"), "n": 9},
        {"resultTime": utc("2024-06-30 22:00"), "n": 1},
    ]
    months = await source.aggregate(
        Aggregate(
            "Observation",
            (Measure("n", "count"),),
            group_by=("observedProperty",),
            bucket=TimeBucket("resultTime", "month"),
        )
    )
    assert months == [
        {"observedProperty": "HR", "resultTime": utc("2023-12-31 23:00"), "n": 1},
        {"observedProperty": "co2", "resultTime": utc("2023-12-31 23:00"), "n": 7},
        {"observedProperty": "co2", "resultTime": utc("2024-06-30 22:00"), "n": 1},
        {"observedProperty": "temperature", "resultTime": utc("2023-12-31 23:00"), "n": 1},
    ]
    years = await source.aggregate(
        Aggregate("Observation", (Measure("n", "count"),), bucket=TimeBucket("resultTime", "year"))
    )
    assert years == [{"resultTime": utc("2023-12-31 23:00"), "n": 10}]


async def test_aggregate_without_rows(source: Source) -> None:
    rows = await source.aggregate(
        Aggregate(
            "Observation",
            (
                Measure("n", "count"),
                Measure("mean", "mean", "value"),
                Measure("over", "count_above", "value", 0.0),
            ),
            where=(Condition("sensorId", "eq", "S9"),),
        )
    )
    assert rows == [{"n": 0, "mean": None, "over": 0}]


async def test_unit_conversion_in_filters_and_results(source: Source) -> None:
    at_least = await source.select(
        Select("EnergyUse", ("id", "kwh"), where=(Condition("kwh", "gte", 1500),))
    )
    assert at_least == [
        {"id": "C1", "kwh": 1500.0},
        {"id": "C2", "kwh": 12000.0},
        {"id": "C4", "kwh": 2500.5},
    ]
    above = await source.select(Select("EnergyUse", ("id",), where=(Condition("kwh", "gt", 1500),)))
    assert ids(above) == ["C2", "C4"]
    exact = await source.select(
        Select("EnergyUse", ("id",), where=(Condition("kwh", "eq", 2500.5),))
    )
    assert ids(exact) == ["C4"]


async def test_energy_order_and_value_map(source: Source) -> None:
    rows = await source.select(
        Select("EnergyUse", ("id", "carrier"), where=(Condition("carrier", "eq", "Gaz naturel"),))
    )
    assert rows == [{"id": "C2", "carrier": "Gaz naturel"}, {"id": "C4", "carrier": "Gaz naturel"}]
    by_year = await source.select(
        Select("EnergyUse", ("id",), order=(SortKey("year", descending=True),))
    )
    assert by_year == [
        {"id": "C3", "year": 2023},
        {"id": "C4", "year": 2023},
        {"id": "C5", "year": 2023},
        {"id": "C1", "year": 2022},
        {"id": "C2", "year": 2022},
    ]


async def test_energy_aggregates_in_kwh(source: Source) -> None:
    per_building = await source.aggregate(
        Aggregate(
            "EnergyUse",
            (Measure("total", "sum", "kwh"), Measure("low", "min", "kwh")),
            group_by=("rnbId",),
        )
    )
    assert per_building == [
        {"rnbId": "RNB1", "total": pytest.approx(14900.0), "low": 1400.0},  # 1500+12000+1400
        {"rnbId": "RNB2", "total": pytest.approx(2800.5), "low": 300.0},  # 2500.5+300
    ]
    per_year = await source.aggregate(
        Aggregate(
            "EnergyUse",
            (Measure("mean", "mean", "kwh"), Measure("big", "count_above", "kwh", 2000.0)),
            group_by=("year",),
        )
    )
    assert per_year == [
        {"year": 2022, "mean": pytest.approx(6750.0), "big": 1},  # (1500+12000)/2
        {"year": 2023, "mean": pytest.approx(4200.5 / 3), "big": 1},  # 1400+2500.5+300
    ]


async def test_query_errors_name_the_field(source: Source) -> None:
    with pytest.raises(QueryError, match="nope"):
        await source.select(Select("Observation", ("id", "nope")))
    with pytest.raises(QueryError, match=r"Observation\.value gt"):
        await source.select(
            Select("Observation", ("id",), where=(Condition("value", "gt", "beaucoup"),))
        )
    with pytest.raises(QueryError, match="Building"):
        await source.select(Select("Building", ("rnbId",)))
    with pytest.raises(QueryError, match="cursor"):
        await source.select(Select("Observation", ("id",), after=("S1-1", "extra")))


async def test_unknown_column_is_named(partner: Backend) -> None:
    obs = MAPPINGS[0]
    broken = replace(obs, fields={**obs.fields, "value": FieldMapping("value", ("valeurr",))})
    source = partner.open([broken])
    try:
        with pytest.raises(SourceError, match="valeurr"):
            await source.select(Select("Observation", ("id", "value")))
    finally:
        await source.aclose()


async def test_down_source_raises_and_reports_unhealthy(partner: Backend) -> None:
    source = partner.open_down()
    try:
        with pytest.raises(SourceError) as raised:
            await source.select(Select("Observation", ("id",), limit=1))
        message = str(raised.value)
        assert message.startswith("source 'partner': ")
        for internal in ("asyncpg", "sqlite3", "Traceback", "Errno", "httpcore"):
            assert internal not in message
        health = await source.health()
        assert (health.source, health.ok) == ("partner", False)
    finally:
        await source.aclose()


async def test_healthy_source(source: Source) -> None:
    health = await source.health()
    assert (health.source, health.ok) == ("partner", True)


async def test_time_window_in_the_sources_local_calendar(source: Source) -> None:
    # 2024-01-15 is a Monday, 2024-01-16 a Tuesday, 2024-07-01 a Monday (Paris wall clock).
    from datetime import date, time

    from connector.sources.base import TimeWindow

    monday_morning = TimeWindow(weekdays=(1,), hours=((time(8, 30), time(10, 0)),))
    rows = await source.select(
        Select("Observation", ("id",), where=(Condition("resultTime", "within", monday_morning),))
    )
    assert sorted(ids(rows)) == ["S1-2", "S2-1", "S2-2", "S2-3"]
    night_or_eight = TimeWindow(
        weekdays=(1, 2),
        hours=((time(0, 0), time(1, 0)), (time(8, 0), time(9, 0))),
        excluded=((date(2024, 7, 1), date(2024, 7, 31)),),
    )
    rows = await source.select(
        Select("Observation", ("id",), where=(Condition("resultTime", "within", night_or_eight),))
    )
    assert sorted(ids(rows)) == ["S1-1", "S1-10", "S2-1", "S3-1"]
    (agg,) = await source.aggregate(
        Aggregate(
            "Observation",
            (Measure("n", "count"), Measure("hi", "count_above", "value", 1000.0)),
            where=(Condition("resultTime", "within", monday_morning),),
        )
    )
    assert agg == {"n": 4, "hi": 2}  # 1200 and 1750 are above 1000

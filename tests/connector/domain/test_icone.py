"""ICONE on constructed series whose f1 and f2 are known, and its SQL aggregate.

Hand arithmetic: 2.5 / log10(2) = 2.5 / 0.30103 = 8.30482.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from connector.domain import (
    icone_aggregate,
    icone_from_aggregate,
    icone_from_values,
    icone_index,
    icone_weeks,
    worst_week,
)
from connector.domain.icone import icone_exact
from connector.errors import QueryError
from connector.sources.base import Aggregate, Condition, Measure

START = datetime(2025, 1, 6, tzinfo=UTC)
END = datetime(2025, 1, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("f1", "f2", "exact", "index"),
    [
        (0.0, 0.0, 0.0, 0),  # log10(1) = 0
        (0.5, 0.0, 1.4624, 1),  # 8.30482 × log10(1.5) = 8.30482 × 0.17609 = 1.4624 → 1
        (0.0, 1.0, 5.0, 5),  # 8.30482 × log10(4) = 2.5 × log10(4) / log10(2) = 2.5 × 2 = 5
        (1.0, 0.0, 2.5, 3),  # 2.5 × log10(2) / log10(2) = 2.5, an exact half → rounds up to 3
        (0.2, 0.2, 2.1200, 2),  # 1 + 0.2 + 0.6 = 1.8: 8.30482 × 0.25527 = 2.1200 → 2
        (0.3, 0.3, 2.8438, 3),  # 1 + 0.3 + 0.9 = 2.2: 8.30482 × 0.34242 = 2.8438 → 3
        (0.1, 0.5, 3.4463, 3),  # 1 + 0.1 + 1.5 = 2.6: 8.30482 × 0.41497 = 3.4463 → 3
        (0.0, 0.6, 3.7136, 4),  # 1 + 1.8 = 2.8: 8.30482 × 0.44716 = 3.7136 → 4
        (0.25, 0.75, 4.5184, 5),  # 1 + 0.25 + 2.25 = 3.5: 8.30482 × 0.54407 = 4.5184 → 5
    ],
)
def test_index_from_known_shares(f1: float, f2: float, exact: float, index: int) -> None:
    assert icone_exact(f1, f2) == pytest.approx(exact, abs=1e-4)
    assert icone_index(f1, f2) == index


def test_series_with_values_on_the_band_edges() -> None:
    # 10 readings. (1000, 1700] holds 1001, 1200, 1500, 1600, 1700 → f1 = 5/10 = 0.5;
    # 1000 itself is not above 1000 and nothing is above 1700 → f2 = 0 → ICONE 1 (1.4624).
    # Above 800: 900, 1000, 1001, 1200, 1500, 1600, 1700 → 7/10 (800 itself is not above).
    # Above 1500: 1600, 1700 → 2/10.  Mean 11,001 / 10 = 1,100.1.  Max 1,700.
    series = [600, 700, 800, 900, 1000, 1001, 1200, 1500, 1600, 1700]
    result = icone_from_values(series)
    assert (result.count, result.f1, result.f2, result.icone) == (10, 0.5, 0.0, 1)
    assert result.icone_exact == pytest.approx(1.4624, abs=1e-4)
    assert (result.share_above_guidance, result.share_above_action) == (0.7, 0.2)
    assert (result.guidance_ppm, result.action_ppm) == (800.0, 1500.0)
    assert result.mean_ppm == pytest.approx(1100.1)
    assert result.max_ppm == 1700.0
    assert "Ribéron" in result.source and "Haut Conseil de la santé publique" in result.source


def test_fully_confined_series_scores_5() -> None:
    # every reading above 1700 → f1 = 0, f2 = 1 → ICONE 5
    result = icone_from_values(iter([1800.0, 2500.0, 1701.0, 3000.0]))
    assert (result.f1, result.f2, result.icone) == (0.0, 1.0, 5)
    assert (result.share_above_guidance, result.share_above_action) == (1.0, 1.0)
    assert result.mean_ppm == pytest.approx(2250.25)  # 9,001 / 4


def test_mixed_series_scores_3() -> None:
    # 4 × 500, 3 × 1100, 3 × 2000: f1 = 0.3, f2 = 0.3 → 2.8438 → 3;
    # above 800: 6/10; above 1500: 3/10; mean (2,000 + 3,300 + 6,000) / 10 = 1,130
    result = icone_from_values([500] * 4 + [1100] * 3 + [2000] * 3)
    assert (result.f1, result.f2, result.icone) == (0.3, 0.3, 3)
    assert (result.share_above_guidance, result.share_above_action) == (0.6, 0.3)
    assert result.mean_ppm == pytest.approx(1130.0)


def test_aggregate_query_pushed_to_the_source() -> None:
    occupied = Condition("resultTime", "gte", START)  # stand-in for an occupancy condition
    query = icone_aggregate(start=START, end=END, where=(occupied,), group_by=("spaceId",))
    assert query == Aggregate(
        entity="Observation",
        measures=(
            Measure("n", "count"),
            Measure("n_above_f1_lower", "count_above", "value", 1000.0),
            Measure("n_above_f2_lower", "count_above", "value", 1700.0),
            Measure("n_above_guidance", "count_above", "value", 800.0),
            Measure("n_above_action", "count_above", "value", 1500.0),
            Measure("mean", "mean", "value"),
            Measure("max", "max", "value"),
        ),
        where=(
            Condition("observedProperty", "eq", "co2"),
            Condition("resultTime", "gte", START),
            Condition("resultTime", "lt", END),
            occupied,
        ),
        group_by=("spaceId",),
    )


def test_aggregate_field_names_are_parameters() -> None:
    query = icone_aggregate(
        start=START,
        end=END,
        entity="Reading",
        value_field="ppm",
        property_field="kind",
        time_field="at",
        co2_property="CO2",
    )
    assert query.entity == "Reading"
    assert {m.field for m in query.measures} == {None, "ppm"}
    assert query.where[:3] == (
        Condition("kind", "eq", "CO2"),
        Condition("at", "gte", START),
        Condition("at", "lt", END),
    )


def test_result_from_an_aggregate_row() -> None:
    # n = 10, 6 above 1000, 3 above 1700 → f1 = (6 − 3) / 10 = 0.3, f2 = 0.3 → ICONE 3
    row: dict[str, object] = {
        "spaceId": "R1",
        "n": 10,
        "n_above_f1_lower": 6,
        "n_above_f2_lower": 3,
        "n_above_guidance": 8,
        "n_above_action": 4,
        "mean": 1234.5,
        "max": 2100.0,
    }
    result = icone_from_aggregate(row)
    assert (result.count, result.f1, result.f2, result.icone) == (10, 0.3, 0.3, 3)
    assert (result.share_above_guidance, result.share_above_action) == (0.8, 0.4)
    assert (result.mean_ppm, result.max_ppm) == (1234.5, 2100.0)


def test_aggregate_and_values_agree_on_the_same_series() -> None:
    series = [500] * 4 + [1100] * 3 + [2000] * 3
    row: dict[str, object] = {
        "n": 10,
        "n_above_f1_lower": 6,
        "n_above_f2_lower": 3,
        "n_above_guidance": 6,
        "n_above_action": 3,
        "mean": 1130.0,
        "max": 2000.0,
    }
    assert icone_from_aggregate(row) == icone_from_values(series)


@pytest.mark.parametrize(
    ("f1", "f2", "expected"),
    [
        (1.2, 0.0, r"f1 is a share of readings and must lie in \[0, 1\], got 1.2"),
        (0.0, -0.1, r"f2 is a share of readings and must lie in \[0, 1\], got -0.1"),
        (0.6, 0.5, r"f1 \+ f2 must not exceed 1, got f1=0.6, f2=0.5"),
        (math.nan, 0.0, r"ICONE: f1: expected a finite number"),
    ],
)
def test_bad_shares_are_errors(f1: float, f2: float, expected: str) -> None:
    with pytest.raises(QueryError, match=expected):
        icone_index(f1, f2)


def test_bad_series_are_errors_naming_the_reading() -> None:
    with pytest.raises(QueryError, match="no CO2 readings in the period"):
        icone_from_values([])
    with pytest.raises(QueryError, match=r"CO2 reading #2 \(ppm\): expected a number >= 0"):
        icone_from_values([900.0, -1.0])
    with pytest.raises(QueryError, match=r"CO2 reading #1 \(ppm\): expected a number, got None"):
        icone_from_values([None])  # type: ignore[list-item]


def test_bad_aggregate_rows_are_errors() -> None:
    good: dict[str, object] = {
        "n": 10,
        "n_above_f1_lower": 6,
        "n_above_f2_lower": 3,
        "n_above_guidance": 8,
        "n_above_action": 4,
        "mean": 1.0,
        "max": 2.0,
    }
    with pytest.raises(QueryError, match="no CO2 readings in the period"):
        icone_from_aggregate(
            {
                **good,
                "n": 0,
                "n_above_f1_lower": 0,
                "n_above_f2_lower": 0,
                "n_above_guidance": 0,
                "n_above_action": 0,
                "mean": None,
            }
        )
    with pytest.raises(QueryError, match="expected n >= n_above_f1_lower >= n_above_f2_lower"):
        icone_from_aggregate({**good, "n_above_f2_lower": 7})
    with pytest.raises(QueryError, match="ICONE aggregate row: mean: expected a number, got None"):
        icone_from_aggregate({**good, "mean": None})
    with pytest.raises(QueryError, match="ICONE aggregate row: n_above_action: expected an"):
        icone_from_aggregate({k: v for k, v in good.items() if k != "n_above_action"})


def test_bad_periods_are_errors() -> None:
    with pytest.raises(QueryError, match="end must be a timezone-aware datetime"):
        icone_aggregate(start=START, end=datetime(2025, 1, 11))
    with pytest.raises(QueryError, match="start 2025-01-11T00:00:00\\+00:00 must be before end"):
        icone_aggregate(start=END, end=START)


def _row(monday: datetime, n: int, above_1000: int, above_1700: int) -> dict[str, object]:
    return {
        "resultTime": monday,
        "n": n,
        "n_above_f1_lower": above_1000,
        "n_above_f2_lower": above_1700,
        "n_above_guidance": above_1000,
        "n_above_action": above_1700,
        "mean": 1000.0,
        "max": 2000.0,
    }


def test_a_week_across_the_change_of_clock_lasts_seven_local_days() -> None:
    """Paris leaves summer time on Sunday 26 October 2025: the week of Monday 20 October
    starts at 22:00 UTC on the 19th (UTC+2) and ends at 23:00 UTC on the 26th (UTC+1)."""
    (week,) = icone_weeks(
        [_row(datetime(2025, 10, 19, 22, tzinfo=UTC), 10, 0, 0)], zone="Europe/Paris"
    )
    assert (week.label, week.start, week.end) == (
        "2025-W43",
        datetime(2025, 10, 19, 22, tzinfo=UTC),
        datetime(2025, 10, 26, 23, tzinfo=UTC),
    )


def test_the_worst_week_is_the_highest_index_then_the_higher_exact_then_the_earlier() -> None:
    """Week A: f1 = 10/10 → 8.30482 × log10(2) = 2.5 → ICONE 3 (halves upwards).
    Week B: f1 = 6/10, f2 = 2/10 → 1 + 0.6 + 0.6 = 2.2, 8.30482 × 0.342423 = 2.8438 → 3.
    Week C: the same as B, a week later. B wins on the exact index, before C."""
    mondays = [datetime(2025, 11, d, tzinfo=UTC) for d in (3, 10, 17)]
    weeks = icone_weeks(
        [_row(mondays[0], 10, 10, 0), _row(mondays[1], 10, 8, 2), _row(mondays[2], 10, 8, 2)],
        zone="UTC",
    )
    assert [w.result.icone for w in weeks] == [3, 3, 3]
    worst = worst_week(weeks)
    assert worst is not None and worst.start == mondays[1]
    assert worst_week([]) is None


def test_a_week_row_without_an_aware_start_is_refused() -> None:
    with pytest.raises(QueryError, match="resultTime must be an aware datetime"):
        icone_weeks([_row(datetime(2025, 11, 3), 10, 0, 0)], zone="UTC")

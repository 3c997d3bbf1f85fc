"""The aggregation level of a use is what its query covers (hand-computed spans)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from connector.usage import Action, Use, Window, level_of
from connector.usage.granularity import aligned, duration_text, floor_to

PARIS = ZoneInfo("Europe/Paris")


def derive(window: Window | None = None, **kw: object) -> Use:
    return Use(dataset="d", action=Action.DERIVE, window=window, **kw)  # type: ignore[arg-type]


def test_ten_minutes_are_ten_minutes_not_a_day() -> None:
    # the window the issue found rounded up to P1D
    w = Window(
        start=datetime(2026, 1, 5, 8, 30, tzinfo=PARIS),
        end=datetime(2026, 1, 5, 8, 40, tzinfo=PARIS),
        zone="Europe/Paris",
    )
    assert level_of(derive(w)) == "PT10M"


def test_a_school_year_is_306_days() -> None:
    # 1 Sept 2025 to 4 July 2026: 30+31+30+31+31+28+31+30+31+30+3 = 306 days
    w = Window(
        start=datetime(2025, 9, 1, tzinfo=PARIS),
        end=datetime(2026, 7, 4, tzinfo=PARIS),
        zone="Europe/Paris",
    )
    assert level_of(derive(w)) == "P306D"
    assert aligned(w, "day") and not aligned(w, "month")


def test_a_day_bucket_cut_by_the_window_shows_its_partial_edges() -> None:
    # buckets of a day, window from 08:00 to 10:00 two days later: first bucket keeps
    # 16 h, last keeps 10 h -> the finest step shown is 10 h
    w = Window(
        start=datetime(2026, 1, 5, 8, tzinfo=PARIS),
        end=datetime(2026, 1, 7, 10, tzinfo=PARIS),
        zone="Europe/Paris",
    )
    use = Use(dataset="d", action=Action.AGGREGATE, bucket="day", window=w)
    assert level_of(use) == "PT10H"


def test_aligned_windows_keep_the_bucket() -> None:
    w = Window(
        start=datetime(2026, 1, 1, tzinfo=PARIS),
        end=datetime(2026, 3, 1, tzinfo=PARIS),
        zone="Europe/Paris",
    )
    assert level_of(Use(dataset="d", action=Action.AGGREGATE, bucket="month", window=w)) == "P1M"
    assert level_of(Use(dataset="d", action=Action.AGGREGATE, bucket="hour", window=w)) == "PT1H"


def test_no_window_no_bucket_is_the_whole_period() -> None:
    assert level_of(Use(dataset="d", action=Action.AGGREGATE)) == "P100Y"
    assert level_of(derive(level="P1Y")) == "P1Y"


@pytest.mark.parametrize("cut", [True])
def test_instants_are_level_zero(cut: bool) -> None:
    assert level_of(derive(Window(cut=cut))) == "PT0S"


def test_dst_day_is_23_hours_and_still_a_day() -> None:
    # 29 March 2026: clocks go forward in Paris; the local day lasts 23 h
    w = Window(
        start=datetime(2026, 3, 29, tzinfo=PARIS),
        end=datetime(2026, 3, 30, tzinfo=PARIS),
        zone="Europe/Paris",
    )
    assert level_of(derive(w)) == "PT23H"
    assert aligned(w, "day")
    assert floor_to(datetime(2026, 3, 29, 12, tzinfo=UTC), "day", "Europe/Paris") == w.start


def test_duration_text() -> None:
    from datetime import timedelta

    assert duration_text(timedelta(days=1, hours=23)) == "P1DT23H"
    assert duration_text(timedelta(seconds=0)) == "PT0S"
    assert duration_text(timedelta(minutes=90)) == "PT1H30M"

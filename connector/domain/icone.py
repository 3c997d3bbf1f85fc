"""ICONE, the classroom air-confinement index, from CO2 readings in occupied time.

    ICONE = 2.5 / log10(2) × log10(1 + f1 + 3·f2), rounded to the nearest integer, 0-5

where ``f1`` is the share of readings in (1000, 1700] ppm and ``f2`` the share above
1700 ppm (CSTB index, Ribéron et al.), with the share of readings above the HCSP's 800 ppm
guidance value and 1500 ppm action value, the mean and the maximum. Every constant comes
from ``data/icone.csv`` with its source. Readings are assumed evenly spaced in time, so a
share of readings is a share of time (the ICONE protocol records at a fixed step).

Two ways in:

* in SQL: :func:`icone_aggregate` builds the :class:`~connector.sources.base.Aggregate`
  that a source pushes down (counts above thresholds, mean, max: memory does not grow with
  the number of readings) and :func:`icone_from_aggregate` turns each result row into an
  :class:`IconeResult`;
* in Python, for tests and small series: :func:`icone_from_values` (one pass).

The period. The index is defined over one week of measurement: décret n° 2012-14 (art. 5
and 8) measures CO2 continuously over 4.5 days of a school week, every ten minutes, and
keeps only the times when the class is present; the CSTB protocol (Ramalho and Rueda
Lopez, 2023) is written for that measurement. ``icone_aggregate(..., by_week=True)``
gives one row per calendar week (Monday 00:00 to Monday 00:00 in the readings' local
calendar), which :func:`icone_weeks` labels and :func:`worst_week` ranks. Without it, the
index is computed over every occupied reading of the period asked: an aggregate over,
say, a school year, which the protocol does not define, and which is labelled so
(:data:`PERIOD_METHOD`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from connector.domain import _checks
from connector.domain._data import table
from connector.errors import QueryError
from connector.sources.base import Aggregate, Condition, Measure, TimeBucket

CONSTANTS_FILE = "icone.csv"
SHARE_TOLERANCE = 1e-9  # floating-point slack when checking that f1 + f2 <= 1
ROUNDING_DIGITS = 9  # floating-point noise removed before rounding the index

COUNT = "n"
ABOVE_F1_LOWER = "n_above_f1_lower"
ABOVE_F2_LOWER = "n_above_f2_lower"
ABOVE_GUIDANCE = "n_above_guidance"
ABOVE_ACTION = "n_above_action"
MEAN = "mean"
MAX = "max"
TOTAL = "total"  # sum of the readings: weekly rows pool into the period's mean

WEEK_METHOD = (
    "ICONE over the occupied 10-minute readings of one calendar week (Monday 00:00 to "
    "Monday 00:00, {zone}), cut to the period asked: the week of measurement of décret "
    "n° 2012-14 (art. 5 and 8) and of the CSTB protocol; occupied = the node's timetable "
    "minus the school calendar's days without class"
)
PERIOD_METHOD = (
    "ICONE over every occupied 10-minute reading of the period asked, all weeks pooled: "
    "an aggregate over the period (e.g. the school year), not the protocol's weekly index "
    "(see weeks and worstWeek); occupied = the node's timetable minus the school "
    "calendar's days without class"
)


@dataclass(frozen=True)
class IconeConstants:
    f1_lower_ppm: float
    f2_lower_ppm: float
    f2_weight: float
    scale: float
    log_base: float
    index_min: int
    index_max: int
    guidance_ppm: float
    action_ppm: float
    source: str


@dataclass(frozen=True)
class IconeResult:
    """ICONE and the CO2 statistics of a series of ``count`` readings (ppm)."""

    icone: int
    icone_exact: float
    f1: float
    f2: float
    count: int
    share_above_guidance: float
    share_above_action: float
    guidance_ppm: float
    action_ppm: float
    mean_ppm: float
    max_ppm: float
    source: str


@dataclass(frozen=True)
class IconeWeek:
    """ICONE of one calendar week: ``[start, end)`` (UTC), the week cut to the period."""

    start: datetime
    end: datetime
    zone: str
    result: IconeResult

    @property
    def label(self) -> str:
        """The ISO week it falls in, in its local calendar: ``2025-W36``."""
        year, week, _ = self.start.astimezone(ZoneInfo(self.zone)).isocalendar()
        return f"{year}-W{week:02d}"


@cache
def icone_constants() -> IconeConstants:
    data = table(CONSTANTS_FILE)
    by_name = {data.text(line, "name"): line for line in data.lines}

    def get(name: str) -> float:
        if name not in by_name:
            raise data.issue(None, "name", f"expected a row named {name!r}")
        return data.number(by_name[name], "value")

    constants = IconeConstants(
        f1_lower_ppm=get("f1_lower_ppm"),
        f2_lower_ppm=get("f2_lower_ppm"),
        f2_weight=get("f2_weight"),
        scale=get("scale"),
        log_base=get("log_base"),
        index_min=int(get("index_min")),
        index_max=int(get("index_max")),
        guidance_ppm=get("guidance_ppm"),
        action_ppm=get("action_ppm"),
        source=data.source,
    )
    if not constants.f1_lower_ppm < constants.f2_lower_ppm or constants.log_base <= 1:
        raise data.issue(None, "value", "expected f1_lower_ppm < f2_lower_ppm and log_base > 1")
    return constants


def icone_exact(f1: float, f2: float) -> float:
    """The unrounded index: ``scale / log10(log_base) × log10(1 + f1 + f2_weight·f2)``."""
    f1 = _share(f1, "f1")
    f2 = _share(f2, "f2")
    if f1 + f2 > 1 + SHARE_TOLERANCE:
        raise QueryError(f"ICONE: f1 + f2 must not exceed 1, got f1={f1!r}, f2={f2!r}")
    c = icone_constants()
    return c.scale / math.log10(c.log_base) * math.log10(1 + f1 + c.f2_weight * f2)


def icone_index(f1: float, f2: float) -> int:
    """ICONE from the two shares: ``icone_index(0.5, 0.0) == 1``, ``icone_index(0, 1) == 5``.

    Rounded to the nearest integer, halves upwards, then clipped to the 0-5 scale."""
    c = icone_constants()
    # round(..., ROUNDING_DIGITS) first, so that an exact half (f1 = 1 gives 2.5) computed
    # as 2.4999999999999996 still rounds up
    rounded = math.floor(round(icone_exact(f1, f2), ROUNDING_DIGITS) + 0.5)
    return max(c.index_min, min(c.index_max, rounded))


def icone_from_values(values: Iterable[float]) -> IconeResult:
    """ICONE of a series of CO2 readings (ppm, occupied time only), in one pass."""
    c = icone_constants()
    n = above_f1 = above_f2 = above_guidance = above_action = 0
    total, peak = 0.0, -math.inf
    for index, raw in enumerate(values):
        value = _checks.non_negative(raw, f"CO2 reading #{index + 1} (ppm)")
        n += 1
        total += value
        peak = max(peak, value)
        above_f1 += value > c.f1_lower_ppm
        above_f2 += value > c.f2_lower_ppm
        above_guidance += value > c.guidance_ppm
        above_action += value > c.action_ppm
    return _result(
        n, above_f1, above_f2, above_guidance, above_action, total / n if n else 0.0, peak
    )


def icone_aggregate(
    *,
    start: datetime,
    end: datetime,
    where: Sequence[Condition] = (),
    group_by: tuple[str, ...] = (),
    entity: str = "Observation",
    value_field: str = "value",
    property_field: str = "observedProperty",
    time_field: str = "resultTime",
    co2_property: str = "co2",
    by_week: bool = False,
) -> Aggregate:
    """The aggregate query behind ICONE over ``[start, end)``.

    ``where`` adds conditions (occupied times, one classroom...); ``group_by`` gives one
    row per group, e.g. ``("spaceId",)`` for one ICONE per classroom; ``by_week`` one row
    per group and calendar week, the week's start under ``time_field``. Field names
    default to those of :data:`connector.model.OBSERVATION`. Weekly rows also carry the
    readings' sum (:data:`TOTAL`), so that :func:`icone_pooled` gives the period's row
    from them."""
    for name, moment in (("start", start), ("end", end)):
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise QueryError(
                f"ICONE period: {name} must be a timezone-aware datetime, got {moment!r}"
            )
    if not start < end:
        raise QueryError(
            f"ICONE period: start {start.isoformat()} must be before end {end.isoformat()}"
        )
    c = icone_constants()
    measures = (
        Measure(COUNT, "count"),
        Measure(ABOVE_F1_LOWER, "count_above", value_field, c.f1_lower_ppm),
        Measure(ABOVE_F2_LOWER, "count_above", value_field, c.f2_lower_ppm),
        Measure(ABOVE_GUIDANCE, "count_above", value_field, c.guidance_ppm),
        Measure(ABOVE_ACTION, "count_above", value_field, c.action_ppm),
        Measure(MEAN, "mean", value_field),
        Measure(MAX, "max", value_field),
        *((Measure(TOTAL, "sum", value_field),) if by_week else ()),
    )
    conditions = (
        Condition(property_field, "eq", co2_property),
        Condition(time_field, "gte", start),
        Condition(time_field, "lt", end),
        *where,
    )
    bucket = TimeBucket(time_field, "week") if by_week else None
    return Aggregate(entity, measures, conditions, group_by, bucket)


def icone_from_aggregate(row: Mapping[str, object]) -> IconeResult:
    """The :class:`IconeResult` of one row of :func:`icone_aggregate`'s answer;
    ``f1 = (n>1000 − n>1700) / n``, ``f2 = n>1700 / n``."""
    counts = {
        name: _checks.integer(row.get(name), f"ICONE aggregate row: {name}", low=0)
        for name in (COUNT, ABOVE_F1_LOWER, ABOVE_F2_LOWER, ABOVE_GUIDANCE, ABOVE_ACTION)
    }
    n = counts[COUNT]
    if n == 0:
        raise QueryError("ICONE: no CO2 readings in the period, the index cannot be computed")
    for low, high in ((ABOVE_F1_LOWER, ABOVE_F2_LOWER), (ABOVE_GUIDANCE, ABOVE_ACTION)):
        if not n >= counts[low] >= counts[high]:
            raise QueryError(
                f"ICONE aggregate row: expected {COUNT} >= {low} >= {high}, got "
                f"{n}, {counts[low]}, {counts[high]}"
            )
    mean = _checks.non_negative(row.get(MEAN), f"ICONE aggregate row: {MEAN}")
    peak = _checks.non_negative(row.get(MAX), f"ICONE aggregate row: {MAX}")
    return _result(
        n,
        counts[ABOVE_F1_LOWER],
        counts[ABOVE_F2_LOWER],
        counts[ABOVE_GUIDANCE],
        counts[ABOVE_ACTION],
        mean,
        peak,
    )


def icone_pooled(rows: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """The period's row from its weekly rows (one group's): counts add up, the maximum
    is the largest, the mean is the readings' sum over their count. Equal to the period's
    own aggregate as long as the sums are exact (integer ppm, as sensors report them);
    else to the last bits of the mean."""
    if not rows:
        raise QueryError("ICONE: no CO2 readings in the period, the index cannot be computed")
    out: dict[str, object] = {}
    for name in (COUNT, ABOVE_F1_LOWER, ABOVE_F2_LOWER, ABOVE_GUIDANCE, ABOVE_ACTION):
        what = f"ICONE week row: {name}"
        out[name] = sum(_checks.integer(r.get(name), what, low=0) for r in rows)
    totals = [_checks.finite(r.get(TOTAL), f"ICONE week row: {TOTAL}") for r in rows]
    for r in rows:
        _checks.finite(r.get(MAX), f"ICONE week row: {MAX}")
    n = out[COUNT]
    assert isinstance(n, int)
    out[MEAN] = sum(totals) / n if n else 0.0
    out[MAX] = max((r[MAX] for r in rows), key=lambda v: float(v))  # type: ignore[arg-type]
    return out


def icone_weeks(
    rows: Iterable[Mapping[str, object]],
    *,
    zone: str,
    start: datetime | None = None,
    end: datetime | None = None,
    time_field: str = "resultTime",
) -> list[IconeWeek]:
    """Each row of a ``by_week`` answer as an :class:`IconeWeek`, in time order: the
    week's start is the row's ``time_field``; it ends seven local days later (a change
    of clock inside the week honoured), both cut to ``[start, end)`` when given, in UTC."""
    tz = ZoneInfo(zone)
    out = []
    for row in rows:
        monday = row.get(time_field)
        if not isinstance(monday, datetime) or monday.utcoffset() is None:
            raise QueryError(
                f"ICONE week row: {time_field} must be an aware datetime, got {monday!r}"
            )
        local = monday.astimezone(tz).replace(tzinfo=None)
        sunday_night = (local + timedelta(days=7)).replace(tzinfo=tz)
        week_start = max(monday, start) if start is not None else monday
        week_end = min(sunday_night, end) if end is not None else sunday_night
        out.append(
            IconeWeek(
                week_start.astimezone(UTC),
                week_end.astimezone(UTC),
                zone,
                icone_from_aggregate(row),
            )
        )
    return sorted(out, key=lambda w: w.start)


def worst_week(weeks: Sequence[IconeWeek]) -> IconeWeek | None:
    """The week of highest ICONE; between equal indices, the higher unrounded index, then
    the earlier week. None when there is no week."""
    if not weeks:
        return None
    return max(weeks, key=lambda w: (w.result.icone, w.result.icone_exact, -w.start.timestamp()))


def _result(
    n: int,
    above_f1: int,
    above_f2: int,
    above_guidance: int,
    above_action: int,
    mean: float,
    peak: float,
) -> IconeResult:
    if n == 0:
        raise QueryError("ICONE: no CO2 readings in the period, the index cannot be computed")
    c = icone_constants()
    f1, f2 = (above_f1 - above_f2) / n, above_f2 / n
    return IconeResult(
        icone=icone_index(f1, f2),
        icone_exact=icone_exact(f1, f2),
        f1=f1,
        f2=f2,
        count=n,
        share_above_guidance=above_guidance / n,
        share_above_action=above_action / n,
        guidance_ppm=c.guidance_ppm,
        action_ppm=c.action_ppm,
        mean_ppm=mean,
        max_ppm=peak,
        source=c.source,
    )


def _share(value: float, name: str) -> float:
    share = _checks.finite(value, f"ICONE: {name}")
    if not 0 <= share <= 1:
        raise QueryError(
            f"ICONE: {name} is a share of readings and must lie in [0, 1], got {value!r}"
        )
    return share

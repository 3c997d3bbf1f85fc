"""How fine an aggregate or derived value is, judged from what the query covers.

The aggregation level a decision evaluates (``gui:aggregationLevel``, an xsd:duration)
is the finest time step the answer shows: the bucket width, or less where the window
cuts a bucket (its first or last bucket is then partial), or the window's span without
buckets. A window that selects instants (``eq``, ``in``, open bounds) shows single
readings: level ``PT0S``.

>>> from datetime import datetime, UTC
>>> ten = Window(start=datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
...              end=datetime(2026, 1, 5, 8, 10, tzinfo=UTC))
>>> level_of(Use(dataset="d", action=Action.DERIVE, window=ten))
'PT10M'
>>> level_of(Use(dataset="d", action=Action.AGGREGATE, bucket="day", window=ten))
'PT10M'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from connector.usage.demand import Action, Bucket, Use, Window

UNIT_DURATION: dict[str, str] = {
    "hour": "PT1H",
    "day": "P1D",
    "week": "P7D",
    "month": "P1M",
    "year": "P1Y",
}
_SHORTEST = {
    "hour": timedelta(hours=1),
    "day": timedelta(hours=23),
    "week": timedelta(days=7) - timedelta(hours=1),
    "month": timedelta(days=28),
    "year": timedelta(days=365),
}
CELL_UNITS: tuple[Bucket, ...] = ("hour", "day", "month", "year")
"""Units cells are cut in: each nests in the next (weeks do not nest in months)."""
WHOLE_PERIOD = "P100Y"
"""The level of an answer over all time (no window, no bucket)."""
INSTANT = "PT0S"

__all__ = [
    "CELL_UNITS",
    "INSTANT",
    "UNIT_DURATION",
    "WHOLE_PERIOD",
    "Action",
    "aligned",
    "duration_text",
    "floor_to",
    "level_of",
]


def duration_text(delta: timedelta) -> str:
    """``timedelta(minutes=10)`` as ``PT10M``; days stay days (``P306D``)."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return INSTANT
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def floor_to(moment: datetime, unit: Bucket, zone: str) -> datetime:
    """The start of the ``unit`` (in the local calendar of ``zone``) holding ``moment``."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    if unit == "hour":
        start = local.replace(minute=0, second=0, microsecond=0)
    else:
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit == "week":
            start -= timedelta(days=start.weekday())
        elif unit == "month":
            start = start.replace(day=1)
        elif unit == "year":
            start = start.replace(month=1, day=1)
    # a local wall time re-read in its zone, so a DST change inside the unit is honoured
    return start.replace(tzinfo=None).replace(tzinfo=tz)


def _next(start: datetime, unit: Bucket, zone: str) -> datetime:
    local = start.replace(tzinfo=None)
    if unit == "hour":
        return (start.astimezone(UTC) + timedelta(hours=1)).astimezone(ZoneInfo(zone))
    if unit in ("day", "week"):
        local += timedelta(days=1 if unit == "day" else 7)
    elif unit == "month":
        local = local.replace(year=local.year + local.month // 12, month=local.month % 12 + 1)
    else:
        local = local.replace(year=local.year + 1)
    return local.replace(tzinfo=ZoneInfo(zone))


def aligned(window: Window, unit: Bucket) -> bool:
    """Whether each given bound of ``window`` starts a ``unit`` of its local calendar."""
    return not window.cut and all(
        b is None or floor_to(b, unit, window.zone) == b for b in (window.start, window.end)
    )


def _edges(window: Window, unit: Bucket) -> list[timedelta]:
    """How much of a bucket the window keeps where a bound cuts one."""
    out = []
    if window.start is not None:
        floor = floor_to(window.start, unit, window.zone)
        if floor != window.start:
            out.append(_utc(_next(floor, unit, window.zone)) - _utc(window.start))
    if window.end is not None:
        floor = floor_to(window.end, unit, window.zone)
        if floor != window.end:
            out.append(_utc(window.end) - _utc(floor))
    return out


def level_of(use: Use) -> str:
    """The aggregation level of ``use`` (an xsd:duration), from what its query covers."""
    w = use.window
    if w is not None and w.cut:
        return INSTANT
    steps: list[timedelta] = []
    if w is not None and w.start is not None and w.end is not None:
        steps.append(_utc(w.end) - _utc(w.start))
    if use.bucket is not None and w is not None:
        steps += _edges(w, use.bucket)
    finest = min(steps) if steps else None
    fixed = use.level or (UNIT_DURATION[use.bucket] if use.bucket else None)
    if fixed is not None and (finest is None or finest >= _shortest(fixed)):
        return fixed
    return duration_text(finest) if finest is not None else WHOLE_PERIOD


def _utc(moment: datetime) -> datetime:
    """Differences of aware datetimes sharing a zone ignore DST: take them in UTC."""
    return moment.astimezone(UTC)


def _shortest(duration: str) -> timedelta:
    for unit, text in UNIT_DURATION.items():
        if text == duration:
            return _SHORTEST[unit]
    return timedelta(days=365 * 100)

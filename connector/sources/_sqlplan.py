"""Filters written so that the database can use the partner's indexes.

Three rewrites, each giving the same rows as the plain translation:

* **Key lookups.** A reading's room and quantity are usually columns of a view that joins
  the readings to their sensor (``mesures JOIN capteurs``). A filter on them cannot use an
  index of the readings table, so SQLite walks the time index over every reading. When
  the mapping declares ``lookups = { sensorId = ["spaceId", "observedProperty"] }`` (those
  fields of a reading are its sensor's), the same filters are also applied to the
  sensor's own table, giving ``capteur IN (SELECT id_capteur FROM capteurs WHERE ...)``:
  the readings are then reached through the partner's ``(capteur, horodatage)`` index.
  The original filters stay, so a row that broke the declared rule could only be left
  out, never added.
* **Occupied times as index ranges.** A :class:`TimeWindow` between two bounds
  (``gte`` and ``lt`` on the same naive local column: ISO text on SQLite, ``timestamp``
  on PostgreSQL) over at most :data:`MAX_DAYS` days becomes the list of its occupied
  intervals, cut to the bounds: one index range per interval instead of a test per row.
  The intervals are disjoint (hours merged, days off left out), so each row is counted
  once; they are compared on the column's own wall clock, as the window is. On SQLite
  they are joined as ``(VALUES ...) AS iv JOIN table ON col >= iv.column1 AND col <
  iv.column2``, and the other equality filters are written ``+column`` so that the
  planner does not build an automatic index on them instead of using the partner's. On
  PostgreSQL the filtered rows are a ``LATERAL`` subquery per interval with ``OFFSET 0``
  (joined plainly, or as ``OR``-ed ranges, its row estimates made it test every interval
  against every row, or walk every sensor's bitmap of all the ranges).
* **Local-time windows on ISO text (SQLite), otherwise.** A :class:`TimeWindow` on a
  column holding naive local ISO-8601 text (``2025-10-06 08:30:00``, the layout the
  adapter binds range bounds in) is tested with plain text comparisons where the text
  allows: days without class as ranges of the column itself, the hours on
  ``substr(column, 12)``; only the weekday needs ``strftime``, once per row and tested
  last. Same answers as the function-per-term translation: the text sorts as the time
  it writes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from connector.sources._sqlschema import NoMatch, to_source
from connector.sources._values import zone
from connector.sources.base import Condition, TimeWindow

if TYPE_CHECKING:
    from connector.sources._sqlbuild import Expr, RowBuilder
    from connector.sources._values import Mapped

LOOKUP_OPS = ("eq", "in")
MAX_DAYS = 1_100  # about three years of days: longer periods are tested row by row
MAX_INTERVALS = 4_000  # two bound parameters each, well under the drivers' limits


@dataclass(frozen=True)
class Lookup:
    """``fields`` of this entity are those of the row its ``key`` field points to, read
    through ``target`` (a builder of the referenced entity, on the same database)."""

    key: str
    fields: tuple[str, ...]
    target: RowBuilder


def lookup_filters(
    builder: RowBuilder, lookups: Sequence[Lookup], conditions: Sequence[Condition]
) -> list[Expr]:
    """One ``key IN (SELECT target key ...)`` per lookup that some equality filter uses."""
    out: list[Expr] = []
    for lk in lookups:
        used = [c for c in conditions if c.field in lk.fields and c.op in LOOKUP_OPS]
        if not used:
            continue
        mine = builder.entity.field(lk.key)
        target = lk.target
        theirs = target.entity.field(target.entity.key)
        if not (builder.simple(mine) and target.simple(theirs)):
            continue  # composite or value-mapped keys: the raw columns need not be equal
        sub = (
            sa.select(target.col(theirs.mapping.column))
            .select_from(target.table)
            .where(*target.fixed(), *(target.condition(c) for c in used))
        )
        out.append(builder.col(mine.mapping.column).in_(sub.scalar_subquery()))
    return out


def sqlite_text_window(builder: RowBuilder, m: Mapped, window: TimeWindow) -> Expr | None:
    """The window on a naive ISO text column in plain comparisons (weekday last), or None
    when the column is not such text."""
    info = builder.colinfo(m)
    layout = info.text_layout
    if builder.postgres or info.aware or layout is None or not layout[0]:
        return None
    if any(t.microsecond for span in window.hours for t in span):
        return None  # strftime drops fractions of a second, substr would keep them
    col: Any = builder.col(m.mapping.column)
    gone = [
        sa.and_(col >= a.isoformat(), col < (b + timedelta(days=1)).isoformat())
        for a, b in window.excluded
    ]
    clock = sa.func.substr(col, 12)
    hours = [sa.and_(clock >= a.isoformat(), clock < b.isoformat()) for a, b in window.hours]
    day = sa.cast(sa.func.strftime("%w", col), sa.Integer)
    return sa.and_(
        sa.not_(sa.or_(sa.false(), *gone)),
        sa.or_(sa.false(), *hours),
        day.in_([d % 7 for d in window.weekdays]),
    )


@dataclass(frozen=True)
class Occupied:
    """A window's occupied intervals, as the time ``column`` holds them, and the
    conditions left to test (the window and its bounds are in the intervals)."""

    column: str
    spans: tuple[tuple[Any, Any], ...]
    rest: list[Condition]


def occupied_intervals(builder: RowBuilder, conditions: Sequence[Condition]) -> Occupied | None:
    """The occupied intervals of the one ``within`` condition between ``gte`` and ``lt``
    bounds; None when the window and the column do not allow it (then the window is
    tested row by row)."""
    windows = [c for c in conditions if c.op == "within" and isinstance(c.value, TimeWindow)]
    if len(windows) != 1:
        return None
    name = windows[0].field
    window = windows[0].value
    assert isinstance(window, TimeWindow)
    m = builder.entity.field(name)
    if m.field.type != "DateTime" or not builder.simple(m) or not _naive_local(builder, m):
        return None
    info = builder.colinfo(m)
    bounds = [c for c in conditions if c.field == name and c.op != "within"]
    lows = [c.value for c in bounds if c.op == "gte" and isinstance(c.value, datetime)]
    highs = [c.value for c in bounds if c.op == "lt" and isinstance(c.value, datetime)]
    if len(lows) + len(highs) != len(bounds) or not lows or not highs:
        return None
    tz = zone(m.mapping.timezone)
    lo_local = max(v.astimezone(tz).replace(tzinfo=None) for v in lows)
    hi_local = min(v.astimezone(tz).replace(tzinfo=None) for v in highs)
    if (hi_local.date() - lo_local.date()).days > MAX_DAYS:
        return None
    try:  # the bounds exactly as the plain conditions would bind them
        # str or datetime, as the column holds it
        lo: Any = max(cast(Any, to_source(v, m, info)) for v in lows)
        hi: Any = min(cast(Any, to_source(v, m, info)) for v in highs)
    except NoMatch:
        return None
    layout = None if builder.postgres else builder.colinfo(m).text_layout
    spans = _spans(window, lo_local.date(), hi_local.date(), layout, lo, hi)
    if spans is None:
        return None
    return Occupied(m.mapping.column, spans, [c for c in conditions if c.field != name])


@functools.lru_cache(maxsize=256)
def _spans(
    window: TimeWindow,
    first: date,
    last: date,
    layout: tuple[str, int] | None,
    lo: Any,
    hi: Any,
) -> tuple[tuple[Any, Any], ...] | None:
    """The occupied ``[start, end)`` spans of ``window`` from day ``first`` to ``last``,
    as the column holds times (``layout``: its text layout, None for timestamps), cut to
    ``[lo, hi)``; None past :data:`MAX_INTERVALS`. Remembered: a school year is some 300
    spans, and the same period is asked again and again."""
    spans = []
    for day in _days(first, last):
        if day.isoweekday() not in window.weekdays:
            continue
        if any(a <= day <= b for a, b in window.excluded):
            continue
        for a, b in _merged(window.hours):
            start = max(_as_stored(layout, datetime.combine(day, a)), lo)
            end = min(_as_stored(layout, datetime.combine(day, b)), hi)
            if start < end:
                spans.append((start, end))
    return tuple(spans) if len(spans) <= MAX_INTERVALS else None


def _naive_local(builder: RowBuilder, m: Mapped) -> bool:
    info = builder.colinfo(m)
    if info.aware:
        return False
    if builder.postgres:
        return info.kind == "datetime"
    return info.text_layout is not None and bool(info.text_layout[0])


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _merged(hours: Sequence[tuple[time, time]]) -> list[tuple[time, time]]:
    """The hours as disjoint ``[a, b)`` spans, in order (empty spans dropped)."""
    out: list[tuple[time, time]] = []
    for a, b in sorted(h for h in hours if h[0] < h[1]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _as_stored(layout: tuple[str, int] | None, local: datetime) -> Any:
    """A wall-clock time as the column holds it: as is for a timestamp column (``layout``
    None), else text in the column's layout (separator, fractional digits)."""
    if layout is None:
        return local
    sep, frac = layout
    out = local.strftime(f"%Y-%m-%d{sep}%H:%M:%S")
    return f"{out}.{local.microsecond:06d}"[: len(out) + 1 + frac] if frac else out


@functools.lru_cache(maxsize=256)
def values_clause(spans: tuple[tuple[Any, Any], ...], *, postgres: bool) -> Any:
    """``(VALUES ('2025-09-01 08:30:00', '2025-09-01 11:45:00'), ...) AS iv``, columns
    ``column1`` and ``column2`` on both databases (typed ``TIMESTAMP`` literals on
    PostgreSQL). The times are written as literals: they are strings and datetimes this
    module formatted, and hundreds of bound parameters on a text clause cost SQLAlchemy
    more than the query itself. Remembered with the spans: the same clause object lets
    SQLAlchemy find the statement's compiled form in its cache."""

    def literal(value: Any) -> str:
        if postgres:
            return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
        return "'" + str(value).replace("'", "''") + "'"

    rows = ", ".join(f"({literal(a)}, {literal(b)})" for a, b in spans)
    clause = sa.text(f"VALUES {rows}").columns(sa.column("column1"), sa.column("column2"))
    return clause.subquery("iv")

"""Filters written so that the database can use the partner's indexes.

Two rewrites, both giving the same rows as the plain translation:

* **Key lookups.** A reading's room and quantity are usually columns of a view that joins
  the readings to their sensor (``mesures JOIN capteurs``). A filter on them cannot use an
  index of the readings table, so SQLite walks the time index over every reading. When
  the mapping declares ``lookups = { sensorId = ["spaceId", "observedProperty"] }`` (those
  fields of a reading are its sensor's), the same filters are also applied to the
  sensor's own table, giving ``capteur IN (SELECT id_capteur FROM capteurs WHERE ...)``:
  the readings are then reached through the partner's ``(capteur, horodatage)`` index.
  The original filters stay, so a row that broke the declared rule could only be left
  out, never added.
* **Local-time windows on ISO text (SQLite).** A :class:`TimeWindow` on a column holding
  naive local ISO-8601 text (``2025-10-06 08:30:00``, the layout the adapter binds range
  bounds in) is tested with plain text comparisons where the text allows: days without
  class as ranges of the column itself, the hours on ``substr(column, 12)``; only the
  weekday needs ``strftime``, once per row and tested last. Same answers as the
  function-per-term translation: the text sorts as the time it writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from connector.sources.base import Condition, TimeWindow

if TYPE_CHECKING:
    from connector.sources._sqlbuild import Expr, RowBuilder
    from connector.sources._values import Mapped

LOOKUP_OPS = ("eq", "in")


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

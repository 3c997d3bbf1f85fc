"""The source port: how a node reads a partner's data in place.

A source adapter (one module per backend: :mod:`connector.sources.sql`,
:mod:`connector.sources.csv`, :mod:`connector.sources.http`) answers two kinds of
questions, both phrased in *entity* terms (entity type and field names of
:mod:`connector.model`, canonical units and values):

* :class:`Select` — rows of one entity type, filtered, ordered, keyset-paged;
* :class:`Aggregate` — counts, means, maxima, counts above thresholds, distinct values,
  optionally grouped by fields and by time bucket, optionally built from :class:`Cells`
  (disclosure control pushed into the source).

The adapter translates them through the node configuration's
:class:`~connector.config.EntityMapping` (partner table and column names, unit
conversion, value maps) into its backend's language, and translates the answers back.
Values returned are canonical Python values: ``str``, ``int``, ``float``, ``bool``,
timezone-aware UTC ``datetime``, or ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal, Protocol

from connector.model import FilterOp

Row = dict[str, object]
Bucket = Literal["hour", "day", "week", "month", "year"]
MeasureFn = Literal["count", "mean", "min", "max", "sum", "count_above", "count_distinct"]


@dataclass(frozen=True)
class Condition:
    """``field op value``; for ``in`` the value is a tuple, for ``within`` a
    :class:`TimeWindow`. Values are canonical."""

    field: str
    op: FilterOp
    value: object


@dataclass(frozen=True)
class TimeWindow:
    """Recurring local times, for ``Condition(field, "within", TimeWindow(...))`` on a
    DateTime field: ISO ``weekdays`` (1 = Monday ... 7 = Sunday), ``hours`` as
    ``[start, end)`` times of day, minus ``excluded`` date ranges ``[first, last]``; all in
    the local calendar of the field's source (its declared ``timezone``, UTC otherwise).
    A school's occupied hours are such a window."""

    weekdays: tuple[int, ...]
    hours: tuple[tuple[time, time], ...]
    excluded: tuple[tuple[date, date], ...] = ()

    def contains(self, local: datetime) -> bool:
        if local.isoweekday() not in self.weekdays:
            return False
        t = local.time()
        if not any(a <= t < b for a, b in self.hours):
            return False
        return not any(a <= local.date() <= b for a, b in self.excluded)


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class Select:
    """Rows of ``entity`` with the given ``fields``.

    The adapter always orders by ``order`` then by the entity key (a total order), and
    ``after`` holds the values of those sort fields (key last) of the last row already
    seen: keyset pagination, pushed into the backend. ``limit`` caps the rows returned;
    with ``partition`` set, the limit applies per distinct value of that field (one
    statement serves a batch of parents, e.g. the first 10 observations of each sensor).
    """

    entity: str
    fields: tuple[str, ...]
    where: tuple[Condition, ...] = ()
    order: tuple[SortKey, ...] = ()
    after: tuple[object, ...] | None = None
    limit: int | None = None
    partition: str | None = None


@dataclass(frozen=True)
class Measure:
    """One aggregate column named ``name``: ``count`` (rows, ``field`` unused),
    ``mean|min|max|sum`` of ``field``, ``count_above`` (rows where field > threshold), or
    ``count_distinct`` (distinct non-null values of ``field``)."""

    name: str
    fn: MeasureFn
    field: str | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class TimeBucket:
    field: str
    unit: Bucket


@dataclass(frozen=True)
class Cells:
    """Build an aggregate from cells, and leave out the small ones.

    Rows matching the query's ``where`` are first grouped into cells: one per value of
    every field of ``fields`` and per ``unit`` of ``time_field`` (local calendar of the
    field). A cell with fewer than ``min_rows`` rows, or fewer than ``min_subjects``
    distinct values of ``subject``, is left out; the answer is computed from the rows of
    the cells kept. ``group_by`` fields must be among ``fields``, and a bucket must be
    no finer than ``unit``, so that every group is a union of whole cells."""

    fields: tuple[str, ...]
    time_field: str | None
    unit: Bucket
    min_rows: int
    subject: str | None = None
    min_subjects: int = 1


@dataclass(frozen=True)
class Aggregate:
    """Aggregates of ``entity`` rows matching ``where``, grouped by ``group_by`` fields
    and by ``bucket`` (the bucket start, a UTC datetime, is returned under the bucket
    field's name). Result rows are ordered by the group fields then the bucket."""

    entity: str
    measures: tuple[Measure, ...]
    where: tuple[Condition, ...] = ()
    group_by: tuple[str, ...] = ()
    bucket: TimeBucket | None = None
    cells: Cells | None = None


@dataclass(frozen=True)
class Health:
    source: str
    ok: bool
    detail: str
    checked_at: datetime | None = None
    extra: dict[str, object] = field(default_factory=dict)


class Source(Protocol):
    """A partner source, read-only. Errors are raised as :class:`~connector.errors.SourceError`."""

    name: str

    async def select(self, query: Select) -> list[Row]: ...

    async def aggregate(self, query: Aggregate) -> list[Row]: ...

    async def health(self) -> Health: ...

    async def aclose(self) -> None: ...

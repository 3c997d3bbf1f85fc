"""What a request asks of a node's datasets, as every face states it before acting.

A face (GraphQL, the ``/id/`` views, exports...) reads its request and states each way
it uses a dataset as a :class:`Use`: read rows, aggregate them, or derive a value from
them. For aggregates and derived values the use says what the answer covers, so that
the decision judges the granularity the query actually asks for, never a declared one:

* ``bucket`` — the time step of the answer's buckets, if it has buckets;
* ``window`` — the time its filters leave, and whether they cut it finer than whole
  steps (``eq``, ``in``, an open bound);
* ``cuts`` — filters on fields that are not group dimensions (a value, an identifier,
  a subject of personal data): under an aggregate-only permit they would let a caller
  single rows out by differencing, so such a use is refused.

>>> Use(dataset="mesures-salles", action=Action.AGGREGATE, bucket="hour").action
<Action.AGGREGATE: 'aggregate'>
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

Bucket = Literal["hour", "day", "week", "month", "year"]


class Action(StrEnum):
    """How a request uses a dataset (the ODRL action the decision evaluates)."""

    READ = "read"
    AGGREGATE = "aggregate"
    DERIVE = "derive"


@dataclass(frozen=True, kw_only=True)
class Window:
    """The time an aggregate covers: ``[start, end)``, ``None`` for an open side; ``zone``
    is the local calendar of its time field (days and months are cut there). ``cut`` is
    true when the filters select instants rather than a span (``eq``, ``in``, ``gt``,
    ``lte``): such a window can differ from another by one reading."""

    start: datetime | None = None
    end: datetime | None = None
    zone: str = "UTC"
    cut: bool = False


@dataclass(frozen=True, kw_only=True)
class Use:
    """One way a request uses one dataset. Equal uses are decided once."""

    dataset: str
    action: Action
    bucket: Bucket | None = None
    window: Window | None = None
    cuts: tuple[str, ...] = ()
    level: str | None = None
    """A time step the computation itself fixes (a year of energy use), as an
    xsd:duration; otherwise the step follows from ``bucket`` and ``window``."""


@dataclass(frozen=True)
class GroupCount:
    """What one group of an aggregate or derived value holds: rows (readings) and
    distinct subjects (rooms, dwellings) — the latter a lower bound when the source
    can only bound it."""

    rows: int
    subjects: int


@dataclass(frozen=True)
class Grain:
    """The cells an aggregate is built from, for a caller who may not read its rows: the
    source groups rows into cells (every group dimension, and ``unit`` of time), leaves
    out every cell with fewer than ``min_rows`` rows or ``min_subjects`` distinct
    subjects, and rolls the answer up from the cells it keeps. Two answers then differ
    by whole cells, never by one reading or one dwelling."""

    unit: Bucket
    min_rows: int
    min_subjects: int

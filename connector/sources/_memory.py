"""Select and Aggregate evaluated in Python over a stream of source records.

Used by the adapters whose backend cannot run the query itself (CSV files, HTTP APIs).
Semantics are those of the SQL adapter: comparisons on canonical values, ``NULL``
values sort last in both directions, the entity key completes every order, keyset
``after`` is strict, ``partition`` limits rows per value, buckets are cut in the
field's declared time zone and returned as UTC instants.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cmp_to_key
from typing import Any
from zoneinfo import ZoneInfo

from connector.errors import QueryError
from connector.sources._values import (
    Entity,
    Mapped,
    TextFormat,
    bucket_field,
    bucket_start,
    check_cells,
    coerce,
    measure_field,
    text,
    to_canonical,
)
from connector.sources.base import Aggregate, Cells, Condition, Measure, Row, Select, TimeWindow

Record = Mapping[str, object]
Predicate = Callable[[Row], bool]


class RecordError(ValueError):
    """A source record holds a value that does not fit its field."""


def reader(entity: Entity, names: Iterable[str], fmt: TextFormat) -> Callable[[Record], Row]:
    mapped = [(n, entity.field(n)) for n in dict.fromkeys(names)]

    def read(rec: Record) -> Row:
        out: Row = {}
        for name, m in mapped:
            raws = tuple(rec.get(c) for c in m.mapping.columns)
            try:
                out[name] = to_canonical(raws, m.mapping, m.field.type, fmt)
            except ValueError as exc:
                cols = ", ".join(repr(c) for c in m.mapping.columns)
                raise RecordError(f"column {cols} ({entity.name}.{name}): {exc}") from None
        return out

    return read


def _same(raw: object, wanted: object) -> bool:
    if raw is None or wanted is None:
        return raw is wanted
    if isinstance(wanted, int | float) and not isinstance(wanted, bool):
        try:
            return float(text(raw).replace(",", ".")) == float(wanted)
        except ValueError:
            return False
    return text(raw) == text(wanted)


def fixed_filter(where: Mapping[str, tuple[object, ...]]) -> Callable[[Record], bool]:
    """The mapping's fixed ``where`` on source columns."""
    items = list(where.items())
    return lambda rec: all(any(_same(rec.get(c), v) for v in vs) for c, vs in items)


def condition(entity: Entity, cond: Condition) -> Predicate:
    m = entity.field(cond.field)
    where = f"{entity.name}.{cond.field} {cond.op}"
    name = cond.field
    if cond.op == "within":
        window = cond.value
        if not isinstance(window, TimeWindow) or m.field.type != "DateTime":
            raise QueryError(f"{where}: expected a TimeWindow on a DateTime field")
        zone = ZoneInfo(m.mapping.timezone or "UTC")

        def inside(row: Row) -> bool:
            got = row[name]
            return isinstance(got, datetime) and window.contains(got.astimezone(zone))

        return inside
    if cond.op == "in":
        if not isinstance(cond.value, tuple | list | set | frozenset):
            raise QueryError(f"{where}: expected a list of values, got {cond.value!r}")
        allowed = {coerce(v, m.field, where) for v in cond.value}
        return lambda row: row[name] in allowed
    value = coerce(cond.value, m.field, where)
    if cond.op == "eq":
        return lambda row: row[name] == value
    if value is None:
        raise QueryError(f"{where}: a range filter needs a value")
    op = cond.op
    v: Any = value

    def ranged(row: Row) -> bool:
        got: Any = row[name]
        if got is None:
            return False
        if op == "gt":
            return bool(got > v)
        if op == "gte":
            return bool(got >= v)
        if op == "lt":
            return bool(got < v)
        return bool(got <= v)

    return ranged


def _cmp_value(a: Any, b: Any, descending: bool) -> int:
    if a is None or b is None:
        return 0 if a is b else (1 if a is None else -1)
    if a == b:
        return 0
    c = -1 if a < b else 1
    return -c if descending else c


def comparator(directions: tuple[bool, ...]) -> Callable[[tuple[Any, ...], tuple[Any, ...]], int]:
    def cmp(a: tuple[Any, ...], b: tuple[Any, ...]) -> int:
        for x, y, d in zip(a, b, directions, strict=True):
            c = _cmp_value(x, y, d)
            if c:
                return c
        return 0

    return cmp


def select(entity: Entity, query: Select, records: Iterable[Record], fmt: TextFormat) -> list[Row]:
    """Evaluate ``query`` over ``records`` (streamed once)."""
    order_names = entity.sort_fields(tuple(k.field for k in query.order))
    directions = tuple(
        next((k.descending for k in query.order if k.field == n), False) for n in order_names
    )
    sort_mapped = [entity.field(n, "sort field") for n in order_names]
    for n, m in zip(order_names, sort_mapped, strict=True):
        if n != entity.key and not m.field.sortable:
            raise QueryError(f"{entity.name}.{n} is not sortable")
    if query.partition is not None:
        entity.field(query.partition, "partition field")
    if query.limit is not None and query.limit < 0:
        raise QueryError(f"limit must be positive, got {query.limit}")
    preds = [condition(entity, c) for c in query.where]
    needed = [*query.fields, *order_names, *(c.field for c in query.where)]
    if query.partition:
        needed.append(query.partition)
    read = reader(entity, needed, fmt)
    fixed = fixed_filter(entity.mapping.where)
    cmp = comparator(directions)
    cursor: tuple[Any, ...] | None = None
    if query.after is not None:
        cursor = _cursor(entity, order_names, sort_mapped, query.after)

    def sort_key(row: Row) -> tuple[Any, ...]:
        return tuple(row[n] for n in order_names)

    def matching() -> Iterable[Row]:
        for rec in records:
            if not fixed(rec):
                continue
            row = read(rec)
            if all(p(row) for p in preds) and (cursor is None or cmp(sort_key(row), cursor) > 0):
                yield row

    def row_cmp(a: Row, b: Row) -> int:
        return cmp(sort_key(a), sort_key(b))

    key = cmp_to_key(row_cmp)
    if query.limit is not None and query.partition is None:
        rows = heapq.nsmallest(query.limit, matching(), key=key)
    else:
        rows = sorted(matching(), key=key)
        if query.limit is not None and query.partition is not None:
            rows = _per_partition(rows, query.partition, query.limit)
    keep = list(dict.fromkeys([*query.fields, *order_names]))
    return [{n: r[n] for n in keep} for r in rows]


def _cursor(
    entity: Entity, names: tuple[str, ...], mapped: list[Mapped], after: tuple[object, ...]
) -> tuple[Any, ...]:
    if len(after) != len(names):
        raise QueryError(
            f"cursor: expected {len(names)} values ({', '.join(names)}), got {len(after)}"
        )
    return tuple(
        coerce(v, m.field, f"cursor {entity.name}.{n}")
        for v, n, m in zip(after, names, mapped, strict=True)
    )


def _per_partition(rows: list[Row], field: str, limit: int) -> list[Row]:
    seen: dict[object, int] = {}
    out: list[Row] = []
    for row in rows:
        n = seen.get(row[field], 0)
        if n < limit:
            out.append(row)
        seen[row[field]] = n + 1
    return out


class _Acc:
    __slots__ = ("count", "high", "low", "n", "total", "values")

    def __init__(self) -> None:
        self.count = 0
        self.n = 0
        self.total = 0.0
        self.low: Any = None
        self.high: Any = None
        self.values: set[Any] = set()

    def merge(self, other: _Acc) -> None:
        self.count += other.count
        self.n += other.n
        self.total += other.total
        if other.low is not None and (self.low is None or other.low < self.low):
            self.low = other.low
        if other.high is not None and (self.high is None or other.high > self.high):
            self.high = other.high
        self.values |= other.values


def _feed(acc: _Acc, measure: Measure, value: Any) -> None:
    acc.count += 1
    if value is None:
        return
    if measure.fn == "count_above":
        threshold = measure.threshold if measure.threshold is not None else math.inf
        acc.n += 1 if value > threshold else 0
        return
    if measure.fn == "count_distinct":
        acc.values.add(value)
        return
    acc.n += 1
    if measure.fn in ("mean", "sum"):
        acc.total += value
    acc.low = value if acc.low is None or value < acc.low else acc.low
    acc.high = value if acc.high is None or value > acc.high else acc.high


def _result(acc: _Acc, measure: Measure) -> object:
    fn = measure.fn
    if fn == "count":
        return acc.count
    if fn == "count_above":
        return acc.n
    if fn == "count_distinct":
        return len(acc.values)
    if acc.n == 0:
        return None
    if fn == "mean":
        return acc.total / acc.n
    if fn == "sum":
        return acc.total
    return acc.low if fn == "min" else acc.high


class _Cell:
    __slots__ = ("accs", "group", "rows", "subjects")

    def __init__(self, group: tuple[Any, ...], size: int) -> None:
        self.group = group
        self.accs = [_Acc() for _ in range(size)]
        self.rows = 0
        self.subjects: set[Any] = set()


def aggregate(
    entity: Entity, query: Aggregate, records: Iterable[Record], fmt: TextFormat
) -> list[Row]:
    """Evaluate an aggregate over ``records`` (streamed once, one accumulator per group,
    or per cell when the aggregate is built from :class:`~connector.sources.base.Cells`)."""
    if not query.measures:
        raise QueryError("an aggregate needs at least one measure")
    fields = [measure_field(entity, m.fn, m.field, m.threshold, m.name) for m in query.measures]
    for g in query.group_by:
        entity.field(g, "group field")
    check_cells(entity, query)
    bucket, cells = query.bucket, query.cells
    tz = bucket_field(entity, bucket.field).mapping.timezone if bucket else None
    preds = [condition(entity, c) for c in query.where]
    needed = [
        *query.group_by,
        *(c.field for c in query.where),
        *(m.field for m in query.measures if m.field and m.fn != "count"),
    ]
    if bucket:
        needed.append(bucket.field)
    if cells:
        needed += [*cells.fields, *(f for f in (cells.subject, cells.time_field) if f)]
    read = reader(entity, needed, fmt)
    fixed = fixed_filter(entity.mapping.where)
    groups: dict[tuple[Any, ...], list[_Acc]] = {}
    kept: dict[tuple[Any, ...], _Cell] = {}
    for rec in records:
        if not fixed(rec):
            continue
        row = read(rec)
        if not all(p(row) for p in preds):
            continue
        gkey: tuple[Any, ...] = tuple(row[g] for g in query.group_by)
        if bucket:
            when: Any = row[bucket.field]
            gkey += (None if when is None else bucket_start(when, bucket.unit, tz),)
        if cells is None:
            accs = groups.setdefault(gkey, [_Acc() for _ in query.measures])
        else:
            cell = kept.get(ckey := _cell_key(entity, cells, row))
            if cell is None:
                cell = kept[ckey] = _Cell(gkey, len(query.measures))
            cell.rows += 1
            if cells.subject:
                cell.subjects.add(row[cells.subject])
            accs = cell.accs
        for acc, measure, m in zip(accs, query.measures, fields, strict=True):
            _feed(acc, measure, row[measure.field] if m is not None and measure.field else None)
    if cells is not None:
        for cell in kept.values():
            subjects = len(cell.subjects) if cells.subject else 1
            if cell.rows < cells.min_rows or subjects < cells.min_subjects:
                continue
            into = groups.setdefault(cell.group, [_Acc() for _ in query.measures])
            for a, b in zip(into, cell.accs, strict=True):
                a.merge(b)
    if not groups and not query.group_by and not bucket:
        groups[()] = [_Acc() for _ in query.measures]
    names = [*query.group_by, *([bucket.field] if bucket else [])]
    cmp = comparator(tuple(False for _ in names))
    out: list[Row] = []
    for gkey in sorted(groups, key=cmp_to_key(cmp)):
        result: Row = dict(zip(names, gkey, strict=True))
        for measure, acc in zip(query.measures, groups[gkey], strict=True):
            result[measure.name] = _result(acc, measure)
        out.append(result)
    return out


def _cell_key(entity: Entity, cells: Cells, row: Row) -> tuple[Any, ...]:
    key: tuple[Any, ...] = tuple(row[f] for f in cells.fields)
    if cells.time_field is not None:
        when: Any = row[cells.time_field]
        tz = entity.field(cells.time_field).mapping.timezone
        key += (None if when is None else bucket_start(when, cells.unit, tz),)
    return key

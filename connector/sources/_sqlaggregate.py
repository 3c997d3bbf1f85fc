"""Aggregates translated into one SQL statement each (SQLAlchemy Core): plain grouped
aggregates, and aggregates built from :class:`~connector.sources.base.Cells` (rows into
cells counted by window functions, small cells left out, the rest rolled up).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from connector.errors import QueryError
from connector.sources._memory import comparator
from connector.sources._sqlbuild import _SQLITE_BUCKETS, Decoder, Expr, RowBuilder, _number, _quote
from connector.sources._values import (
    Mapped,
    bucket_field,
    check_cells,
    local_to_utc,
    measure_field,
    parse_number,
    to_canonical,
)
from connector.sources.base import Aggregate, Cells, Measure, Row


class Builder(RowBuilder):
    """Row and aggregate statements for one entity mapped onto one reflected table."""

    def bucket(self, m: Mapped, unit: str) -> Expr:
        col = self.col(m.mapping.column)
        if not self.postgres:
            fmt, *mods = _SQLITE_BUCKETS[unit]
            return sa.func.strftime(_quote(fmt), col, *(_quote(x) for x in mods))
        info = self.colinfo(m)
        if info.aware:
            col = sa.func.timezone(_quote(m.mapping.timezone or "UTC"), col)
        elif info.kind == "date":
            col = sa.cast(col, sa.DateTime)
        return sa.func.date_trunc(_quote(unit), col)

    def value_expr(self, m: Mapped) -> Expr:
        """The field's value as one expression (its column, or its canonical text)."""
        return self.col(m.mapping.column) if self.simple(m) else self.canonical_text(m)

    def measure(self, measure: Measure, m: Mapped | None) -> Expr:
        if m is None:
            return sa.func.count()
        if measure.fn == "count_distinct":
            return sa.func.count(sa.distinct(self.value_expr(m)))
        if measure.fn == "count_above":
            above = self.numeric(m) > _number(float(measure.threshold or 0.0))
            return sa.func.sum(sa.case((above, 1), else_=0))
        if measure.fn == "mean":
            return sa.func.avg(self.numeric(m))
        if measure.fn == "sum":
            return sa.func.sum(self.numeric(m))
        low = (measure.fn == "min") != (m.mapping.scale < 0)
        col = self.col(m.mapping.column)
        if not self.simple(m):
            col = self.canonical_text(m)
        return sa.func.min(col) if low else sa.func.max(col)

    def aggregate(self, query: Aggregate) -> tuple[sa.Select[Any], Decoder]:
        if not query.measures:
            raise QueryError("an aggregate needs at least one measure")
        fields = [
            measure_field(self.entity, x.fn, x.field, x.threshold, x.name) for x in query.measures
        ]
        groups = [self.entity.field(g, "group field") for g in query.group_by]
        bm = bucket_field(self.entity, query.bucket.field) if query.bucket else None
        check_cells(self.entity, query)
        if query.cells is not None:
            stmt = self._from_cells(query, query.cells, fields, groups)
        else:
            stmt = self._plain(query, fields, groups, bm)
        names = [*query.group_by, *([query.bucket.field] if query.bucket else [])]

        def decode(rows: Sequence[Sequence[Any]]) -> list[Row]:
            out: list[Row] = []
            for r in rows:
                row: Row = {}
                i = 0
                for g in groups:
                    n = len(g.mapping.columns)
                    row[g.field.name] = to_canonical(tuple(r[i : i + n]), g.mapping, g.field.type)
                    i += n
                if query.bucket and bm:
                    row[query.bucket.field] = _bucket_value(r[i], bm.mapping.timezone)
                    i += 1
                for x, m in zip(query.measures, fields, strict=True):
                    row[x.name] = _measure_value(r[i], x, m)
                    i += 1
                out.append(row)
            cmp = comparator(tuple(False for _ in names))
            return sorted(out, key=lambda row: _Key(tuple(row[n] for n in names), cmp))

        return stmt, decode

    def _plain(
        self,
        query: Aggregate,
        fields: list[Mapped | None],
        groups: list[Mapped],
        bm: Mapped | None,
    ) -> sa.Select[Any]:
        source, where = self.plan(query.where)  # first: it may change what self.col reads
        exprs: list[Expr] = [self.col(c) for g in groups for c in g.mapping.columns]
        if query.bucket and bm:
            exprs.append(self.bucket(bm, query.bucket.unit))
        measures = [self.measure(x, m) for x, m in zip(query.measures, fields, strict=True)]
        stmt = (
            sa.select(
                *(e.label(f"g{i}") for i, e in enumerate(exprs)),
                *(e.label(f"m{i}") for i, e in enumerate(measures)),
            )
            .select_from(source)
            .where(*where)
        )
        return stmt.group_by(*exprs) if exprs else stmt

    def _from_cells(
        self, query: Aggregate, cells: Cells, fields: list[Mapped | None], groups: list[Mapped]
    ) -> sa.Select[Any]:
        """One statement in three steps: rows into (cell, subject) parts, parts into cells
        counted by window functions, and the kept cells rolled up into the answer."""
        source, where = self.plan(query.where)  # first: it may change what self.col reads
        dims = [self.entity.field(f, "cell field") for f in cells.fields]
        dim_cols = list(dict.fromkeys(c for d in dims for c in d.mapping.columns))
        label = {c: f"d{i}" for i, c in enumerate(dim_cols)}
        parts: list[Expr] = [self.col(c).label(label[c]) for c in dim_cols]
        keys: list[Expr] = [self.col(c) for c in dim_cols]
        tm = bucket_field(self.entity, cells.time_field) if cells.time_field else None
        if tm is not None:
            when = self.bucket(tm, cells.unit)
            parts.append(when.label("ct"))
            keys.append(when)
        subject = self.entity.field(cells.subject, "subject") if cells.subject else None
        own_subject = subject is not None and cells.subject not in cells.fields
        if subject is not None and own_subject:
            parts.append(self.value_expr(subject).label("sj"))
            keys.append(self.value_expr(subject))
        parts.append(sa.func.count().label("n"))
        for i, (x, m) in enumerate(zip(query.measures, fields, strict=True)):
            parts += self._partials(i, x, m)
        step1 = sa.select(*parts).select_from(source).where(*where).group_by(*keys)
        one = step1.subquery("cell_parts")
        cell_keys = [one.c[label[c]] for c in dim_cols] + ([one.c.ct] if tm is not None else [])
        step2 = sa.select(
            *one.c,
            sa.func.sum(one.c.n).over(partition_by=cell_keys).label("cell_rows"),
            sa.func.count().over(partition_by=cell_keys).label("cell_subjects"),
        ).subquery("cells")
        out: list[Expr] = [step2.c[label[c]] for g in groups for c in g.mapping.columns]
        if query.bucket is not None and tm is not None:
            out.append(self._coarser(step2.c.ct, query.bucket.unit, cells.unit))
        rolled = [
            self._rollup(step2, i, x, m, subject, own_subject, label)
            for i, (x, m) in enumerate(zip(query.measures, fields, strict=True))
        ]
        stmt = sa.select(
            *(e.label(f"g{i}") for i, e in enumerate(out)),
            *(e.label(f"m{i}") for i, e in enumerate(rolled)),
        ).where(
            step2.c.cell_rows >= cells.min_rows,
            step2.c.cell_subjects >= (cells.min_subjects if own_subject else 1),
        )
        return stmt.group_by(*out) if out else stmt

    def _partials(self, i: int, x: Measure, m: Mapped | None) -> list[Expr]:
        if m is None or x.fn == "count_distinct":
            return []
        if x.fn == "mean":
            return [
                sa.func.sum(self.numeric(m)).label(f"p{i}"),
                sa.func.count(self.numeric(m)).label(f"q{i}"),
            ]
        return [self.measure(x, m).label(f"p{i}")]

    def _rollup(
        self,
        cells: Any,
        i: int,
        x: Measure,
        m: Mapped | None,
        subject: Mapped | None,
        own_subject: bool,
        label: dict[str, str],
    ) -> Expr:
        if m is None:
            return sa.func.sum(cells.c.n)
        if x.fn == "count_distinct":
            if own_subject and subject is not None and m.field.name == subject.field.name:
                return sa.func.count(sa.distinct(cells.c.sj))
            cols = [cells.c[label[c]] for c in m.mapping.columns]
            if len(cols) == 1:
                return sa.func.count(sa.distinct(cols[0]))
            joined: Expr = sa.cast(cols[0], sa.String)
            for c in cols[1:]:
                joined = joined + sa.literal("\x1f", sa.String) + sa.cast(c, sa.String)
            return sa.func.count(sa.distinct(joined))
        p = cells.c[f"p{i}"]
        if x.fn == "mean":
            return (
                sa.func.sum(p) * sa.literal(1.0) / sa.func.nullif(sa.func.sum(cells.c[f"q{i}"]), 0)
            )
        if x.fn in ("min", "max"):
            return sa.func.min(p) if x.fn == "min" else sa.func.max(p)
        return sa.func.sum(p)

    def _coarser(self, cell_time: Expr, unit: str, cell_unit: str) -> Expr:
        """The bucket of ``unit`` holding a cell that starts at ``cell_time``."""
        if unit == cell_unit:
            return cell_time
        if not self.postgres:
            fmt, *mods = _SQLITE_BUCKETS[unit]
            return sa.func.strftime(_quote(fmt), cell_time, *(_quote(x) for x in mods))
        return sa.func.date_trunc(_quote(unit), cell_time)


class _Key:
    __slots__ = ("cmp", "values")

    def __init__(
        self, values: tuple[Any, ...], cmp: Callable[[tuple[Any, ...], tuple[Any, ...]], int]
    ) -> None:
        self.values = values
        self.cmp = cmp

    def __lt__(self, other: _Key) -> bool:
        return self.cmp(self.values, other.values) < 0


def _bucket_value(raw: object, tz: str | None) -> datetime | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = datetime.fromisoformat(raw)
    elif isinstance(raw, date) and not isinstance(raw, datetime):
        raw = datetime(raw.year, raw.month, raw.day)
    if not isinstance(raw, datetime):
        raise ValueError(f"unexpected time bucket {raw!r}")
    return local_to_utc(raw, tz)


def _measure_value(raw: object, measure: Measure, m: Mapped | None) -> object:
    if measure.fn in ("count", "count_above", "count_distinct"):
        return int(parse_number(raw)) if raw is not None else 0
    if raw is None or m is None:
        return None
    if measure.fn in ("min", "max"):
        return to_canonical((raw,), m.mapping, m.field.type)
    number = float(parse_number(raw))
    if m.field.type == "Int" and measure.fn == "sum" and number.is_integer():
        return int(number)
    return number

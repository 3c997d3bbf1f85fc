"""Select and Aggregate translated into one SQL statement each (SQLAlchemy Core).

Conventions shared with :mod:`connector.sources._memory`: ``NULL`` sorts last in both
directions; the entity key completes the order; string order is code-point order
(``COLLATE "C"`` on PostgreSQL, SQLite's default ``BINARY``); equality filters are
translated back to source values (index-friendly), range filters and sorts on a
concatenated or value-mapped field work on a canonical text expression.
Time buckets are cut in the field's declared time zone (default UTC) and returned as
the UTC instant of the bucket start.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from connector.errors import QueryError
from connector.sources._sqlplan import (
    Lookup,
    lookup_filters,
    occupied_intervals,
    sqlite_text_window,
    values_clause,
)
from connector.sources._sqlschema import (
    ColumnInfo,
    NoMatch,
    Rounding,
    TableInfo,
    to_column,
    to_source,
)
from connector.sources._values import (
    Entity,
    Mapped,
    coerce,
    field_decoder,
)
from connector.sources.base import Condition, Row, Select, TimeWindow

Expr = ColumnElement[Any]
Decoder = Callable[[Sequence[Sequence[Any]]], list[Row]]

BATCH = "batch"
"""The parameter holding the keys of a statement made once for every batch of keys."""
TEXT_TYPES = frozenset({"ID", "String", "RnbId"})
"""Field types whose canonical value is a string (:func:`~connector.sources._values.coerce`
keeps a string as it is)."""
_FLIP = {"gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte"}
_ROUND: dict[str, Rounding] = {"gt": "floor", "lte": "floor", "gte": "ceil", "lt": "ceil"}
_SQLITE_BUCKETS = {
    "hour": ("%Y-%m-%d %H:00:00",),
    "day": ("%Y-%m-%d 00:00:00",),
    "week": ("%Y-%m-%d 00:00:00", "weekday 0", "-6 days"),
    "month": ("%Y-%m-01 00:00:00",),
    "year": ("%Y-01-01 00:00:00",),
}


def _quote(value: str) -> Expr:
    return sa.literal_column("'" + value.replace("'", "''") + "'")


def _number(value: float) -> Expr:
    if not math.isfinite(value):
        raise QueryError(f"expected a finite number, got {value!r}")
    return sa.literal_column(repr(float(value)))


def _compare(expr: Expr, op: str, value: object) -> Expr:
    if op == "gt":
        return expr > value
    if op == "gte":
        return expr >= value
    if op == "lt":
        return expr < value
    return expr <= value


class RowBuilder:
    """Expressions and row statements for one entity mapped onto one reflected table
    (aggregates: :class:`connector.sources._sqlaggregate.Builder`)."""

    def __init__(
        self, entity: Entity, info: TableInfo, dialect: str, lookups: Sequence[Lookup] = ()
    ) -> None:
        self.entity = entity
        self.info = info
        self.postgres = dialect == "postgresql"
        self.lookups = tuple(lookups)
        self.unindexed = False  # equality filters written +column (see :meth:`plan`)
        self.batch: str | None = None  # its IN list the parameter BATCH (see _sqlbatch)
        self.table: sa.FromClause = info.clause

    # expressions ------------------------------------------------------------------
    def col(self, name: str) -> Expr:
        return self.table.c[name]

    def filter_col(self, name: str) -> Expr:
        """A column in an equality filter: ``+column`` on SQLite while :meth:`plan` steers
        the planner to the partner's index (no automatic index on this column)."""
        if self.unindexed and not self.postgres:
            return UnaryExpression(self.col(name), operator=operators.custom_op("+"))
        return self.col(name)

    def colinfo(self, m: Mapped) -> ColumnInfo:
        return self.info.columns[m.mapping.column]

    @staticmethod
    def simple(m: Mapped) -> bool:
        return len(m.mapping.columns) == 1 and m.mapping.values is None

    def ordered_text(self, expr: Expr) -> Expr:
        return sa.collate(expr, "C") if self.postgres else expr

    def as_text(self, name: str) -> Expr:
        if self.info.columns[name].kind == "str":
            return self.col(name)
        return sa.cast(self.col(name), sa.String)

    def canonical_text(self, m: Mapped) -> Expr:
        fm = m.mapping
        if len(fm.columns) > 1:
            out = self.as_text(fm.columns[0])
            for c in fm.columns[1:]:
                out = out + sa.literal(fm.separator, sa.String) + self.as_text(c)
            return self.ordered_text(out)
        info = self.colinfo(m)
        whens: list[tuple[Expr, Expr]] = []
        for k, v in (fm.values or {}).items():
            try:
                whens.append((self.col(fm.column) == to_column(k, info), sa.literal(v, sa.String)))
            except NoMatch:
                continue
        if not whens:
            return self.ordered_text(self.as_text(fm.column))
        return self.ordered_text(sa.case(*whens, else_=self.as_text(fm.column)))

    def numeric(self, m: Mapped) -> Expr:
        expr = self.col(m.mapping.column)
        if m.mapping.converts:
            expr = expr * _number(m.mapping.scale) + _number(m.mapping.offset)
        return expr

    # filters ----------------------------------------------------------------------
    def fixed(self) -> list[Expr]:
        out: list[Expr] = []
        for name, values in self.entity.mapping.where.items():
            info = self.info.columns[name]
            wanted = []
            for v in values:
                try:
                    wanted.append(to_column(v, info))
                except NoMatch:
                    continue
            out.append(self.filter_col(name).in_(wanted) if wanted else sa.false())
        return out

    def where(self, conditions: Sequence[Condition]) -> list[Expr]:
        """The mapping's fixed filters, the conditions, and their key lookups."""
        return [
            *self.fixed(),
            *(self.condition(c) for c in conditions),
            *lookup_filters(self, self.lookups, conditions),
        ]

    def plan(self, conditions: Sequence[Condition]) -> tuple[sa.FromClause, list[Expr]]:
        """What an aggregate reads from and its filters: the table, or the table joined to
        the occupied intervals of a time window (:func:`occupied_intervals`). Called
        before the rest of the statement is built: on PostgreSQL the rest then reads the
        rows of a lateral subquery, which carry the table's columns under their names."""
        found = occupied_intervals(self, conditions)
        if found is None:
            return self.table, self.where(conditions)
        if not found.spans:
            return self.table, [*self.where(found.rest), sa.false()]
        col = self.col(found.column)
        iv = values_clause(found.spans, postgres=self.postgres)
        if self.postgres:
            # one index range per interval: OFFSET 0 keeps the planner from flattening
            # the lateral subquery into a join that tests every interval on every row
            inner = (
                sa.select(*(self.table.c[c] for c in self.info.columns))
                .where(col >= iv.c.column1, col < iv.c.column2, *self.where(found.rest))
                .offset(0)
                .lateral("iv_rows")
            )
            self.table = inner
            return iv.join(inner, sa.true()), []
        self.unindexed = True
        try:
            joined = iv.join(self.table, sa.and_(col >= iv.c.column1, col < iv.c.column2))
            return joined, self.where(found.rest)
        finally:
            self.unindexed = False

    def _matches(self, m: Mapped, value: object) -> list[Any]:
        """The source-side values (tuples for several columns) equal to a canonical one."""
        fm = m.mapping
        try:
            if len(fm.columns) > 1:
                parts = str(value).split(fm.separator, len(fm.columns) - 1)
                if len(parts) != len(fm.columns):
                    return []
                return [
                    tuple(
                        to_column(p, self.info.columns[c])
                        for c, p in zip(fm.columns, parts, strict=True)
                    )
                ]
            info = self.colinfo(m)
            if fm.values is not None:
                keys = [k for k, v in fm.values.items() if v == value]
                if str(value) not in fm.values:
                    keys.append(str(value))
                wanted = []
                for k in keys:
                    try:
                        wanted.append(to_column(k, info))
                    except NoMatch:
                        continue
                return wanted
            return [to_source(value, m, info)]
        except NoMatch:
            return []

    def _source_values(self, m: Mapped, values: Sequence[object]) -> list[Any]:
        """The distinct source values equal to some of ``values`` (None left out)."""
        text = self.simple(m) and m.field.type in TEXT_TYPES and self.colinfo(m).kind == "str"
        out: list[Any] = []
        for v in values:
            if v is None:
                continue
            if text and v.__class__ is str:  # its own source value, without a call per key
                out.append(v)
            else:
                out.extend(self._matches(m, v))
        return list(dict.fromkeys(out))

    def _equal_any(self, m: Mapped, values: Sequence[object]) -> Expr:
        """``field IN values`` as one IN list (a row-value IN for composite fields), so that
        a batch of thousands of keys stays one flat predicate."""
        fm = m.mapping
        if self.batch == m.field.name:  # the strings are bound when the statement runs
            return self.filter_col(fm.column).in_(
                sa.bindparam(BATCH, expanding=True, type_=sa.String())
            )
        out: list[Expr] = []
        if any(v is None for v in values):
            out.append(sa.and_(*(self.filter_col(c).is_(None) for c in fm.columns)))
        wanted = self._source_values(m, values)
        if wanted and len(fm.columns) > 1:
            out.append(sa.tuple_(*(self.filter_col(c) for c in fm.columns)).in_(wanted))
        elif wanted:
            out.append(self.filter_col(fm.column).in_(wanted))
        if not out:
            return sa.false()
        return out[0] if len(out) == 1 else sa.or_(*out)

    def within(self, m: Mapped, window: TimeWindow, where: str) -> Expr:
        """Recurring local times in SQL, on the column's own local clock."""
        if m.field.type != "DateTime" or len(m.mapping.columns) != 1:
            raise QueryError(f"{where}: expected a TimeWindow on a single-column DateTime")
        fast = sqlite_text_window(self, m, window)
        if fast is not None:
            return fast
        col: Expr = self.col(m.mapping.column)
        if self.postgres:
            if self.colinfo(m).aware:
                col = sa.func.timezone(_quote(m.mapping.timezone or "UTC"), col)
            day = sa.cast(sa.func.extract("isodow", col), sa.Integer)
            clock: Expr = sa.cast(col, sa.Time)
            on: Expr = sa.cast(col, sa.Date)
            hours = [sa.and_(clock >= a, clock < b) for a, b in window.hours]
            gone = [on.between(a, b) for a, b in window.excluded]
        else:
            day = sa.cast(sa.func.strftime(_quote("%w"), col), sa.Integer)
            clock = sa.func.strftime(_quote("%H:%M:%S"), col)
            on = sa.func.strftime(_quote("%Y-%m-%d"), col)
            hours = [
                sa.and_(clock >= a.isoformat(), clock < b.isoformat()) for a, b in window.hours
            ]
            gone = [on.between(a.isoformat(), b.isoformat()) for a, b in window.excluded]
        days = [d if self.postgres else d % 7 for d in window.weekdays]
        return sa.and_(
            day.in_(days), sa.or_(sa.false(), *hours), sa.not_(sa.or_(sa.false(), *gone))
        )

    def condition(self, cond: Condition) -> Expr:
        m = self.entity.field(cond.field)
        where = f"{self.entity.name}.{cond.field} {cond.op}"
        if cond.op == "within":
            if not isinstance(cond.value, TimeWindow):
                raise QueryError(f"{where}: expected a TimeWindow, got {cond.value!r}")
            return self.within(m, cond.value, where)
        if cond.op == "in":
            if not isinstance(cond.value, tuple | list | set | frozenset):
                raise QueryError(f"{where}: expected a list of values, got {cond.value!r}")
            values = list(cond.value)
            if not (m.field.type in TEXT_TYPES and all(v.__class__ is str for v in values)):
                values = [coerce(v, m.field, where) for v in values]  # (a string is itself)
            return self._equal_any(m, values)
        value = coerce(cond.value, m.field, where)
        if cond.op == "eq":
            return self._equal_any(m, [value])
        if value is None:
            raise QueryError(f"{where}: a range filter needs a value")
        if not self.simple(m):
            return _compare(self.canonical_text(m), cond.op, value)
        info = self.colinfo(m)
        op = _FLIP[cond.op] if m.mapping.scale < 0 else cond.op
        try:
            bound = to_source(value, m, info, _ROUND[op])
        except NoMatch:
            return sa.false()
        expr = (
            self.ordered_text(self.col(m.mapping.column))
            if info.kind == "str"
            else self.col(m.mapping.column)
        )
        return _compare(expr, op, bound)

    # order and keyset ---------------------------------------------------------------
    def sort_terms(self, query: Select) -> list[tuple[Expr, bool, Mapped]]:
        names = self.entity.sort_fields(tuple(k.field for k in query.order))
        terms = []
        for name in names:
            m = self.entity.field(name, "sort field")
            if name != self.entity.key and not m.field.sortable:
                raise QueryError(f"{self.entity.name}.{name} is not sortable")
            desc = next((k.descending for k in query.order if k.field == name), False)
            if self.simple(m):
                info = self.colinfo(m)
                expr = self.col(m.mapping.column)
                expr = self.ordered_text(expr) if info.kind == "str" else expr
                terms.append((expr, desc != (m.mapping.scale < 0), m))
            else:
                terms.append((self.canonical_text(m), desc, m))
        return terms

    def keyset(self, terms: list[tuple[Expr, bool, Mapped]], after: tuple[object, ...]) -> Expr:
        if len(after) != len(terms):
            names = ", ".join(m.field.name for _, _, m in terms)
            raise QueryError(f"cursor: expected {len(terms)} values ({names}), got {len(after)}")
        values: list[object] = []
        for (_, _, m), raw in zip(terms, after, strict=True):
            where = f"cursor {self.entity.name}.{m.field.name}"
            v = coerce(raw, m.field, where)
            if v is not None and self.simple(m):
                try:
                    v = to_source(v, m, self.colinfo(m))
                except NoMatch:
                    raise QueryError(f"{where}: {raw!r} is not a value of this field") from None
            values.append(v)
        disjuncts: list[Expr] = []
        equal: list[Expr] = []
        for (expr, desc, _), v in zip(terms, values, strict=True):
            if v is not None:
                beyond = expr < v if desc else expr > v
                disjuncts.append(sa.and_(*equal, sa.or_(beyond, expr.is_(None))))
                equal.append(expr == v)
            else:
                equal.append(expr.is_(None))
        return sa.or_(sa.false(), *disjuncts)

    # statements ---------------------------------------------------------------------
    def select(self, query: Select) -> tuple[sa.Select[Any], Decoder]:
        if query.limit is not None and query.limit < 0:
            raise QueryError(f"limit must be positive, got {query.limit}")
        terms = self.sort_terms(query)
        order_names = [m.field.name for _, _, m in terms]
        out_names = list(dict.fromkeys([*query.fields, *order_names]))
        mapped = [self.entity.field(n) for n in out_names]
        columns = list(dict.fromkeys(c for m in mapped for c in m.mapping.columns))
        label = {c: f"c{i}" for i, c in enumerate(columns)}
        where = self.where(query.where)
        if query.after is not None:
            where.append(self.keyset(terms, query.after))
        part = self.entity.field(query.partition, "partition field") if query.partition else None
        cols = [self.col(c).label(label[c]) for c in columns]
        if part is None or query.limit is None:
            order = [(e.desc() if d else e.asc()).nulls_last() for e, d, _ in terms]
            stmt = sa.select(*cols).where(*where).order_by(*order)
            if query.limit is not None:
                stmt = stmt.limit(query.limit)
        else:
            order = [(e.desc() if d else e.asc()).nulls_last() for e, d, _ in terms]
            by = (
                [self.canonical_text(part)]
                if part.mapping.values
                else [self.col(c) for c in part.mapping.columns]
            )
            rank = sa.func.row_number().over(partition_by=by, order_by=order).label("rn")
            sorts = [e.label(f"s{i}") for i, (e, _, _) in enumerate(terms)]
            sub = sa.select(*cols, *sorts, rank).where(*where).subquery("ranked")
            outer_order = [
                (sub.c[f"s{i}"].desc() if d else sub.c[f"s{i}"].asc()).nulls_last()
                for i, (_, d, _) in enumerate(terms)
            ]
            stmt = (
                sa.select(*(sub.c[label[c]] for c in columns))
                .where(sub.c.rn <= query.limit)
                .order_by(*outer_order)
            )
        index = {c: i for i, c in enumerate(columns)}
        fields = [
            (
                m.field.name,
                field_decoder(m.mapping, m.field.type, tuple(index[c] for c in m.mapping.columns)),
            )
            for m in mapped
        ]

        def decode(rows: Sequence[Sequence[Any]]) -> list[Row]:
            return [{name: dec(r) for name, dec in fields} for r in rows]

        return stmt, decode

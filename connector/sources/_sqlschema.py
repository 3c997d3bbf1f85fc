"""What the SQL adapter learns from the partner's schema, and values bound to it.

Tables are reflected once, on first use. Each column gets a *kind* from its reflected
type, so that canonical filter values are bound with the Python type the driver and the
column expect (asyncpg is strict). SQLite stores datetimes as text: the text layout is
sampled from one row so that bound values compare as the stored ones do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal

import sqlalchemy as sa

from connector.sources._values import Mapped, parse_number, text, zone

Rounding = Literal["floor", "ceil"] | None
Kind = Literal["int", "float", "decimal", "str", "datetime", "date", "bool", "other"]


class NoMatch(Exception):
    """A canonical value that no source value can equal (e.g. 'abc' for an integer column)."""


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    kind: Kind
    aware: bool = False
    text_layout: tuple[str, int] | None = None  # SQLite datetimes: (separator, fraction digits)


@dataclass(frozen=True)
class TableInfo:
    schema: str | None
    name: str
    columns: dict[str, ColumnInfo]

    @cached_property
    def clause(self) -> sa.TableClause:
        """The table as statements name it, made once (the builders share it)."""
        return sa.table(self.name, *(sa.column(c) for c in self.columns), schema=self.schema)


def split_name(table: str) -> tuple[str | None, str]:
    schema, dot, name = table.rpartition(".")
    return (schema or None, name) if dot else (None, table)


def kind_of(type_: sa.types.TypeEngine[Any]) -> Kind:
    if isinstance(type_, sa.Boolean):
        return "bool"
    if isinstance(type_, sa.Integer):
        return "int"
    if isinstance(type_, sa.Float):
        return "float"
    if isinstance(type_, sa.Numeric):
        return "decimal"
    if isinstance(type_, sa.DateTime):
        return "datetime"
    if isinstance(type_, sa.Date):
        return "date"
    if isinstance(type_, sa.String):
        return "str"
    return "other"


def layout_of(sample: object) -> tuple[str, int] | None:
    """``(separator, fraction digits)`` of a SQLite text datetime such as
    ``2024-01-15 08:00:00.000000``; ``("", 0)`` for a date alone."""
    if not isinstance(sample, str) or len(sample) < 10:
        return None
    if len(sample) == 10:
        return ("", 0)
    sep = sample[10]
    frac = 0
    if len(sample) > 19 and sample[19] == ".":
        frac = len(sample[20:].split("+")[0].split("-")[0].rstrip("Z"))
    return (sep, frac)


def reflect(conn: sa.Connection, table: str, datetime_columns: set[str]) -> TableInfo:
    """Columns of ``table``; raises :class:`sqlalchemy.exc.NoSuchTableError`."""
    schema, name = split_name(table)
    insp = sa.inspect(conn)
    cols: dict[str, ColumnInfo] = {}
    for c in insp.get_columns(name, schema=schema):
        kind = kind_of(c["type"])
        aware = bool(getattr(c["type"], "timezone", False))
        cols[c["name"]] = ColumnInfo(c["name"], kind, aware)
    if conn.dialect.name == "sqlite":
        for col in datetime_columns & cols.keys():
            t = sa.table(name, sa.column(col), schema=schema)
            sample = conn.execute(
                sa.select(t.c[col]).where(t.c[col].is_not(None)).limit(1)
            ).scalar()
            if isinstance(sample, str):
                cols[col] = ColumnInfo(col, "datetime", False, layout_of(sample) or (" ", 0))
            elif cols[col].kind == "datetime":
                cols[col] = ColumnInfo(col, "datetime", False, (" ", 0))
    return TableInfo(schema, name, cols)


def _integral(x: float, rounding: Rounding) -> int:
    r = round(x)
    if math.isclose(x, r, rel_tol=1e-9, abs_tol=1e-9):
        return int(r)
    if rounding is None:
        raise NoMatch
    return math.floor(x) if rounding == "floor" else math.ceil(x)


def bind_datetime(value: datetime, m: Mapped, col: ColumnInfo) -> object:
    if col.aware:
        return value.astimezone(UTC)
    local = value.astimezone(zone(m.mapping.timezone)).replace(tzinfo=None)
    if col.kind == "date":
        return local.date()
    if col.text_layout is not None:
        sep, frac = col.text_layout
        if not sep:
            return local.strftime("%Y-%m-%d")
        out = local.strftime(f"%Y-%m-%d{sep}%H:%M:%S")
        return f"{out}.{local.microsecond:06d}"[: len(out) + 1 + frac] if frac else out
    return local


def to_column(value: object, col: ColumnInfo, rounding: Rounding = None) -> object:
    """A source-side value with the Python type of ``col``; :class:`NoMatch` if impossible."""
    if value is None:
        return None
    try:
        if col.kind == "int":
            number = parse_number(value) if not isinstance(value, bool) else int(value)
            return _integral(float(number), rounding)
        if col.kind == "float":
            return float(parse_number(value))
        if col.kind == "decimal":
            return Decimal(str(parse_number(value)))
        if col.kind == "str":
            return text(value)
        if col.kind == "bool":
            return value if isinstance(value, bool) else text(value).lower() in ("1", "true")
    except (ValueError, ArithmeticError):
        raise NoMatch from None
    return value


def to_source(value: object, m: Mapped, col: ColumnInfo, rounding: Rounding = None) -> object:
    """The source value of a canonical value of a single-column, unmapped field.

    Range bounds pass ``rounding`` so that a fractional bound on an integer column becomes
    the equivalent integer bound (``> 2.5`` is ``> 2``, ``>= 2.5`` is ``>= 3``)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if col.kind in ("datetime", "date"):
            return bind_datetime(value, m, col)
        return to_column(value.isoformat(), col)
    fm = m.mapping
    if fm.converts and isinstance(value, int | float) and not isinstance(value, bool):
        value = (value - fm.offset) / fm.scale
    return to_column(value, col, rounding)

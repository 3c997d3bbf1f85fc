"""Values between a partner's representation and the canonical one.

Every adapter reads raw source values (a database value, a CSV cell, a JSON value) and
turns them into canonical values with :func:`to_canonical`, driven by the field's
:class:`~connector.config.FieldMapping` and its type in :mod:`connector.model`:

* ``columns`` (several) are joined with ``separator`` into a string;
* ``values`` maps a source value (compared as text) to a canonical string; source values
  absent from the map pass through, converted to the field type;
* numbers get ``canonical = source * scale + offset``;
* naive datetimes are read in ``timezone`` (default UTC); every datetime is returned
  timezone-aware in UTC.

:func:`coerce` brings a caller's filter value to the field's canonical type, raising
:class:`~connector.errors.QueryError` when it cannot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from connector.config import EntityMapping, FieldMapping
from connector.errors import QueryError
from connector.model import ENTITIES, EntityType, Field, ScalarType
from connector.sources.base import Aggregate

TRUE_WORDS = frozenset({"true", "1", "yes", "oui", "vrai", "t", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "non", "faux", "f", "n"})


@dataclass(frozen=True)
class TextFormat:
    """How numbers and datetimes are written in a text source (CSV, JSON strings)."""

    decimal_comma: bool = False
    datetime_format: str | None = None


PLAIN = TextFormat()


@lru_cache(maxsize=64)
def zone(name: str | None) -> tzinfo:
    return UTC if name is None else ZoneInfo(name)


def text(raw: object) -> str:
    """A source value as text, the way value maps and concatenations see it."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, Decimal):
        return format(raw.normalize(), "f")
    if isinstance(raw, datetime):
        return raw.isoformat(sep=" ")
    return str(raw)


def parse_number(raw: object, fmt: TextFormat = PLAIN) -> float | int:
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int | float):
        return raw
    if isinstance(raw, Decimal):
        return float(raw)
    if isinstance(raw, str):
        s = "".join(raw.split())  # thousands separated by (narrow, no-break) spaces
        if fmt.decimal_comma and "," in s:
            s = s.replace(".", "").replace(",", ".")
        try:
            return int(s)
        except ValueError:
            pass
        try:
            return float(s)
        except ValueError:
            raise ValueError(f"expected a number, got {raw!r}") from None
    raise ValueError(f"expected a number, got {raw!r}")


def parse_datetime(raw: object, tz: str | None, fmt: TextFormat = PLAIN) -> datetime:
    """A source datetime as an aware UTC datetime; naive values are read in ``tz``."""
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        value = datetime.combine(raw, time())
    elif isinstance(raw, str):
        s = raw.strip()
        if fmt.datetime_format:
            value = datetime.strptime(s, fmt.datetime_format)
        else:
            value = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)
    else:
        raise ValueError(f"expected a date and time, got {raw!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(tz))
    return value.astimezone(UTC)


def _typed(raw: object, fm: FieldMapping, ftype: ScalarType, fmt: TextFormat) -> object:
    if ftype == "DateTime":
        return parse_datetime(raw, fm.timezone, fmt)
    if ftype in ("Float", "Int"):
        number = parse_number(raw, fmt)
        if fm.converts:
            number = number * fm.scale + fm.offset
        if ftype == "Float":
            return float(number)
        return int(number) if float(number).is_integer() else float(number)
    if ftype == "Boolean":
        if isinstance(raw, bool):
            return raw
        word = text(raw).strip().lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
        raise ValueError(f"expected a boolean, got {raw!r}")
    return text(raw)


def to_canonical(
    raws: tuple[object, ...], fm: FieldMapping, ftype: ScalarType, fmt: TextFormat = PLAIN
) -> object:
    """Canonical value of a field from the raw values of its source columns.

    Raises :class:`ValueError` when a source value does not fit the field type."""
    if any(r is None or r == "" for r in raws):
        return None
    if len(raws) > 1:
        return fm.separator.join(text(r) for r in raws)
    raw = raws[0]
    if fm.values is not None:
        mapped = fm.values.get(text(raw))
        if mapped is not None:
            return mapped
    return _typed(raw, fm, ftype, fmt)


def field_decoder(
    fm: FieldMapping, ftype: ScalarType, positions: tuple[int, ...]
) -> Callable[[Sequence[object]], object]:
    """:func:`to_canonical` of a field from a row of raw values, its columns at
    ``positions``; chosen once per statement, with the common cases (a string, an integer,
    a float already of the field's type) answered without the general conversion."""
    if len(positions) != 1:
        separator = fm.separator

        def joined(r: Sequence[object]) -> object:
            parts = [r[i] for i in positions]
            for v in parts:
                if v is None or v == "":
                    return None
            return separator.join([v if v.__class__ is str else text(v) for v in parts])

        return joined
    (i,) = positions

    def general(r: Sequence[object]) -> object:
        v = r[i]
        return None if v is None or v == "" else _typed(v, fm, ftype, PLAIN)

    values = fm.values
    if values is not None:

        def mapped(r: Sequence[object]) -> object:
            v = r[i]
            if v is None or v == "":
                return None
            found = values.get(v if v.__class__ is str else text(v))
            return found if found is not None else _typed(v, fm, ftype, PLAIN)

        return mapped

    if ftype in ("Int", "Float") and not fm.converts:
        same = int if ftype == "Int" else float

        def number(r: Sequence[object]) -> object:
            v = r[i]
            return v if v.__class__ is same else general(r)

        return number
    if ftype == "DateTime":
        tz = fm.timezone
        local = zone(tz)

        def moment(r: Sequence[object]) -> object:
            v = r[i]
            if v.__class__ is str and v:
                try:  # ISO text as stored, without spaces around it: parse_datetime's steps
                    value = datetime.fromisoformat(v)
                except ValueError:
                    return parse_datetime(v, tz)
                if value.tzinfo is None:
                    value = value.replace(tzinfo=local)
                return value.astimezone(UTC)
            return None if v is None or v == "" else parse_datetime(v, tz)

        return moment
    if ftype not in ("Int", "Float", "Boolean"):

        def string(r: Sequence[object]) -> object:
            v = r[i]
            if v.__class__ is str:
                return v or None
            return None if v is None else text(v)

        return string
    return general


def coerce(value: object, fld: Field, where: str) -> object:
    """A filter or cursor value brought to the canonical type of ``fld``."""
    if value is None:
        return None
    try:
        if fld.type == "DateTime":
            return parse_datetime(value, None)
        if fld.type == "Float":
            if isinstance(value, bool):
                raise ValueError
            return float(parse_number(value))
        if fld.type == "Int":
            if isinstance(value, bool):
                raise ValueError
            number = parse_number(value)
            return int(number) if float(number).is_integer() else float(number)
        if fld.type == "Boolean":
            if isinstance(value, bool):
                return value
            raise ValueError
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
        raise ValueError
    except (ValueError, TypeError):
        expected = {
            "DateTime": "an ISO 8601 date and time",
            "Float": "a number",
            "Int": "a number",
            "Boolean": "true or false",
        }.get(fld.type, "a string")
        raise QueryError(f"{where}: expected {expected}, got {value!r}") from None


@dataclass(frozen=True)
class Mapped:
    """One entity field with its type and its mapping."""

    field: Field
    mapping: FieldMapping


class Entity:
    """An entity type as mapped onto one source: field lookups with clear errors."""

    def __init__(self, mapping: EntityMapping) -> None:
        self.mapping = mapping
        self.type: EntityType = ENTITIES[mapping.entity]
        self.key = self.type.key
        self._mapped = {
            f.name: Mapped(f, mapping.fields[f.name])
            for f in self.type.fields
            if f.name in mapping.fields
        }

    @property
    def name(self) -> str:
        return self.type.name

    def field(self, name: str, role: str = "field") -> Mapped:
        found = self._mapped.get(name)
        if found is not None:  # (made once: a statement asks for its fields many times)
            return found
        if name not in self.type.field_names:
            raise QueryError(
                f"{self.name} has no {role} {name!r}; fields: {', '.join(self.type.field_names)}"
            )
        fm = self.mapping.fields.get(name)
        if fm is None:
            raise QueryError(
                f"{self.name}.{name} is not available from this source "
                f"(not mapped); mapped: {', '.join(self.mapping.fields)}"
            )
        return Mapped(self.type.field(name), fm)

    def sort_fields(self, order: tuple[str, ...]) -> tuple[str, ...]:
        """The sort fields with the key appended (once): a total order."""
        return order if self.key in order else (*order, self.key)


def entity_of(mappings: dict[str, Entity], name: str) -> Entity:
    found = mappings.get(name)
    if found is None:
        raise QueryError(
            f"entity {name!r} is not served by this source; served: {', '.join(mappings) or 'none'}"
        )
    return found


def source_columns(mapping: EntityMapping) -> list[tuple[str, str]]:
    """``(column, what)`` for every source column a mapping reads, for schema checks."""
    out: list[tuple[str, str]] = []
    for fname, fm in mapping.fields.items():
        out.extend((c, f"field {fname}") for c in fm.columns)
    out.extend((c, "where") for c in mapping.where)
    return out


def bucket_start(value: datetime, unit: str, tz: str | None) -> datetime:
    """Start (UTC) of the ``unit`` bucket holding ``value``, buckets cut in local time ``tz``."""
    local = value.astimezone(zone(tz)).replace(tzinfo=None)
    if unit == "hour":
        start = local.replace(minute=0, second=0, microsecond=0)
    elif unit == "day":
        start = datetime.combine(local.date(), time())
    elif unit == "week":
        start = datetime.combine(local.date(), time())
        start = start.fromordinal(start.toordinal() - start.weekday())
    elif unit == "month":
        start = datetime(local.year, local.month, 1)
    else:
        start = datetime(local.year, 1, 1)
    return local_to_utc(start, tz)


def local_to_utc(local: datetime, tz: str | None) -> datetime:
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local.replace(tzinfo=zone(tz)).astimezone(UTC)


NUMERIC: tuple[ScalarType, ...] = ("Int", "Float")


def measure_field(
    entity: Entity, fn: str, name: str | None, threshold: float | None, label: str
) -> Mapped | None:
    """The field a measure reads, checked: numbers for mean/sum/count_above."""
    if fn == "count":
        return None
    if name is None:
        raise QueryError(f"measure {label!r}: {fn} needs a field")
    m = entity.field(name)
    if fn in ("mean", "sum", "count_above") and (
        m.field.type not in NUMERIC or m.mapping.values is not None or len(m.mapping.columns) > 1
    ):
        raise QueryError(
            f"measure {label!r}: {fn} needs a numeric field, {entity.name}.{name} is {m.field.type}"
        )
    if fn == "count_above" and threshold is None:
        raise QueryError(f"measure {label!r}: count_above needs a threshold")
    return m


def check_cells(entity: Entity, query: Aggregate) -> None:
    """The checks an aggregate built from cells must pass, whatever the backend."""
    cells = query.cells
    if cells is None:
        return
    for name in (*cells.fields, *([cells.subject] if cells.subject else [])):
        entity.field(name, "cell field")
    outside = [g for g in query.group_by if g not in cells.fields]
    if outside:
        raise QueryError(
            f"cells: group field {outside[0]!r} is not a cell field ({', '.join(cells.fields)})"
        )
    if cells.time_field is not None:
        bucket_field(entity, cells.time_field)
    if query.bucket is not None and (
        query.bucket.field != cells.time_field
        or _UNITS.index(query.bucket.unit) < _UNITS.index(cells.unit)
        or (query.bucket.unit == "week" and cells.unit in ("month", "year"))
    ):
        raise QueryError(
            f"cells: a bucket of a {query.bucket.unit} on {query.bucket.field} cuts cells of "
            f"a {cells.unit} on {cells.time_field}"
        )
    for m in query.measures:
        if m.fn == "count_distinct" and m.field not in (*cells.fields, cells.subject):
            raise QueryError(
                f"cells: count_distinct of {m.field!r}, which is neither a cell field nor the "
                "subject"
            )


_UNITS = ("hour", "day", "week", "month", "year")


def bucket_field(entity: Entity, name: str) -> Mapped:
    m = entity.field(name)
    if m.field.type != "DateTime" or len(m.mapping.columns) > 1 or m.mapping.values:
        raise QueryError(f"time bucket: {entity.name}.{name} is not a date and time")
    return m

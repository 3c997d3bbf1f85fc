"""Input types: filters, orderings, buckets; and their translation into the query model."""

from __future__ import annotations

import enum
from typing import Any

import strawberry

from connector.errors import QueryError
from connector.graphql._scalars import PY_TYPES
from connector.model import RANGE_OPS, EntityType, Field, FilterOp
from connector.sources.base import Condition, SortKey


@strawberry.enum(description="Sort direction.")
class SortDirection(enum.Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.enum(description="Width of a time bucket for statistics.")
class BucketUnit(enum.Enum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


def list_of(item: Any) -> Any:
    """``list[item]`` for a type chosen at run time."""
    return list[item]


_OP_DOCS: dict[FilterOp, str] = {
    "eq": "equal to",
    "in": "one of",
    "gt": "greater than",
    "gte": "greater than or equal to",
    "lt": "less than",
    "lte": "less than or equal to",
}


class InputFactory:
    """Builds (once per name) the input types of one schema."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def field_filter(self, f: Field) -> Any:
        ranged = all(op in f.filters for op in RANGE_OPS)
        name = f"{f.type}{'Range' if ranged else ''}Filter"
        if name in self._cache:
            return self._cache[name]
        py = PY_TYPES[f.type]
        ns: dict[str, Any] = {"__annotations__": {}}
        for op in f.filters:
            attr = "in_" if op == "in" else op
            ns["__annotations__"][attr] = list_of(py) | None if op == "in" else py | None
            ns[attr] = strawberry.field(
                default=None, name=op, description=f"Values {_OP_DOCS[op]} this."
            )
        cls = strawberry.input(type(name, (), ns), description=f"Conditions on a {f.type}.")
        self._cache[name] = cls
        return cls

    def entity_filter(self, entity: EntityType, fields: tuple[str, ...]) -> Any:
        ns: dict[str, Any] = {"__annotations__": {}}
        for fname in fields:
            f = entity.field(fname)
            ns["__annotations__"][fname] = self.field_filter(f) | None
            ns[fname] = strawberry.field(default=None, description=f.description)
        return strawberry.input(
            type(f"{entity.name}Filter", (), ns),
            description=f"Conditions on {entity.name} fields, all of which must hold.",
        )

    def enum(self, name: str, values: tuple[str, ...], description: str) -> Any:
        if name not in self._cache:
            members = {_enum_member(v): v for v in values}
            made: Any = enum.Enum(name, members)  # type: ignore[misc]
            self._cache[name] = strawberry.enum(
                made,
                description=description,
            )
        return self._cache[name]

    def order(self, entity: EntityType, sortable: tuple[str, ...]) -> Any:
        field_enum = self.enum(
            f"{entity.name}SortField", sortable, f"Fields {entity.name} lists can be sorted by."
        )
        ns: dict[str, Any] = {
            "__annotations__": {"field": field_enum, "direction": SortDirection},
            "direction": strawberry.field(default=SortDirection.ASC),
        }
        return strawberry.input(
            type(f"{entity.name}Order", (), ns),
            description=f"One sort key of a {entity.name} list.",
        )

    def bucket(self, entity: EntityType, time_fields: tuple[str, ...]) -> Any:
        field_enum = self.enum(
            f"{entity.name}TimeField", time_fields, f"Time fields of {entity.name}."
        )
        ns: dict[str, Any] = {"__annotations__": {"field": field_enum, "unit": BucketUnit}}
        return strawberry.input(
            type(f"{entity.name}Bucket", (), ns),
            description="Group rows by the start of a time bucket.",
        )


def _enum_member(value: str) -> str:
    out: list[str] = []
    for ch in value:
        if ch.isupper() and out:
            out.append("_")
        out.append(ch.upper())
    return "".join(out)


def conditions(filter_value: Any, entity: EntityType) -> tuple[Condition, ...]:
    """Translate a filter input object into query-model conditions."""
    if filter_value is None:
        return ()
    out: list[Condition] = []
    for f in entity.fields:
        field_filter = getattr(filter_value, f.name, None)
        if field_filter is None:
            continue
        for op in f.filters:
            value = getattr(field_filter, "in_" if op == "in" else op, None)
            if value is None:
                continue
            out.append(Condition(f.name, op, tuple(value) if op == "in" else value))
    return tuple(out)


def sort_keys(order_value: Any, entity: EntityType) -> tuple[SortKey, ...]:
    if not order_value:
        return tuple(SortKey(f) for f in entity.default_order)
    keys = [SortKey(o.field.value, o.direction is SortDirection.DESC) for o in order_value]
    names = [k.field for k in keys]
    if len(set(names)) != len(names):
        raise QueryError(f"orderBy: a field appears twice in {names}")
    return tuple(keys)


def page_size(first: int | None, *, default: int, maximum: int) -> int:
    if first is None:
        return default
    if first < 1 or first > maximum:
        raise QueryError(f"first: expected a page size between 1 and {maximum}, got {first}")
    return first

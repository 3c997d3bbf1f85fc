"""The query parameters of ``GET /ngsi-ld/v1/entities`` (ETSI GS CIM 009 §6.4.3.2),
read into our :class:`~connector.sources.base.Condition` terms.

Supported: ``type`` (one type), ``id`` (comma-separated), ``q`` in a simple subset
(``attr==value``, ``attr>value``, ``>=``, ``<``, ``<=``, terms joined by ``;`` for AND;
strings in double quotes), ``attrs`` (comma-separated), ``options=keyValues`` (or
``format=simplified``), ``options=count`` or ``count=true``, ``limit`` and ``offset``.
Anything else is refused as bad request data naming what was not understood.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from connector.errors import QueryError
from connector.model import ENTITIES, FilterOp
from connector.ngsi._models import NgsiType
from connector.node import Node
from connector.sources.base import Aggregate, Condition, Measure, Row, Select

KNOWN = {"type", "id", "q", "attrs", "options", "format", "count", "limit", "offset"}
OPS: Mapping[str, FilterOp] = {"==": "eq", ">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}
_TERM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(==|>=|<=|>|<)(.+)$")


@dataclass(frozen=True)
class Params:
    type: str | None
    ids: tuple[str, ...]
    q: str | None
    attrs: frozenset[str] | None
    key_values: bool
    count: bool
    limit: int
    offset: int


def _int(raw: str, name: str, *, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"{name}={raw!r} is not an integer") from None
    if not low <= value <= high:
        raise QueryError(f"{name}={value} is out of range: {low} to {high} on this node")
    return value


def parse(query: Mapping[str, str], *, default_limit: int, max_limit: int) -> Params:
    unknown = sorted(set(query) - KNOWN)
    if unknown:
        raise QueryError(
            f"query parameter(s) {', '.join(unknown)} not supported here; "
            f"supported: {', '.join(sorted(KNOWN))}"
        )
    options = {o for o in query.get("options", "").split(",") if o}
    if options - {"keyValues", "count", "normalized"}:
        bad = ", ".join(sorted(options - {"keyValues", "count", "normalized"}))
        raise QueryError(f"options {bad} not supported: keyValues, normalized, count")
    fmt = query.get("format")
    if fmt not in (None, "simplified", "normalized"):
        raise QueryError(f"format={fmt!r} not supported: simplified or normalized")
    count = query.get("count")
    if count not in (None, "true", "false"):
        raise QueryError(f"count={count!r}: true or false")
    ids = tuple(i for i in query.get("id", "").split(",") if i)
    if query.get("type") is None and not ids:
        raise QueryError("give the entity type (type=Building) or the entity ids (id=...)")
    attrs = query.get("attrs")
    return Params(
        type=query.get("type"),
        ids=ids,
        q=query.get("q"),
        attrs=None if attrs is None else frozenset(a for a in attrs.split(",") if a),
        key_values="keyValues" in options or fmt == "simplified",
        count="count" in options or count == "true",
        limit=_int(query.get("limit", str(default_limit)), "limit", low=0, high=max_limit),
        offset=_int(query.get("offset", "0"), "offset", low=0, high=10**6),
    )


def _value(raw: str, ngsi: NgsiType, field: str, where: str) -> object:
    kind = ENTITIES[ngsi.entity].field(field).type
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise QueryError(f"q: unterminated string in {where!r}")
        if kind in ("Int", "Float"):
            raise QueryError(f"q: {where!r} compares a number with a string")
        return raw[1:-1]
    if kind == "Int":
        try:
            return int(raw)
        except ValueError:
            raise QueryError(f"q: {raw!r} in {where!r} is not an integer") from None
    if kind == "Float":
        try:
            return float(raw)
        except ValueError:
            raise QueryError(f"q: {raw!r} in {where!r} is not a number") from None
    return raw


def conditions(params: Params, ngsi: NgsiType) -> tuple[Condition, ...]:
    """``id`` and ``q`` as conditions on our fields."""
    out: list[Condition] = []
    if params.ids:
        keys = tuple(dict.fromkeys(ngsi.key_from_id(i) for i in params.ids))
        out.append(Condition(ngsi.key, "in", keys))
    for term in (params.q or "").split(";") if params.q else ():
        found = _TERM.match(term.strip())
        if found is None:
            raise QueryError(
                f"q: {term!r} is not understood; this node reads attr==value, attr>value, "
                "attr>=value, attr<value, attr<=value, joined by ';' (AND)"
            )
        name, op, raw = found.groups()
        attr = ngsi.attr(name)
        if attr.from_ngsi is None:
            raise QueryError(f"q: {ngsi.name} cannot be filtered on {name!r} here")
        spec = ENTITIES[ngsi.entity].field(attr.field)
        if OPS[op] not in spec.filters:
            allowed = ", ".join(o for o, f in OPS.items() if f in spec.filters)
            raise QueryError(f"q: {name} cannot be compared with {op}; only {allowed}")
        value = attr.from_ngsi(_value(raw.strip(), ngsi, attr.field, term))
        out.append(Condition(attr.field, OPS[op], value))
    return tuple(out)


def fields_read(params: Params, ngsi: NgsiType, where: tuple[Condition, ...]) -> tuple[str, ...]:
    """Our fields the answer reads: the key, the attributes asked for (all by default),
    those the model always builds, and those ``q`` filters on."""
    names = [ngsi.key, *ngsi.always_fields]
    for a in ngsi.attrs:
        if params.attrs is None or a.name in params.attrs:
            names.append(a.field)
    if params.attrs is not None:
        for name in params.attrs:
            ngsi.attr(name)  # an unknown attribute is bad request data
    names += [c.field for c in where]
    return tuple(dict.fromkeys(names))


async def page(
    node: Node,
    entity: str,
    key: str,
    where: tuple[Condition, ...],
    fields: tuple[str, ...],
    params: Params,
) -> list[Row]:
    """The ``limit`` rows of ``entity`` after ``offset`` in ``key`` order: the offset is
    skipped by reading only the keys, then the page is read after the last one."""
    if params.limit == 0:
        return []
    after: tuple[object, ...] | None = None
    if params.offset:
        skipped = await node.select(Select(entity, (key,), where=where, limit=params.offset))
        if len(skipped) < params.offset:
            return []
        after = (skipped[-1][key],)
    return await node.select(Select(entity, fields, where=where, after=after, limit=params.limit))


async def count(node: Node, entity: str, where: tuple[Condition, ...]) -> int:
    """How many rows of ``entity`` match ``where`` (``options=count``)."""
    found = await node.aggregate(Aggregate(entity, (Measure("n", "count"),), where=where))
    return int(str(found[0]["n"])) if found else 0

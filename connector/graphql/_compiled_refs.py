"""References on the compiled data path: ``Space.building``, ``Sensor.space``... selected
with mapped columns only. The general path resolves each through the entity loader (one
statement per target type for the whole answer, after the objects holding the keys); so
does this, with the same keys in the same order, the same rows told to the decision
after the objects' own, and a key-only stub for a type another node owns. A reference to
a type the caller may not read, to the type of its own object, or with a reference of
its own falls back before any statement runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetails

from connector.graphql._compiled_shape import (
    Fallback,
    Leaf,
    Pending,
    Presenter,
    References,
    leaves,
    shaped,
    subfields,
)
from connector.model import ENTITIES
from connector.node import Node
from connector.sources.base import Condition, Select
from connector.usage.decision import PolicyDenied


def _field_name(name: str) -> str:
    """:func:`connector.graphql._build.reference_field_name`'s rule."""
    if name == "rnbId":
        return "building"
    return name[:-2] if name.endswith("Id") else f"{name}Ref"


def references(node: Node, runtime: GraphQLObjectType) -> References:
    """The reference fields of ``runtime`` (a type the node maps)."""
    out = {}
    mapped = node.mapped_fields(runtime.name)
    for f in ENTITIES[runtime.name].fields:
        if f.ref is None or f.name not in mapped:
            continue
        name = _field_name(f.name)
        field = runtime.fields.get(name)
        if field is not None and getattr(field.type, "name", None) == f.ref:
            out[name] = (f.name, f.ref, f.ref in node.config.entities)
    return out


def nested(
    node: Node, schema: GraphQLSchema, executor: Executor[Any], parent: str
) -> Callable[[list[FieldDetails], str], tuple[Leaf, ...]]:
    """What a reference of a ``parent`` object selects: columns of its target only."""

    def make(group: list[FieldDetails], target: str) -> tuple[Leaf, ...]:
        if target == parent:  # the general path's loader would share the parent's rows
            raise Fallback("a reference to its own type")
        runtime = schema.get_type(target)
        assert isinstance(runtime, GraphQLObjectType)
        mapped = target in node.config.entities
        allowed = node.mapped_fields(target) if mapped else (ENTITIES[target].key,)
        return leaves(subfields(schema, executor, runtime, group), runtime, frozenset(allowed))

    return make


def precheck(found: tuple[Leaf, ...], decision: Any) -> None:
    """:class:`Fallback` (before any statement) when a reference's type may not be read."""
    if decision is None:
        return
    for leaf in found:
        if leaf.ref is not None and leaf.ref.mapped:
            try:
                decision.require_read(leaf.ref.target)
            except PolicyDenied as exc:
                raise Fallback("a reference the caller may not read") from exc


async def resolve(
    node: Node, pending: list[Pending], decision: Any
) -> list[tuple[Presenter, list[Any]]]:
    """Fill each pending reference; the rows read, to tell the decision once the whole
    answer is shaped."""
    targets = dict.fromkeys(p.ref.target for p in pending)
    rows: dict[str, dict[Any, Any]] = {}
    for target in targets:
        if target not in node.config.entities:
            continue
        key = ENTITIES[target].key
        keys = tuple(dict.fromkeys(p.value for p in pending if p.ref.target == target))
        query = Select(target, node.mapped_fields(target), where=(Condition(key, "in", keys),))
        try:
            found = await node.select(query)
        except Exception as exc:
            raise Fallback("the source failed") from exc
        rows[target] = {row[key]: row for row in found}
    presenters = {t: Presenter(t, node.mapped_fields(t), decision) for t in rows}
    read: dict[str, list[Any]] = {t: [] for t in rows}
    for p in pending:
        target = p.ref.target
        if target not in rows:  # a stub: the key alone
            p.item[p.key] = shaped(p.ref.leaves, target, {ENTITIES[target].key: p.value})
            continue
        row = rows[target].get(p.value)
        if row is not None:
            p.item[p.key] = shaped(p.ref.leaves, target, presenters[target].values(row))
            read[target].append(row)
    return [(presenter, read[target]) for target, presenter in presenters.items()]

"""What the compiled data path (:mod:`connector.graphql._compiled`) shares between its
forms: the fields an operation selects, collected by graphql-core's own
:func:`~graphql.execution.collect_fields` (so merging, fragments and ``@include``/``@skip``
mean exactly what they mean to the general executor), and a row turned into an object
of the answer with the transforms of :func:`~connector.graphql._resolvers._instance`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    OperationType,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetails, collect_fields, collect_subfields

from connector.model import ENTITIES, Field
from connector.precision import field_unit, rounded, unit_decimals

_MIN_INT, _MAX_INT, _INF = GRAPHQL_MIN_INT, GRAPHQL_MAX_INT, float("inf")


class Fallback(Exception):
    """The operation (or this request of it) is not one the compiled path answers."""


@dataclass(frozen=True)
class Ref:
    """A reference field (``Space.building``): the entity its value keys, and what of it
    is selected."""

    target: str
    mapped: bool
    """False: a key-only stub owned by another node (no statement, nothing read)."""
    leaves: tuple[Leaf, ...]


@dataclass(frozen=True)
class Leaf:
    """One response key of an object: ``__typename`` (``field`` None), a scalar field, or
    (``ref``) the object a reference field's value (``field``) keys."""

    key: str
    field: str | None
    coerce: Callable[[Any], Any]
    required: bool
    ref: Ref | None = None


@dataclass
class Pending:
    """A reference of one object of the answer, filled once its rows are read."""

    item: dict[str, Any]
    key: str
    value: Any
    ref: Ref


def _coercer(scalar: GraphQLScalarType) -> Callable[[Any], Any]:
    """The scalar's output coercion; the values built-in scalars give back unchanged
    (a string for ``String`` and ``ID``, a 32-bit ``int``, a finite ``float``) without a
    call per value."""
    coerce = scalar.coerce_output_value
    if scalar is GraphQLString or scalar is GraphQLID:
        return lambda v: v if v.__class__ is str else coerce(v)
    if scalar is GraphQLInt:
        return lambda v: v if v.__class__ is int and _MIN_INT <= v <= _MAX_INT else coerce(v)
    if scalar is GraphQLFloat:
        return lambda v: v if v.__class__ is float and -_INF < v < _INF else coerce(v)
    return coerce


def root_field(schema: GraphQLSchema, executor: Executor[Any]) -> tuple[str, list[FieldDetails]]:
    """The response key and field nodes of the operation's one root field."""
    operation = executor.operation
    if operation.operation != OperationType.QUERY:
        raise Fallback("not a query")
    query = schema.query_type
    assert query is not None
    root = collect_fields(schema, executor.fragments, executor.variable_values, query, operation)
    if root.new_defer_usages or root.forbidden_directive_instances:
        raise Fallback("@defer")
    if len(root.grouped_field_set) != 1:
        raise Fallback("more than one root field")
    ((key, details),) = root.grouped_field_set.items()
    names = {d.node.name.value for d in details}
    if len(names) != 1 or any(d.defer_usage for d in details):
        raise Fallback("@defer")
    return key, details


def subfields(
    schema: GraphQLSchema,
    executor: Executor[Any],
    runtime: GraphQLObjectType,
    details: list[FieldDetails],
) -> dict[str, list[FieldDetails]]:
    sub = collect_subfields(
        schema, executor.fragments, executor.variable_values, executor.operation, runtime, details
    )
    if sub.new_defer_usages or sub.forbidden_directive_instances:
        raise Fallback("@defer")
    if any(d.defer_usage for group in sub.grouped_field_set.values() for d in group):
        raise Fallback("@defer")
    return sub.grouped_field_set


References = Mapping[str, tuple[str, str, bool]]
"""By reference field name: the field holding the key, the target type, whether mapped."""


def leaves(
    grouped: Mapping[str, list[FieldDetails]],
    runtime: GraphQLObjectType,
    allowed: frozenset[str],
    refs: References | None = None,
    nested: Callable[[list[FieldDetails], str], tuple[Leaf, ...]] | None = None,
) -> tuple[Leaf, ...]:
    """The leaves of an object of ``runtime``: ``__typename``, the scalar fields named
    in ``allowed``, without arguments, and the reference fields of ``refs`` (their own
    selection made by ``nested``); anything else is a :class:`Fallback`."""
    out = []
    for key, group in grouped.items():
        node = group[0].node
        name = node.name.value
        if name == "__typename":
            out.append(Leaf(key, None, lambda v: v, True))
            continue
        if refs and nested and name in refs and not node.arguments:
            source, target, mapped = refs[name]
            ref = Ref(target, mapped, nested(group, target))
            out.append(Leaf(key, source, lambda v: v, False, ref))
            continue
        definition = runtime.fields.get(name)
        if definition is None or name not in allowed or node.arguments or definition.args:
            raise Fallback(f"{runtime.name}.{name} is not a mapped column")
        kind = definition.type
        required = isinstance(kind, GraphQLNonNull)
        scalar = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
        if not isinstance(scalar, GraphQLScalarType):
            raise Fallback(f"{runtime.name}.{name} is not a scalar")
        out.append(Leaf(key, name, _coercer(scalar), required))
    return tuple(out)


def shaped(
    leaves: tuple[Leaf, ...],
    typename: str,
    values: Mapping[str, Any],
    pending: list[Pending] | None = None,
) -> dict[str, Any]:
    """The object of the answer: each leaf's value coerced by its scalar; a reference is
    ``pending`` (null when its value is)."""
    item: dict[str, Any] = {}
    get = values.get
    for leaf in leaves:
        field = leaf.field
        if field is None:
            item[leaf.key] = typename
            continue
        value = get(field)
        if leaf.ref is not None:
            item[leaf.key] = None
            if value is not None:
                if pending is None:
                    raise Fallback("a reference where none is resolved")
                pending.append(Pending(item, leaf.key, value, leaf.ref))
            continue
        if value is None:
            if leaf.required:
                raise Fallback("null for a non-null field")
            item[leaf.key] = None
            continue
        try:
            out = leaf.coerce(value)
        except Exception as exc:
            raise Fallback("the scalar refuses the value") from exc
        if out is None:
            raise Fallback("the scalar refuses the value")
        item[leaf.key] = out
    return item


class Presenter:
    """A row's values as :func:`~connector.graphql._resolvers._instance` gives them under
    ``decision``: units' precision, hidden fields null, identifiers pseudonymised."""

    def __init__(self, typename: str, fields: tuple[str, ...], decision: Any) -> None:
        self.typename = typename
        self.entity = ENTITIES[typename]
        self.fields = fields
        self.decision = decision
        self.hidden = decision.hidden(typename) if decision is not None else frozenset()
        self.pseudo = decision.pseudonymised(typename) if decision is not None else frozenset()

        # the numbers :func:`~connector.precision.presented` rounds: a unit of its own
        # gives the decimals once; a unit named by the row, each time
        decimals = unit_decimals()
        self.fixed: list[tuple[str, int]] = []
        self.named: list[Field] = []
        for f in self.entity.fields:
            if f.type != "Float" or f.name not in fields:
                continue
            if f.unit is None and f.unit_from:
                self.named.append(f)
            elif f.unit is not None and decimals.get(f.unit) is not None:
                self.fixed.append((f.name, decimals[f.unit]))

    def values(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The row as :func:`~connector.precision.presented` gives it, then as the caller
        may see it."""
        values = {n: row.get(n) for n in self.fields}
        for name, places in self.fixed:
            value = values[name]
            if isinstance(value, float):
                values[name] = round(value, places) + 0.0  # as rounded(): no "-0.0"
        for f in self.named:
            if f.name in row:
                values[f.name] = rounded(row[f.name], field_unit(f, row))
        for name in self.hidden:
            values[name] = None
        for name in self.pseudo:
            if values.get(name) is not None:
                values[name] = self.decision.pseudonym(self.typename, values[name])
        return values

    def account(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Tell the decision the rows returned, as ``_instance`` does, once per object."""
        decision = self.decision
        if decision is None:
            return
        entity = self.entity
        for row in rows:
            decision.count_rows(self.typename, 1)
            subject = row.get(entity.subject) if entity.subject else None
            decision.read_key(self.typename, row.get(entity.key), subject)

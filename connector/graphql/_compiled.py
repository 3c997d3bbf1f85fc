"""The compiled data path: an operation that only reads mapped columns answered without
per-field resolution.

Understood today: a query whose only root field is ``_entities`` (aliased or not), its
representations all of one entity type this node maps, and its selection on that type
only ``__typename`` and mapped column fields of scalar type, through any aliases, inline
fragments and named fragments (on the type, ``_Entity`` or an interface it implements)
and ``@include``/``@skip`` with literals or variables. Fields are collected by
graphql-core's own :func:`~graphql.execution.collect_fields` so merging and directives
mean exactly what they mean to the general executor.

For such an operation the node runs the statement the general path's entity loader runs
(one, whatever the number of representations) and shapes each row into the answer with
the same transforms as :func:`~connector.graphql._resolvers._instance`: the precision of
units (:func:`~connector.precision.presented`), fields of datasets the caller may not read
nulled, identifiers under an ``anonymize`` duty pseudonymised, and each value coerced by
its GraphQL scalar. A type the caller may not read gives each item the error the
general path's resolver raises, at the same path. The usage decision is still the one
:class:`~connector.graphql._usage.UsageExtension` takes for the request, which also adds
the denials and writes the audit entry as it does for the general path; the rows and
keys read are told to the decision in the same order.

Anything else — other root fields, object fields (references, relations, computed
fields), arguments, ``@defer``, malformed representations, keys that do not parse, a
value a scalar refuses, a source that fails — raises :class:`Fallback` before the
decision is told anything, and the general executor answers as it always did.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    OperationType,
    located_error,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import collect_fields, collect_subfields
from strawberry.extensions import SchemaExtension

from connector.graphql._context import RequestContext
from connector.graphql._entities import _problem
from connector.model import ENTITIES
from connector.node import Node
from connector.precision import presented
from connector.rnb import InvalidRnbId, canonical_rnb_id
from connector.sources.base import Condition, Select
from connector.usage.decision import PolicyDenied

PLANS = 512  # shapes remembered per schema (least recently used out)


class Fallback(Exception):
    """The operation (or this request of it) is not one the compiled path answers."""


@dataclass(frozen=True)
class Leaf:
    """One response key of an item: ``__typename`` (``field`` None) or a mapped column."""

    key: str
    field: str | None
    coerce: Callable[[Any], Any]
    required: bool


@dataclass(frozen=True)
class Shape:
    """What ``_entities`` items of one type look like for one set of directive values."""

    root_key: str
    nodes: tuple[FieldNode, ...]
    typename: str
    leaves: tuple[Leaf, ...]


def _coercer(scalar: GraphQLScalarType) -> Callable[[Any], Any]:
    coerce = scalar.coerce_output_value
    if scalar is GraphQLString:  # the common case, without a call per value
        return lambda v: v if v.__class__ is str else coerce(v)
    return coerce


class CompiledPlans:
    """The compiled path of one schema (one node): shapes cached per operation text,
    operation name, entity type and the values its ``@include``/``@skip`` variables take."""

    def __init__(self, node: Node, mapped: tuple[str, ...]) -> None:
        self.node = node
        self.mapped = frozenset(mapped)
        self.shapes: OrderedDict[Hashable, Shape | None] = OrderedDict()
        self.answered = 0
        """Requests the compiled path answered (for tests and benchmarks)."""

    # -- shaping, once per operation and outcome -----------------------------------------
    def _shape(self, schema: GraphQLSchema, executor: Executor[Any], typename: str) -> Shape:
        operation = executor.operation
        if operation.operation != OperationType.QUERY:
            raise Fallback("not a query")
        query = schema.query_type
        assert query is not None
        root = collect_fields(
            schema, executor.fragments, executor.variable_values, query, operation
        )
        if root.new_defer_usages or root.forbidden_directive_instances:
            raise Fallback("@defer")
        if len(root.grouped_field_set) != 1:
            raise Fallback("more than one root field")
        ((root_key, details),) = root.grouped_field_set.items()
        if any(d.node.name.value != "_entities" or d.defer_usage for d in details):
            raise Fallback("the root field is not _entities")
        runtime = schema.get_type(typename)
        if not isinstance(runtime, GraphQLObjectType):
            raise Fallback(f"{typename} is not an object type")
        sub = collect_subfields(
            schema, executor.fragments, executor.variable_values, operation, runtime, details
        )
        if sub.new_defer_usages or sub.forbidden_directive_instances:
            raise Fallback("@defer")
        mapped = frozenset(self.node.mapped_fields(typename))
        leaves = []
        for key, group in sub.grouped_field_set.items():
            node = group[0].node
            name = node.name.value
            if any(d.defer_usage for d in group):
                raise Fallback("@defer")
            if name == "__typename":
                leaves.append(Leaf(key, None, lambda v: v, True))
                continue
            definition = runtime.fields.get(name)
            if definition is None or name not in mapped or node.arguments or definition.args:
                raise Fallback(f"{typename}.{name} is not a mapped column")
            kind = definition.type
            required = isinstance(kind, GraphQLNonNull)
            scalar = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
            if not isinstance(scalar, GraphQLScalarType):
                raise Fallback(f"{typename}.{name} is not a scalar")
            leaves.append(Leaf(key, name, _coercer(scalar), required))
        nodes = tuple(d.node for d in details)
        return Shape(root_key, nodes, typename, tuple(leaves))

    def shape(
        self, schema: GraphQLSchema, executor: Executor[Any], text: str, typename: str
    ) -> Shape:
        coerced = executor.variable_values.coerced
        flags = tuple(sorted((k, v) for k, v in coerced.items() if isinstance(v, bool | None)))
        key = (text, executor.operation.name and executor.operation.name.value, typename, flags)
        if key in self.shapes:
            self.shapes.move_to_end(key)
            found = self.shapes[key]
        else:
            try:
                found = self._shape(schema, executor, typename)
            except Fallback:
                found = None
            self.shapes[key] = found
            if len(self.shapes) > PLANS:
                self.shapes.popitem(last=False)
        if found is None:
            raise Fallback("not compiled")
        return found

    # -- each request --------------------------------------------------------------------
    async def run(self, ec: Any) -> ExecutionResult:
        """The answer to ``ec`` (strawberry's execution context), or :class:`Fallback`."""
        ctx = ec.context
        if not isinstance(ctx, RequestContext) or ec.graphql_document is None:
            raise Fallback("no request context")
        schema: GraphQLSchema = ec.schema._schema
        executor = Executor.build(
            schema, ec.graphql_document, None, ctx, dict(ec.variables or {}), ec.operation_name
        )
        if isinstance(executor, list):
            raise Fallback("the general executor reports these errors")
        representations = _representations(executor)
        typename = _one_type(representations, self.mapped, schema)
        shape = self.shape(schema, executor, ec.query or "", typename)
        entity = ENTITIES[typename]
        keys = [_key(entity.key, entity.field(entity.key).type, r) for r in representations]
        decision = ctx.decision
        if decision is not None:
            try:
                decision.require_read(typename)
            except PolicyDenied:
                return self._denied(shape, keys, decision)
        rows = await self._rows(typename, entity.key, keys)
        items, read = self._items(shape, keys, rows, decision)
        if decision is not None:
            for row in read:  # as _instance tells it, once per item returned
                decision.count_rows(typename, 1)
                subject = row.get(entity.subject) if entity.subject else None
                decision.read_key(typename, row.get(entity.key), subject)
        self.answered += 1
        return ExecutionResult(data={shape.root_key: items})

    def _denied(self, shape: Shape, keys: list[Any], decision: Any) -> ExecutionResult:
        errors: list[GraphQLError] = []
        for i in range(len(keys)):
            try:
                decision.require_read(shape.typename)
            except PolicyDenied as exc:  # a fresh error per item, as each resolver raises
                errors.append(located_error(exc, list(shape.nodes), [shape.root_key, i]))
        self.answered += 1
        return ExecutionResult(data={shape.root_key: [None] * len(keys)}, errors=errors or None)

    async def _rows(self, typename: str, key: str, keys: list[Any]) -> dict[Any, Any]:
        if not keys:
            return {}
        query = Select(
            typename,
            self.node.mapped_fields(typename),
            where=(Condition(key, "in", tuple(dict.fromkeys(keys))),),
        )
        try:
            rows = await self.node.select(query)
        except Exception as exc:  # the general path runs it again and says what failed
            raise Fallback("the source failed") from exc
        return {row[key]: row for row in rows}

    def _items(
        self, shape: Shape, keys: list[Any], rows: Mapping[Any, Any], decision: Any
    ) -> tuple[list[Any], list[Any]]:
        typename = shape.typename
        entity = ENTITIES[typename]
        fields = self.node.mapped_fields(typename)
        hidden = decision.hidden(typename) if decision is not None else frozenset()
        pseudo = decision.pseudonymised(typename) if decision is not None else frozenset()
        items: list[Any] = []
        read: list[Any] = []
        leaves = shape.leaves
        for k in keys:
            row = rows.get(k)
            if row is None:
                items.append(None)
                continue
            shown = presented(entity, row)
            values = {n: shown.get(n) for n in fields}
            for name in hidden:
                values[name] = None
            for name in pseudo:
                if values.get(name) is not None:
                    values[name] = decision.pseudonym(typename, values[name])
            item: dict[str, Any] = {}
            for leaf in leaves:
                if leaf.field is None:
                    item[leaf.key] = typename
                    continue
                value = values.get(leaf.field)
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
            items.append(item)
            read.append(row)
        return items, read


def _representations(executor: Executor[Any]) -> list[Any]:
    """The ``representations`` argument of the one ``_entities`` field, coerced."""
    sels = executor.operation.selection_set.selections
    found = [s for s in sels if isinstance(s, FieldNode) and s.name.value == "_entities"]
    if len(found) != 1 or len(sels) != 1 or found[0].directives:
        raise Fallback("not one plain _entities field")
    (arg,) = found[0].arguments or (None,)
    if arg is None or arg.name.value != "representations":
        raise Fallback("no representations")
    value = arg.value
    if value.kind != "variable":
        raise Fallback("representations given inline")
    reps = executor.variable_values.coerced.get(value.name.value)  # type: ignore[attr-defined]
    if not isinstance(reps, list):
        raise Fallback("representations not a list")
    return reps


def _one_type(reps: list[Any], mapped: frozenset[str], schema: GraphQLSchema) -> str:
    names = {r.get("__typename") if isinstance(r, dict) else None for r in reps}
    if len(names) != 1:
        raise Fallback("representations of several types, or none")
    (name,) = names
    if not isinstance(name, str) or name not in mapped:
        raise Fallback("not a mapped type")
    union = schema.get_type("_Entity")
    members = frozenset(t.name for t in getattr(union, "types", ()))
    if any(_problem(r, members) is not None for r in reps):
        raise Fallback("malformed representations: the general path names them")
    if any(set(r) - {"__typename", ENTITIES[name].key} for r in reps):
        raise Fallback("representations carry more than the key")
    return name


def _key(key: str, kind: str, rep: Mapping[str, Any]) -> Any:
    """The key as :func:`~connector.graphql._resolvers._key_value` makes it."""
    value = rep[key]
    if kind == "RnbId":
        try:
            return canonical_rnb_id(value)
        except InvalidRnbId as exc:
            raise Fallback("a key that does not parse") from exc
    return str(value)


class CompiledPath(SchemaExtension):
    """Answers the operations :class:`CompiledPlans` understands before strawberry
    executes them (strawberry skips execution when a result is already there). Placed
    after :class:`~connector.graphql._usage.UsageExtension`, which decides first and
    records after, for both paths alike."""

    def __init__(self, plans: CompiledPlans, **_: Any) -> None:
        self.plans = plans

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        if ec.result is None and not ec.pre_execution_errors:
            with contextlib.suppress(Fallback):
                ec.result = await self.plans.run(ec)
        yield

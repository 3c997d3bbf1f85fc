"""The compiled data path: an operation that only reads mapped columns answered without
per-field resolution.

Understood today: a query whose only root field (aliased or not) is

- ``_entities``, its representations all of one entity type this node maps, or
- a list page (``buildings(filter:, orderBy:, first:, after:)``) selecting ``nodes``,
  ``pageInfo``, ``totalCount`` and ``__typename`` (:mod:`._compiled_pages`),

and whose objects select only ``__typename``, mapped column fields of scalar type and
references (``Space.building``) selecting those in turn (:mod:`._compiled_refs`), through
any aliases, inline fragments and named fragments (on the type, ``_Entity`` or an
interface it implements) and ``@include``/``@skip`` with literals or variables
(:mod:`._compiled_shape`).

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

Anything else — other root fields, relations and computed fields, a reference's own
reference, field arguments, ``@defer``, malformed representations, keys that do not
parse, a value a scalar refuses, a source that fails — raises :class:`Fallback` before
the decision is told anything, and the general executor answers as it always did.
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
    GraphQLObjectType,
    GraphQLSchema,
    located_error,
)
from graphql.execution import Executor
from strawberry.extensions import SchemaExtension

from connector.graphql._compiled_pages import PagePlans
from connector.graphql._compiled_refs import nested, precheck, references, resolve
from connector.graphql._compiled_shape import (
    Fallback,
    Leaf,
    Pending,
    Presenter,
    leaves,
    root_field,
    shaped,
    subfields,
)
from connector.graphql._context import RequestContext
from connector.graphql._entities import _problem
from connector.model import ENTITIES
from connector.node import Node
from connector.rnb import InvalidRnbId, canonical_rnb_id
from connector.sources.base import Condition, Select
from connector.usage.decision import PolicyDenied

PLANS = 512  # shapes remembered per schema (least recently used out)

__all__ = ["CompiledPath", "CompiledPlans", "Fallback"]


@dataclass(frozen=True)
class Shape:
    """What ``_entities`` items of one type look like for one set of directive values."""

    root_key: str
    nodes: tuple[FieldNode, ...]
    typename: str
    leaves: tuple[Leaf, ...]


class CompiledPlans:
    """The compiled path of one schema (one node): shapes cached per operation text,
    operation name, entity type and the values its ``@include``/``@skip`` variables take."""

    def __init__(self, node: Node, mapped: tuple[str, ...]) -> None:
        self.node = node
        self.mapped = frozenset(mapped)
        self.shapes: OrderedDict[Hashable, Any] = OrderedDict()
        self.pages = PagePlans(node, self.mapped)
        self.answered = 0
        """Requests the compiled path answered (for tests and benchmarks)."""

    # -- shaping, once per operation and outcome -----------------------------------------
    def _shape(self, schema: GraphQLSchema, executor: Executor[Any], typename: str) -> Shape:
        root_key, details = root_field(schema, executor)
        if details[0].node.name.value != "_entities":
            raise Fallback("the root field is not _entities")
        runtime = schema.get_type(typename)
        if not isinstance(runtime, GraphQLObjectType):
            raise Fallback(f"{typename} is not an object type")
        grouped = subfields(schema, executor, runtime, details)
        found = leaves(
            grouped,
            runtime,
            frozenset(self.node.mapped_fields(typename)),
            references(self.node, runtime),
            nested(self.node, schema, executor, typename),
        )
        return Shape(root_key, tuple(d.node for d in details), typename, found)

    def cached(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The shape under ``key`` (made once; a :class:`Fallback` is remembered too)."""
        if key in self.shapes:
            self.shapes.move_to_end(key)
            found = self.shapes[key]
        else:
            try:
                found = make()
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
        coerced = executor.variable_values.coerced
        flags = tuple(sorted((k, v) for k, v in coerced.items() if isinstance(v, bool | None)))
        op = executor.operation.name.value if executor.operation.name else None
        sels = executor.operation.selection_set.selections
        if not any(isinstance(s, FieldNode) and s.name.value == "_entities" for s in sels):
            page = self.cached(
                ("page", ec.query, op, flags), lambda: self.pages.shape(schema, executor)
            )
            result = await self.pages.run(page, ec.schema, executor, ctx.decision)
            self.answered += 1
            return result
        representations = _representations(executor)
        typename = _one_type(representations, self.mapped, schema)
        shape: Shape = self.cached(
            ("entities", ec.query, op, typename, flags),
            lambda: self._shape(schema, executor, typename),
        )
        entity = ENTITIES[typename]
        kind = entity.field(entity.key).type
        keys = [_key(entity.key, kind, r) for r in representations]
        decision = ctx.decision
        if decision is not None:
            try:
                decision.require_read(typename)
            except PolicyDenied:
                return self._denied(shape, keys, decision)
        precheck(shape.leaves, decision)
        rows = await self._rows(typename, entity.key, keys)
        presenter = Presenter(typename, self.node.mapped_fields(typename), decision)
        items: list[Any] = []
        read = []
        pending: list[Pending] = []
        for k in keys:
            row = rows.get(k)
            if row is None:
                items.append(None)
                continue
            items.append(shaped(shape.leaves, typename, presenter.values(row), pending))
            read.append(row)
        referred = await resolve(self.node, pending, decision) if pending else []
        presenter.account(read)  # once every item is shaped: a Fallback told nothing
        for child, child_rows in referred:
            child.account(child_rows)
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

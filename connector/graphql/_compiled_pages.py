"""The compiled data path for list pages: ``buildings(filter:, orderBy:, first:, after:)
{ nodes { ... } pageInfo { endCursor hasNextPage } totalCount __typename }`` as the one
root field of a query, its nodes selecting only mapped columns.

It runs what :func:`~connector.graphql._resolvers.list_field` and
:func:`~connector.graphql._resolvers.total_count` run — the page's statement (one row
more than the page, to know if another follows) and, when ``totalCount`` is asked, the
count — with the same arguments, checks and cursor rules (no cursor under pseudonyms).
A page the caller may not read is null with the resolver's error. An argument the
general path would refuse, ``edges``
(a partitioned type's cursors) or anything else falls back to the general executor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    located_error,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetails
from graphql.execution.values import get_argument_values
from strawberry.types.arguments import convert_arguments

from connector.errors import QueryError
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
from connector.graphql._inputs import conditions, page_size, sort_keys
from connector.graphql._resolvers import _int, _sort_types, _used_fields, page_end, page_query
from connector.graphql._scalars import decode_cursor
from connector.model import ENTITIES
from connector.node import Node
from connector.sources.base import Aggregate, Measure
from connector.usage.decision import PolicyDenied

_CONNECTION_FIELDS = frozenset({"nodes", "pageInfo", "totalCount"})


@dataclass(frozen=True)
class PageShape:
    root_key: str
    typename: str
    connection: str
    field: GraphQLField
    details: list[FieldDetails]
    parts: tuple[tuple[str, str], ...]
    """``(response key, connection field or __typename)`` in answer order."""
    nodes: tuple[Leaf, ...]
    page_info: tuple[Leaf, ...]


def _plural_of(name: str, mapped: frozenset[str]) -> str | None:
    for t in mapped:
        if name == t[0].lower() + t[1:] + "s":
            return t
    return None


class PagePlans:
    def __init__(self, node: Node, mapped: frozenset[str]) -> None:
        self.node = node
        self.mapped = mapped

    def shape(self, schema: GraphQLSchema, executor: Executor[Any]) -> PageShape:
        root_key, details = root_field(schema, executor)
        name = details[0].node.name.value
        typename = _plural_of(name, self.mapped)
        query = schema.query_type
        assert query is not None
        field = query.fields.get(name)
        if typename is None or field is None:
            raise Fallback("not a list page")
        kind = field.type
        if not isinstance(kind, GraphQLObjectType) or kind.name != f"{typename}Connection":
            raise Fallback("not a connection")
        grouped = subfields(schema, executor, kind, details)
        parts: list[tuple[str, str]] = []
        node_groups: list[FieldDetails] = []
        info_groups: list[FieldDetails] = []
        for key, group in grouped.items():
            fname = group[0].node.name.value
            if fname not in _CONNECTION_FIELDS and fname != "__typename":
                raise Fallback(f"{kind.name}.{fname}")
            parts.append((key, fname))
            if fname == "nodes":
                node_groups += group
            elif fname == "pageInfo":
                info_groups += group
        if [k for k, f in parts if f == "nodes"][1:] or [k for k, f in parts if f == "pageInfo"][
            1:
        ]:
            raise Fallback("nodes or pageInfo under two keys")
        runtime = schema.get_type(typename)
        info_type = schema.get_type("PageInfo")
        assert isinstance(runtime, GraphQLObjectType) and isinstance(info_type, GraphQLObjectType)
        node_leaves = leaves(
            subfields(schema, executor, runtime, node_groups) if node_groups else {},
            runtime,
            frozenset(self.node.mapped_fields(typename)),
            references(self.node, runtime),
            nested(self.node, schema, executor, typename),
        )
        info_leaves = leaves(
            subfields(schema, executor, info_type, info_groups) if info_groups else {},
            info_type,
            frozenset({"endCursor", "hasNextPage"}),
        )
        return PageShape(
            root_key, typename, kind.name, field, details, tuple(parts), node_leaves, info_leaves
        )

    async def run(
        self, shape: PageShape, strawberry_schema: Any, executor: Executor[Any], decision: Any
    ) -> ExecutionResult:
        entity = ENTITIES[shape.typename]
        limits = self.node.config.limits
        try:
            raw = get_argument_values(shape.field, shape.details[0].node, executor.variable_values)
            sfield = shape.field.extensions["strawberry-definition"]
            args = convert_arguments(
                raw,
                sfield.arguments,
                scalar_registry=strawberry_schema.schema_converter.scalar_registry,
                config=strawberry_schema.config,
            )
            size = page_size(
                args.get("first"), default=limits.default_page_size, maximum=limits.max_page_size
            )
            where = conditions(args.get("filter"), entity)
            order = sort_keys(args.get("order_by"), entity)
            if decision is not None:
                try:
                    decision.require_read(shape.typename, _used_fields(where, order))
                except PolicyDenied as denied:  # the page is null, as the resolver raised
                    error = located_error(denied, [d.node for d in shape.details], [shape.root_key])
                    return ExecutionResult(data={shape.root_key: None}, errors=[error])
            precheck(shape.nodes, decision)
            names, types = _sort_types(entity, order)
            after = args.get("after")
            cursor = decode_cursor(after, types) if after else None
        except QueryError as exc:
            raise Fallback("the general path says what is wrong") from exc
        except Exception as exc:  # a conversion strawberry would refuse
            raise Fallback("arguments") from exc
        query = page_query(shape.typename, self.node, where, order, cursor, size)
        try:
            found = await self.node.select(query)
        except Exception as exc:
            raise Fallback("the source failed") from exc
        presenter = Presenter(shape.typename, self.node.mapped_fields(shape.typename), decision)
        rows, more, end = page_end(found, size, names, presenter.pseudo)
        pending: list[Pending] = []
        nodes = [shaped(shape.nodes, shape.typename, presenter.values(r), pending) for r in rows]
        referred = await resolve(self.node, pending, decision) if pending else []
        page_info = shaped(shape.page_info, "PageInfo", {"endCursor": end, "hasNextPage": more})
        count = None
        if any(f == "totalCount" for _, f in shape.parts):
            try:
                counted = await self.node.aggregate(
                    Aggregate(shape.typename, (Measure("count", "count"),), where=where)
                )
            except Exception as exc:
                raise Fallback("the source failed") from exc
            count = _int(counted[0]["count"]) if counted else 0
        presenter.account(rows)
        for child, child_rows in referred:
            child.account(child_rows)
        out: dict[str, Any] = {}
        for key, f in shape.parts:
            if f == "__typename":
                out[key] = shape.connection
            elif f == "nodes":
                out[key] = nodes
            elif f == "pageInfo":
                out[key] = page_info
            else:
                out[key] = count
        return ExecutionResult(data={shape.root_key: out})

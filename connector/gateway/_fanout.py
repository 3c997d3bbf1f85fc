"""Root fields of a partitioned type (:mod:`._partitions`), planned and answered across
its holders.

Planning (:func:`fan_out`): ``buildings(...)`` keeps the client's filter, order and page
size, asks every row's cursor (``_gw_edges: edges { cursor }``), its key and the fields
it may be ordered by (``_gw_nodes: nodes { _gw_rnbId: rnbId ... }``) and the page's end
(``_gw_pageInfo``); its ``after`` becomes ``$_gw_after``, each holder's own position.
Without an ``orderBy`` the holders are asked for key order.

Answering (:func:`run`): every holder whose partition the filter does not exclude is
asked once, concurrently; the rows are merged in the order (the ``orderBy`` fields, nulls
last in both directions as the nodes sort, then the key), the first ``first`` kept. The
page is cut where no holder may still have a row that sorts before: at ``first``, or at
the shortest page of a holder that has more. ``endCursor`` (and each edge's ``cursor``)
is the composite cursor: base64 of JSON ``{"v": 1, "type", "order", "at": {holder: its
cursor}, "done": [exhausted holders]}``. ``totalCount`` is the holders' sum. A holder
down is an error naming it and its partition; the others' rows are served.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graphql import (
    ArgumentNode,
    EnumValueNode,
    FieldNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLObjectType,
    ListValueNode,
    NameNode,
    ObjectFieldNode,
    ObjectValueNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)

from connector.errors import GatewayError
from connector.gateway._fetches import INTERNAL, response_key
from connector.gateway._pages import (
    CursorError,
    Page,
    asks_count,
    decode,
    dimensions_of,
    merge_pages,
    order_of,
)
from connector.gateway._partitions import FanOut, Holder, PartitionedType
from connector.gateway._plan import Fetch
from connector.gateway._supergraph import Supergraph

if TYPE_CHECKING:
    from connector.gateway._execute import Executor
    from connector.gateway._http import SubgraphReply

AFTER = INTERNAL + "after"
VARIABLES = {AFTER: f"${AFTER}: String"}  # the gateway's own variables of a fan-out


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def _name(value: str) -> NameNode:
    return NameNode(value=value)


def _field(name: str, alias: str | None = None, *inner: SelectionNode) -> FieldNode:
    return FieldNode(
        alias=_name(alias) if alias else None,
        name=_name(name),
        arguments=(),
        directives=(),
        selection_set=SelectionSetNode(selections=inner) if inner else None,
    )


# -- planning ------------------------------------------------------------------------
def fan_out(sg: Supergraph, root: GraphQLObjectType, f: FieldNode) -> FanOut | None:
    """The fan-out of a root field of a partitioned type, or None (an ordinary field)."""
    definition = root.fields.get(f.name.value)
    if definition is None:
        return None
    named = get_named_type(definition.type)
    if named is None:
        return None
    if named.name.endswith("Connection"):
        part, kind = sg.partitions.of(named.name.removesuffix("Connection")), "list"
    else:
        part, kind = sg.partitions.of(named.name), "lookup"
        if part is not None and part.key not in definition.args:
            return None  # not a look-up by key: answered by one holder as any field
    if part is None:
        _refuse_unmerged(sg, root, f)
        return None
    if len(part.holders) == 1:  # nothing to merge: its holder answers as Apollo's would ask
        return None
    if kind == "list" and not {"first", "after", "orderBy"} <= set(definition.args):
        return None
    return FanOut(
        type_name=part.name,
        kind=kind,
        key=part.key,
        asked=f,
        holders=part.holders,
        sort_fields=_sort_fields(sg, part, definition) if kind == "list" else {},
    )


def _refuse_unmerged(sg: Supergraph, root: GraphQLObjectType, f: FieldNode) -> None:
    """A root field every holder of a partitioned type answers, but not as a list or a
    look-up (``buildingStats``): one holder's answer would be a silent part of it."""
    resolvers = set(sg.resolvers(root.name, f.name.value))
    for part in sg.partitions.types.values():
        holders = [h.subgraph for h in part.holders if h.subgraph in resolvers]
        if len(holders) > 1:
            raise GatewayError(
                f"{root.name}.{f.name.value} is answered by each holder of the partitioned "
                f"type {part.name} ({', '.join(holders)}); this gateway merges their lists "
                "and look-ups, not this field yet"
            )


def _sort_fields(sg: Supergraph, part: PartitionedType, definition: GraphQLField) -> dict[str, str]:
    order = get_named_type(definition.args["orderBy"].type)
    entity = sg.schema.get_type(part.name)
    if not isinstance(order, GraphQLInputObjectType) or "field" not in order.fields:
        return {}
    values = getattr(get_named_type(order.fields["field"].type), "values", {})
    holders = [h.subgraph for h in part.holders]
    common = [  # a field one holder lacks cannot be asked of every holder
        n
        for n in getattr(entity, "fields", {})
        if all(h in sg.resolvers(part.name, n) for h in holders)
    ]
    by_snake = {_snake(n): n for n in common}
    return {v: by_snake[v] for v in values if v in by_snake}


def planned_field(f: FieldNode, fan: FanOut) -> FieldNode:
    """The field each holder is sent: ``after`` from ``$_gw_after``, an explicit order
    (the key's when the client gives none), and the rows' cursors and sort values."""
    if fan.kind != "list" or f.selection_set is None:
        return f
    args = [a for a in f.arguments or () if a.name.value != "after"]
    args.append(ArgumentNode(name=_name("after"), value=VariableNode(name=_name(AFTER))))
    key_value = next((v for v, n in fan.sort_fields.items() if n == fan.key), None)
    if not any(a.name.value == "orderBy" for a in args) and key_value is not None:
        order = ObjectValueNode(
            fields=(ObjectFieldNode(name=_name("field"), value=EnumValueNode(value=key_value)),)
        )
        args.append(ArgumentNode(name=_name("orderBy"), value=ListValueNode(values=(order,))))
    sorted_by = dict.fromkeys([fan.key, *fan.sort_fields.values()])
    extra = (
        _field("nodes", INTERNAL + "nodes", *(_field(n, INTERNAL + n) for n in sorted_by)),
        _field("edges", INTERNAL + "edges", _field("cursor")),
        _field("pageInfo", INTERNAL + "pageInfo", _field("hasNextPage")),
    )
    return FieldNode(
        alias=f.alias,
        name=f.name,
        arguments=tuple(args),
        directives=f.directives,
        selection_set=SelectionSetNode(selections=(*f.selection_set.selections, *extra)),
    )


# -- answering -----------------------------------------------------------------------
def _arguments(f: FieldNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    return {
        a.name.value: value_from_ast_untyped(a.value, dict(variables)) for a in f.arguments or ()
    }


async def run(executor: Executor, fetch: Fetch, fan: FanOut) -> None:
    """Answer a fan-out root fetch into ``executor.outcome``; then its children."""
    if fan.asked is None:  # pragma: no cover - the planner sets it on root fetches
        return
    key = response_key(fan.asked)
    args = _arguments(fan.asked, executor.variables)
    if fan.kind == "lookup":
        value = await _lookup(executor, fetch, fan, args, key)
    else:
        value = await _list(executor, fetch, fan, args, key)
    executor.outcome.data[key] = value
    await executor.children(fetch.children)


async def _ask(
    executor: Executor, fetch: Fetch, holders: Sequence[Holder], extra: Mapping[str, Any]
) -> list[tuple[Holder, SubgraphReply]]:
    async def one(h: Holder) -> tuple[Holder, SubgraphReply]:
        mine = {k: v.get(h.subgraph) if isinstance(v, dict) else v for k, v in extra.items()}
        return h, await executor.post(replace(fetch, subgraph=h.subgraph), fetch.operation, mine)

    return list(await asyncio.gather(*(one(h) for h in holders)))


def _failed(executor: Executor, fan: FanOut, h: Holder, reply: SubgraphReply, key: str) -> None:
    if len(fan.holders) == 1:  # the one holder in the supergraph: as any other fetch
        executor.outcome.errors.append(
            {
                "message": f"subgraph {h.subgraph!r}: {reply.reason}",
                "path": [key],
                "extensions": {"code": reply.failure, "node": h.subgraph},
            }
        )
        return
    executor.outcome.errors.append(
        {
            "message": f"subgraph {h.subgraph!r} (holding {fan.type_name} {h.text()}): "
            f"{reply.reason}; the other holders' rows are served",
            "path": [key],
            "extensions": {
                "code": reply.failure,
                "node": h.subgraph,
                "partition": {"type": fan.type_name, **h.describe()},
            },
        }
    )


def _node_errors(executor: Executor, fetch: Fetch, h: Holder, reply: SubgraphReply) -> None:
    for e in reply.errors:
        executor.node_error(replace(fetch, subgraph=h.subgraph), e, lambda p: p)


async def _lookup(
    executor: Executor, fetch: Fetch, fan: FanOut, args: Mapping[str, Any], key: str
) -> Any:
    part = PartitionedType(fan.type_name, fan.key, fan.holders)
    found: Any = None
    for h, reply in await _ask(executor, fetch, part.route(args.get(fan.key)), {}):
        if reply.failure:
            _failed(executor, fan, h, reply, key)
            continue
        _node_errors(executor, fetch, h, reply)
        value = (reply.data or {}).get(key)
        if found is None and value is not None:
            found = value
    return found


async def _list(
    executor: Executor, fetch: Fetch, fan: FanOut, args: Mapping[str, Any], key: str
) -> Any:
    order = order_of(fan, args)
    after = args.get("after")
    at: dict[str, str] = {}
    done: set[str] = set()
    try:
        if isinstance(after, str):
            at, done = decode(after, fan, order)
    except CursorError as exc:
        executor.outcome.errors.append(
            {
                "message": f"after: {after!r} is not a cursor of this list: {exc}; use "
                "pageInfo.endCursor from the previous page",
                "path": [key],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        )
        return None
    wanted = dimensions_of(args)
    counted = asks_count(fan.asked)  # an exhausted holder still counts its rows
    holders = [h for h in fan.holders if (counted or h.subgraph not in done) and h.may_hold(wanted)]
    pages: list[Page] = []
    for h, reply in await _ask(executor, fetch, holders, {AFTER: at}):
        if reply.failure:
            _failed(executor, fan, h, reply, key)
            continue
        _node_errors(executor, fetch, h, reply)
        conn = (reply.data or {}).get(key)
        if isinstance(conn, dict):
            pages.append(Page(h, conn, order))
    if not pages and len(holders) > 0:
        return None
    first = args.get("first")
    try:
        return merge_pages(fan, pages, order, first if isinstance(first, int) else None, at, done)
    except CursorError as exc:
        executor.outcome.errors.append(
            {
                "message": f"cannot page across holders: {exc}",
                "path": [key],
                "extensions": {"code": "PARTITION_CURSOR_UNAVAILABLE"},
            }
        )
        return None


async def route_entities(executor: Executor, joins: Sequence[Any]) -> None:
    """``_entities`` of a partitioned type: each representation to the holder its key
    prefix names, or to every holder when none does (an RNB id says nothing of its
    commune); one request per holder, concurrently; a holder answers null for the
    instances it does not hold, and the one that holds it fills the object."""
    fan: FanOut = joins[0].fetch.fanout
    part = PartitionedType(fan.type_name, fan.key, fan.holders)
    per_holder: dict[str, list[Any]] = {}
    allowed = set(fan.asked_of())
    for j in joins:
        wanted: dict[str, list[int]] = {}
        for i, rep in enumerate(j.reps):
            for h in part.route(rep.get(fan.key)):
                if h.subgraph in allowed:  # a holder without the field is not asked
                    wanted.setdefault(h.subgraph, []).append(i)
        for holder, idx in wanted.items():
            per_holder.setdefault(holder, []).append(
                replace(
                    j,
                    fetch=replace(j.fetch, subgraph=holder),
                    reps=[j.reps[i] for i in idx],
                    where=[j.where[i] for i in idx],
                )
            )
    await asyncio.gather(*(executor.send(sub) for sub in per_holder.values()))

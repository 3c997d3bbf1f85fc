"""Resolvers of the generated schema. Each factory closes over one entity type.

Every resolver turns its arguments into the query model of
:mod:`connector.sources.base` and lets the source do the filtering, ordering, paging and
aggregation; entity and relation look-ups go through per-request DataLoaders, so one
``_entities`` call or one nested list costs one statement per entity type.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from connector.errors import QueryError
from connector.graphql._apply import cells_for, computed, group_count, settle, subjects_measure
from connector.graphql._common import PageInfo, ThresholdCount
from connector.graphql._context import RequestContext
from connector.graphql._declare import time_field
from connector.graphql._inputs import conditions, page_size, sort_keys
from connector.graphql._scalars import decode_cursor, encode_cursor
from connector.model import ENTITIES, EntityType, Field, Relation
from connector.precision import field_unit, presented, rounded
from connector.rnb import InvalidRnbId, canonical_rnb_id
from connector.sources.base import (
    Aggregate,
    Condition,
    Measure,
    Row,
    Select,
    SortKey,
    TimeBucket,
)
from connector.usage import Action

if TYPE_CHECKING:
    from connector.graphql._build import SchemaBuilder
    from connector.node import Node


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _ctx(info: Any) -> RequestContext:
    ctx = info.context
    if not isinstance(ctx, RequestContext):
        raise TypeError("the GraphQL context must be a RequestContext")
    return ctx


def _instance(info: Any, builder: SchemaBuilder, entity: EntityType, row: dict[str, Any]) -> Any:
    """The GraphQL object of a row, with usage control applied: fields of datasets the
    caller may not read are null, identifiers under an ``anonymize`` duty are pseudonyms."""
    cls = builder.types[entity.name]
    if entity.name not in builder.mapped:
        return cls(**{entity.key: row.get(entity.key)})
    shown = presented(entity, row)
    values = {n: shown.get(n) for n in builder.node.mapped_fields(entity.name)}
    decision = _ctx(info).decision
    if decision is not None:
        for name in decision.hidden(entity.name):
            values[name] = None
        for name in decision.pseudonymised(entity.name):
            if values.get(name) is not None:
                values[name] = decision.pseudonym(entity.name, values[name])
        decision.count_rows(entity.name, 1)
        subject = row.get(entity.subject) if entity.subject else None
        decision.read_key(entity.name, row.get(entity.key), subject)
    return cls(**values)


def _check_read(info: Any, entity: EntityType, fields: tuple[str, ...] = ()) -> None:
    decision = _ctx(info).decision
    if decision is not None:
        decision.require_read(entity.name, fields)


def _used_fields(where: tuple[Any, ...], order: tuple[SortKey, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([c.field for c in where] + [k.field for k in order]))


def _key_value(entity: EntityType, value: Any) -> Any:
    if entity.field(entity.key).type == "RnbId":
        try:
            return canonical_rnb_id(value)
        except InvalidRnbId as exc:
            raise QueryError(str(exc)) from exc
    if not isinstance(value, str | int):
        raise QueryError(f"{entity.name}.{entity.key}: expected a string, got {value!r}")
    return str(value)


def reference_resolver(entity: EntityType, builder: SchemaBuilder) -> Any:
    """``resolve_reference`` for ``_entities``: batched through the entity loader."""

    async def resolve_reference(cls: Any, info: Any, **representation: Any) -> Any:
        if entity.key not in representation:
            raise QueryError(f"{entity.name} representation lacks its key {entity.key!r}")
        key = _key_value(entity, representation[entity.key])
        if entity.name not in builder.mapped:
            return cls(**{entity.key: key})
        _check_read(info, entity)
        row = await _ctx(info).entity_loader(entity.name, entity.key).load(key)
        if row is None:
            return None
        instance = _instance(info, builder, entity, row)
        # fields a computed field @requires arrive with the representation
        instance._requires = representation
        return instance

    return resolve_reference


def reference_field(f: Field, target: EntityType, builder: SchemaBuilder) -> Any:
    """``Space.building``: the referenced entity, or a key-only stub owned elsewhere."""

    async def resolve(root: Any, info: Any) -> Any:
        value = getattr(root, f.name)
        if value is None:
            return None
        if target.name not in builder.mapped:
            return builder.types[target.name](**{target.key: value})
        _check_read(info, target)
        row = await _ctx(info).entity_loader(target.name, target.key).load(value)
        return None if row is None else _instance(info, builder, target, row)

    return resolve


def relation_field(parent: EntityType, rel: Relation, builder: SchemaBuilder) -> Any:
    target = ENTITIES[rel.target]
    limits = builder.node.config.limits

    async def resolve(
        root: Any, info: Any, filter: Any = None, order_by: Any = None, first: int | None = None
    ) -> list[Any]:
        size = page_size(first, default=limits.default_page_size, maximum=limits.max_page_size)
        if not rel.paged:  # everything, or an error: a computation must not see a cut list
            size = limits.max_page_size + 1
        where, order = conditions(filter, target), sort_keys(order_by, target)
        _check_read(info, target, (rel.via, *_used_fields(where, order)))
        loader = _ctx(info).relation_loader(target.name, rel.via, where, order, size)
        rows = await loader.load(getattr(root, parent.key))
        if not rel.paged and len(rows) > limits.max_page_size:
            raise QueryError(
                f"{parent.name}.{rel.name}: more than {limits.max_page_size} "
                "rows; raise [limits] max_page_size on this node"
            )
        return [_instance(info, builder, target, r) for r in rows]

    return resolve


def _sort_types(entity: EntityType, order: tuple[SortKey, ...]) -> tuple[list[str], list[Any]]:
    names = [k.field for k in order]
    if entity.key not in names:
        names.append(entity.key)
    return names, [entity.field(n).type for n in names]


def page_query(
    typename: str,
    node: Node,
    where: tuple[Condition, ...],
    order: tuple[SortKey, ...],
    after: tuple[object, ...] | None,
    size: int,
) -> Select:
    """A list page's statement: one row more than the page, to know if another follows."""
    fields = node.mapped_fields(typename)
    return Select(typename, fields, where=where, order=order, after=after, limit=size + 1)


def page_end(
    rows: list[Row], size: int, names: list[str], hidden: frozenset[str]
) -> tuple[list[Row], bool, str | None]:
    """The page's rows, whether another follows, and its end cursor: the last row's sort
    values ``names``, none under pseudonyms (``hidden``), which it would undo."""
    more = len(rows) > size
    rows = rows[:size]
    end = encode_cursor([rows[-1][n] for n in names]) if rows and not hidden & set(names) else None
    return rows, more, end


def list_field(entity: EntityType, builder: SchemaBuilder) -> Any:
    limits = builder.node.config.limits

    async def resolve(
        root: Any,
        info: Any,
        filter: Any = None,
        order_by: Any = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Any:
        size = page_size(first, default=limits.default_page_size, maximum=limits.max_page_size)
        where = conditions(filter, entity)
        order = sort_keys(order_by, entity)
        _check_read(info, entity, _used_fields(where, order))
        names, types = _sort_types(entity, order)
        cursor = decode_cursor(after, types) if after else None
        query = page_query(entity.name, builder.node, where, order, cursor, size)
        decision = _ctx(info).decision
        hidden = decision.pseudonymised(entity.name) if decision is not None else frozenset()
        rows, more, end = page_end(await _ctx(info).node.select(query), size, names, hidden)
        connection = builder.connection_types[entity.name](
            nodes=[_instance(info, builder, entity, r) for r in rows],
            page_info=PageInfo(end_cursor=end, has_next_page=more),
        )
        connection._where = where
        if builder.partition(entity.name) is not None:
            connection._cursors = [
                None if hidden & set(names) else encode_cursor([r[n] for n in names]) for r in rows
            ]
        return connection

    return resolve


def edges(edge_type: Any) -> Any:
    """``Connection.edges``: each row of the page with its own cursor (the sort values of
    that row, as ``pageInfo.endCursor`` holds the last one's)."""

    async def resolve(root: Any, info: Any) -> list[Any]:
        cursors = getattr(root, "_cursors", None) or [None] * len(root.nodes)
        return [edge_type(cursor=c, node=n) for n, c in zip(root.nodes, cursors, strict=True)]

    return resolve


def total_count(entity: EntityType, builder: SchemaBuilder) -> Any:
    async def resolve(root: Any, info: Any) -> int:
        _check_read(info, entity)
        rows = await _ctx(info).node.aggregate(
            Aggregate(entity.name, (Measure("count", "count"),), where=getattr(root, "_where", ()))
        )
        return _int(rows[0]["count"]) if rows else 0

    return resolve


def single_field(entity: EntityType, builder: SchemaBuilder) -> Any:
    async def resolve(root: Any, info: Any, **kwargs: Any) -> Any:
        key = _key_value(entity, kwargs[entity.key])
        _check_read(info, entity)
        row = await _ctx(info).entity_loader(entity.name, entity.key).load(key)
        return None if row is None else _instance(info, builder, entity, row)

    return resolve


def stats_field(entity: EntityType, builder: SchemaBuilder) -> Any:
    def build_query(
        filter: Any, field: Any, group_by: Any, thresholds: Any, bucket: Any
    ) -> Aggregate:
        name = field.value
        measures = [
            Measure("count", "count"),
            Measure("mean", "mean", name),
            Measure("min", "min", name),
            Measure("max", "max", name),
            Measure("sum", "sum", name),
        ]
        measures += [
            Measure(f"above_{i}", "count_above", name, float(t))
            for i, t in enumerate(thresholds or ())
        ]
        groups = tuple(dict.fromkeys(g.value for g in group_by or ()))
        tb = TimeBucket(bucket.field.value, bucket.unit.value) if bucket else None
        return Aggregate(
            entity.name,
            tuple(measures),
            where=conditions(filter, entity),
            group_by=groups,
            bucket=tb,
        )

    async def resolve(
        root: Any,
        info: Any,
        field: Any,
        filter: Any = None,
        group_by: Any = None,
        thresholds: Any = None,
        bucket: Any = None,
    ) -> list[Any]:
        if thresholds and len(thresholds) > 10:
            raise QueryError(f"thresholds: at most 10 thresholds, got {len(thresholds)}")
        query = build_query(filter, field, group_by, thresholds, bucket)
        applied = computed(info, Action.AGGREGATE)
        if applied is not None:
            decision, uses = applied
            time, _ = time_field(builder.node, entity.name)
            cells = cells_for(decision, uses, builder.node, entity.name, time)
            query = replace(
                query, cells=cells, measures=(*query.measures, *subjects_measure(cells))
            )
        rows = await _ctx(info).node.aggregate(query)
        if applied is not None:
            withheld = settle(decision, uses, [group_count(r, "count", cells) for r in rows])
            rows = [r for r, w in zip(rows, withheld, strict=True) if w is None]
            decision.count_rows(entity.name, len(rows))
        stats_cls = builder.stats_types[entity.name]
        group_cls = builder.group_types[entity.name]
        measured = entity.field(field.value)
        out = []
        for row in rows:
            unit = field_unit(measured, row)
            count = _int(row["count"])
            above = [
                ThresholdCount(
                    threshold=float(t),
                    count=_int(row[f"above_{i}"]),
                    share=(_int(row[f"above_{i}"]) / count) if count else None,
                )
                for i, t in enumerate(thresholds or ())
            ]
            group = group_cls(**{g: row.get(g) for g in query.group_by}) if query.group_by else None
            out.append(
                stats_cls(
                    group=group,
                    bucket_start=row.get(query.bucket.field) if query.bucket else None,
                    count=count,
                    mean=rounded(row["mean"], unit),
                    min=rounded(row["min"], unit),
                    max=rounded(row["max"], unit),
                    sum=rounded(row["sum"], unit),
                    above=above,
                )
            )
        return out

    return resolve

"""The Query type's fields for one mapped entity: a page, one row by key, statistics.

``buildings`` answers a connection (``nodes``, ``pageInfo``, ``totalCount``, and ``edges``
with cursors when the node holds a partition), ``building(rnbId:)`` one row, and
``buildingStats`` grouped statistics of numeric fields; their arguments (filter, order,
paging, grouping, buckets) are the builder's generated inputs. The entity types themselves
are :class:`~connector.graphql._build.SchemaBuilder`'s.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import strawberry

from connector.graphql import _resolvers as rs
from connector.graphql._common import PageInfo, lower_first, plural, signed_resolver, term
from connector.graphql._inputs import list_of
from connector.graphql._reads import NOTHING
from connector.graphql._scalars import PY_TYPES
from connector.graphql._stats import stats_types
from connector.model import EntityType

if TYPE_CHECKING:
    from connector.graphql._build import SchemaBuilder


def _connection(self: SchemaBuilder, entity: EntityType) -> Any:
    ns: dict[str, Any] = {
        "__annotations__": {"nodes": list_of(self.types[entity.name]), "page_info": PageInfo},
        "total_count": strawberry.field(
            resolver=signed_resolver(rs.total_count(entity, self), [], int),
            description="Number of rows matching the filter, all pages together.",
        ),
    }
    partitioned = self.partition(entity.name) is not None
    if partitioned:  # a gateway merging partitions resumes each one after its last row
        edge = _edge_type(entity, self.types[entity.name])
        ns["edges"] = strawberry.field(
            resolver=signed_resolver(rs.edges(edge), [], list_of(edge)),
            description="The rows of the page with each one's cursor (Relay).",
        )
        self.declared.declare(f"{entity.name}Connection", "edges", NOTHING)
        self.declared.declare(edge.__name__, "*", NOTHING)
    conn = strawberry.federation.type(
        type(f"{entity.name}Connection", (), ns),
        description=f"A page of {entity.name} rows.",
        shareable=partitioned,
    )
    self.connection_types[entity.name] = conn
    return conn


def _stats_types(self: SchemaBuilder, entity: EntityType, group_fields: tuple[str, ...]) -> Any:
    shareable = self.partition(entity.name) is not None
    group, stats = stats_types(entity, group_fields, shareable=shareable)
    self.group_types[entity.name] = group
    self.stats_types[entity.name] = stats
    return stats


def add_root_fields(self: SchemaBuilder, entity: EntityType, ns: dict[str, Any]) -> None:
    """``entities``, ``entity`` and (with numeric fields) ``entityStats`` in ``ns``, the
    Query type's namespace."""
    fields = self.node.mapped_fields(entity.name)
    key = entity.field(entity.key)
    conn = _connection(self, entity)
    list_params: list[tuple[str, Any, Any]] = [
        ("filter", self.filters[entity.name] | None, None),
        ("order_by", list_of(self.orders[entity.name]) | None, None),
        ("first", int | None, None),
        ("after", str | None, None),
    ]
    limits = self.node.config.limits
    self.declared.lists(entity, plural(entity.name), lower_first(entity.name))
    shareable = self.partition(entity.name) is not None
    ns[plural(entity.name)] = strawberry.federation.field(
        shareable=shareable,
        resolver=signed_resolver(rs.list_field(entity, self), list_params, conn | None),
        directives=[term(entity.iri)],
        description=f"{entity.description} Filtered, ordered and paged by the source; "
        f"`first` defaults to {limits.default_page_size}, "
        f"at most {limits.max_page_size}.",
    )
    ns[lower_first(entity.name)] = strawberry.federation.field(
        shareable=shareable,
        resolver=signed_resolver(
            rs.single_field(entity, self),
            [(key.name, PY_TYPES[key.type], inspect.Parameter.empty)],
            self.types[entity.name] | None,
        ),
        directives=[term(entity.iri)],
        description=f"One {entity.name} by its `{key.name}`.",
    )
    numeric = tuple(
        f for f in fields if entity.field(f).type in ("Int", "Float") and f != entity.key
    )
    if not numeric:
        return
    times = tuple(f for f in fields if entity.field(f).type == "DateTime")
    groupable = tuple(
        f for f in fields if f != entity.key and entity.field(f).type not in ("Float", "DateTime")
    )
    stats = _stats_types(self, entity, groupable)
    params: list[tuple[str, Any, Any]] = [
        ("filter", self.filters[entity.name] | None, None),
        (
            "field",
            self.inputs.enum(
                f"{entity.name}NumericField", numeric, f"Numeric fields of {entity.name}."
            ),
            inspect.Parameter.empty,
        ),
        (
            "group_by",
            list_of(
                self.inputs.enum(
                    f"{entity.name}GroupField",
                    groupable,
                    f"Fields {entity.name} rows can be grouped by.",
                )
            )
            | None,
            None,
        ),
        ("thresholds", list[float] | None, None),
    ]
    if times:
        params.append(("bucket", self.inputs.bucket(entity, times) | None, None))
    self.declared.stats(entity, lower_first(entity.name) + "Stats")
    ns[lower_first(entity.name) + "Stats"] = strawberry.federation.field(
        shareable=shareable,
        resolver=signed_resolver(rs.stats_field(entity, self), params, list_of(stats) | None),
        directives=[term("gui:StatisticalSummary")],
        description=f"Count, mean, min, max, sum of a numeric {entity.name} field and "
        "counts above thresholds, per group and time bucket, computed by "
        "the source in one statement.",
    )


def _edge_type(entity: EntityType, node_type: Any) -> Any:
    ns: dict[str, Any] = {
        "__annotations__": {"cursor": str | None, "node": node_type},
        "cursor": strawberry.field(
            description="Pass as `after` to get the rows after this one (null under "
            "pseudonyms, which a cursor would undo)."
        ),
    }
    return strawberry.federation.type(
        type(f"{entity.name}Edge", (), ns),
        description=f"A {entity.name} row of a page and its cursor.",
        shareable=True,
    )

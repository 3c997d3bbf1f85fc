"""The statistics types of an entity: its group (the values a group's rows share) and its
summary (count, mean, min, max, sum, counts above thresholds)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from connector.graphql._common import ThresholdCount, term
from connector.graphql._scalars import PY_TYPES
from connector.model import EntityType


def stats_types(
    entity: EntityType, group_fields: tuple[str, ...], *, shareable: bool = False
) -> tuple[Any, Any]:
    """``{Entity}Group`` and ``{Entity}Stats`` (``@shareable`` when the entity type is
    partitioned among several nodes)."""
    group_ns: dict[str, Any] = {"__annotations__": {}}
    for fname in group_fields:
        f = entity.field(fname)
        group_ns["__annotations__"][fname] = PY_TYPES[f.type] | None
        group_ns[fname] = strawberry.field(default=None, directives=[term(f.iri)])
    group = strawberry.federation.type(
        type(f"{entity.name}Group", (), group_ns),
        directives=[term("gui:Group")],
        description="The values the rows of a group share.",
        shareable=shareable,
    )
    ann = {
        "group": group | None,
        "bucket_start": datetime | None,
        "count": int,
        "mean": float | None,
        "min": float | None,
        "max": float | None,
        "sum": float | None,
        "above": list[ThresholdCount],
    }
    terms = {
        "group": "gui:group",
        "bucket_start": "gui:bucketStart",
        "count": "gui:count",
        "mean": "gui:mean",
        "min": "gui:minimum",
        "max": "gui:maximum",
        "sum": "gui:sum",
        "above": "gui:countAbove",
    }
    ns: dict[str, Any] = {"__annotations__": ann}
    for k in ann:
        ns[k] = strawberry.field(directives=[term(terms[k])])
    stats = strawberry.federation.type(
        type(f"{entity.name}Stats", (), ns),
        shareable=shareable,
        directives=[term("gui:StatisticalSummary")],
        description=f"Aggregates over {entity.name} rows, computed "
        "by the source (SQL), not row by row.",
    )
    return group, stats

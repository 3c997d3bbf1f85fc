"""Retention watched: for each dataset holding personal data, the rows its source still
holds beyond the record's declared ``retention`` (RGPD art. 5(1)(e), storage limitation).

A row's age is its entity's date: its first ``DateTime`` field (an observation's
``resultTime``), else its ``year`` (a year counts as past once it ended before the cut-off:
with P5Y on 2026-03-10, the cut-off is 2021-03-10 and years up to 2020 are overdue). An
entity with neither is said to be undated, not guessed. One aggregate statement per entity
type, run by the source (count and oldest of the rows before the cut-off), never the rows.
The node does not delete anything: the data stays at its holder, whose DPD acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from connector.config import DatasetConfig
from connector.config._texts import cutoff
from connector.dpd._context import AuditContext, authorise
from connector.model import ENTITIES, EntityType
from connector.sources.base import Aggregate, Condition, Measure

if TYPE_CHECKING:
    from connector.node import Node


@dataclass(frozen=True)
class RetentionStatus:
    """One entity type of one dataset: ``state`` is ``ok``, ``overdue`` (``overdue_rows``
    rows dated before ``cutoff``, the oldest ``oldest``) or ``undated``."""

    dataset: str
    dataset_title: str
    entity: str
    retention_iso: str
    field: str | None
    cutoff: str
    state: str
    overdue_rows: int
    oldest: str | None


def dated_field(entity: EntityType) -> str | None:
    for f in entity.fields:
        if f.type == "DateTime":
            return f.name
    return "year" if "year" in entity.field_names else None


async def retention_status(ctx: AuditContext, now: datetime | None = None) -> list[RetentionStatus]:
    """Every personal dataset's entity types against its declared retention."""
    await authorise(ctx, "retention", {})
    node = ctx.node
    clock = ctx.control.clock if ctx.control is not None else (lambda: datetime.now(UTC))
    moment = now or clock()  # the node's clock, as its decisions
    out: list[RetentionStatus] = []
    for ds in ctx.config.datasets.values():
        if not ds.personal_data or ds.processing is None or node is None:
            continue
        cut = cutoff(moment, ds.processing.retention)
        for name in ds.entities:
            if name in ctx.config.entities:  # not a computed field's dataset: rows are stored
                out.append(await _status(node, ds, ds.processing.retention, name, cut))
    return out


async def _status(
    node: Node, ds: DatasetConfig, retention: str, name: str, cut: datetime
) -> RetentionStatus:
    field = dated_field(ENTITIES[name])
    count, oldest = 0, None
    if field is not None:
        limit: object = cut if field != "year" else cut.year
        rows = await node.aggregate(
            Aggregate(
                entity=name,
                measures=(Measure("n", "count"), Measure("oldest", "min", field)),
                where=(Condition(field, "lt", limit),),
            )
        )
        count = int(str(rows[0].get("n") or 0)) if rows else 0
        found = rows[0].get("oldest") if rows else None
        oldest = None if found is None else str(found)
    return RetentionStatus(
        dataset=ds.id,
        dataset_title=ds.title,
        entity=name,
        retention_iso=retention,
        field=field,
        cutoff=cut.date().isoformat(),
        state="undated" if field is None else ("overdue" if count else "ok"),
        overdue_rows=count,
        oldest=oldest,
    )

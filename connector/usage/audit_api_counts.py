"""How many decisions, by party and by dataset, for the DPD's charts: counted by the
database (``GROUP BY``, see :mod:`connector.audit.counts`), never by reading entries.

    query { auditCounts(filter: {since: "2026-11-01T00:00:00Z"}) {
              total permit deny byParty { key label permit deny total } } }
"""

from __future__ import annotations

from collections.abc import Mapping

import strawberry

from connector.audit import Count as StoredCount
from connector.usage.audit_api_common import (
    AuditContext,
    AuditFilterInput,
    authorise,
    check_lang,
    checked_filter,
    filter_details,
)
from connector.usage.audit_api_datasets import node_labels


@strawberry.type(description="Decisions of one party or one dataset.")
class Count:
    key: str = strawberry.field(description="The party IRI or the dataset name.")
    label: str
    permit: int
    deny: int
    total: int = strawberry.field(description="All decisions (permit, deny and any other).")


@strawberry.type(
    description="Decisions matching a filter; an entry naming two datasets "
    "counts once in the totals and once for each dataset."
)
class AuditCounts:
    total: int
    permit: int
    deny: int
    by_party: list[Count]
    by_dataset: list[Count]


def _count(c: StoredCount, labels: Mapping[str, str]) -> Count:
    return Count(
        key=c.key, label=labels.get(c.key, c.key), permit=c.permit, deny=c.deny, total=c.total
    )


async def _audit_counts(
    info: strawberry.Info[AuditContext, None],
    filter: AuditFilterInput | None = None,
    lang: str | None = "fr",
) -> AuditCounts:
    ctx = info.context
    await authorise(ctx, "auditCounts", filter_details(filter))
    counts = await ctx.audit.counts(await checked_filter(ctx, filter))
    parties = node_labels(ctx.config, check_lang(lang))
    titles = {ds.id: ds.title for ds in ctx.config.datasets.values()}
    return AuditCounts(
        total=counts.total,
        permit=counts.permit,
        deny=counts.deny,
        by_party=[_count(c, parties) for c in counts.by_party],
        by_dataset=[_count(c, titles) for c in counts.by_dataset],
    )


@strawberry.type
class CountsQuery:
    audit_counts: AuditCounts = strawberry.field(
        resolver=_audit_counts,
        description="Decisions by party and by dataset, counted by the database.",
    )

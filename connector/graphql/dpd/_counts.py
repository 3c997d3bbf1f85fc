"""``auditCounts`` as GraphQL: decisions by party and by dataset, counted by the
database (see :func:`connector.dpd.audit_counts`).

    query { auditCounts(filter: {since: "2026-11-01T00:00:00Z"}) {
              total permit deny byParty { key label permit deny total } } }
"""

from __future__ import annotations

import strawberry

from connector import dpd
from connector.dpd import AuditContext
from connector.graphql.dpd._inputs import AuditFilterInput, filter_values


@strawberry.type(description="Decisions of one party or one dataset.")
class Count:
    key: str = strawberry.field(description="The party IRI or the dataset name.")
    label: str
    permit: int
    deny: int
    total: int = strawberry.field(description="All decisions (permit, deny and any other).")

    @classmethod
    def of(cls, c: dpd.Count) -> Count:
        return cls(key=c.key, label=c.label, permit=c.permit, deny=c.deny, total=c.total)


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


async def _audit_counts(
    info: strawberry.Info[AuditContext, None],
    filter: AuditFilterInput | None = None,
    lang: str | None = "fr",
) -> AuditCounts:
    counts = await dpd.audit_counts(info.context, filter_values(filter), lang)
    return AuditCounts(
        total=counts.total,
        permit=counts.permit,
        deny=counts.deny,
        by_party=[Count.of(c) for c in counts.by_party],
        by_dataset=[Count.of(c) for c in counts.by_dataset],
    )


@strawberry.type
class CountsQuery:
    audit_counts: AuditCounts = strawberry.field(
        resolver=_audit_counts,
        description="Decisions by party and by dataset, counted by the database.",
    )

"""The audit filter as a GraphQL input, and as the values :mod:`connector.dpd` checks."""

from __future__ import annotations

import strawberry

from connector.dpd import FilterValues


@strawberry.input(description="Entries matching every given criterion.")
class AuditFilterInput:
    party: str | None = None
    dataset: str | None = None
    decision: str | None = None
    purpose: str | None = None
    client_id: str | None = None
    since: str | None = strawberry.field(
        default=None,
        description="ISO 8601 date-time, inclusive (e.g. 2026-11-26T00:00:00Z; "
        "without an offset: UTC).",
    )
    until: str | None = strawberry.field(
        default=None, description="ISO 8601 date-time, exclusive (without an offset: UTC)."
    )
    entity: str | None = strawberry.field(
        default=None,
        description="Entries that read this entity: an RNB id, a room or sensor key, any "
        "entity's key (its rooms too: keys under it), pseudonymised or not.",
    )
    address: str | None = strawberry.field(
        default=None,
        description="Entries that read a building at this address (exactly as the register "
        "writes it), or anything about it.",
    )
    exclude_client_id: str | None = strawberry.field(
        default=None,
        description="Leave out this client's entries (the DPD console's own reads: "
        "`guichet-console` in the demo).",
    )


def filter_values(f: AuditFilterInput | None) -> FilterValues | None:
    """``f`` as the filter values :func:`connector.dpd.checked_filter` checks."""
    if f is None:
        return None
    return FilterValues(
        party=f.party,
        dataset=f.dataset,
        decision=f.decision,
        purpose=f.purpose,
        client_id=f.client_id,
        since=f.since,
        until=f.until,
        entity=f.entity,
        address=f.address,
        exclude_client_id=f.exclude_client_id,
    )

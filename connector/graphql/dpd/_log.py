"""The log's queries as GraphQL: ``auditLog``, ``auditExport``, ``auditChain``,
``whatIf``; each resolver delegates to :mod:`connector.dpd`.

    query { auditLog(filter: {decision: "deny"}, first: 20) {
              entries { seq time party datasets decision rule reason } endCursor } }
"""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Annotated

import strawberry

from connector import dpd
from connector.audit import StoredEntry
from connector.dpd import AuditContext
from connector.graphql.dpd._inputs import AuditFilterInput, filter_values


@strawberry.enum
class ExportFormat(enum.Enum):
    CSV = "csv"
    JSONLD = "jsonld"


@strawberry.type(description="One decision of the node (a prov:Activity).")
class AuditEntry:
    seq: int
    time: datetime
    node: str
    party: str
    client_id: str | None
    purpose: str | None
    operation_hash: str
    operation_name: str | None
    datasets: list[str]
    decision: str
    rule: str | None
    reason: str
    reason_code: str | None = strawberry.field(
        description="Why, as a stable code (`details.reasonCode`; none in older entries)."
    )
    duties: list[str]
    rows_returned: int | None
    details: str = strawberry.field(description="Further facts, canonical JSON.")
    previous_hash: str
    hash: str

    @classmethod
    def of(cls, e: StoredEntry) -> AuditEntry:
        return cls(
            seq=e.seq,
            time=e.time,
            node=e.node,
            party=e.party,
            client_id=e.client_id,
            purpose=e.purpose,
            operation_hash=e.operation_hash,
            operation_name=e.operation_name,
            datasets=list(e.datasets),
            decision=e.decision,
            rule=e.rule,
            reason=e.reason,
            reason_code=_code(e.details.get("reasonCode")),
            duties=list(e.duties),
            rows_returned=e.rows_returned,
            details=json.dumps(e.details, sort_keys=True, ensure_ascii=False),
            previous_hash=e.prev_hash,
            hash=e.hash,
        )


@strawberry.type
class AuditPage:
    entries: list[AuditEntry]
    end_cursor: int | None = strawberry.field(description="Pass as `after` for the next page.")
    has_next_page: bool


@strawberry.type
class ChainStatus:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problem: str | None = strawberry.field(description="The first bad entry and what is wrong.")
    bad_entry: int | None


@strawberry.type(description="What the node would decide (a dry run, not an access).")
class WhatIf:
    decision: str
    reason: str
    reason_code: str
    policy: str | None
    rule: str | None
    duties: list[str]


def _code(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def _audit_log(
    info: strawberry.Info[AuditContext, None],
    filter: AuditFilterInput | None = None,
    first: int = 100,
    after: int | None = None,
    newest_first: Annotated[
        bool,
        strawberry.argument(
            description="Newest entries first; `after` then pages towards older ones."
        ),
    ] = False,
) -> AuditPage:
    page = await dpd.audit_log(
        info.context, filter_values(filter), first=first, after=after, newest_first=newest_first
    )
    return AuditPage(
        entries=[AuditEntry.of(e) for e in page.entries],
        end_cursor=page.end_cursor,
        has_next_page=page.has_next_page,
    )


async def _audit_export(
    info: strawberry.Info[AuditContext, None],
    format: ExportFormat,
    filter: AuditFilterInput | None = None,
) -> str:
    fmt = dpd.ExportFormat(format.value)
    return await dpd.audit_export(info.context, fmt, filter_values(filter))


async def _audit_chain(info: strawberry.Info[AuditContext, None]) -> ChainStatus:
    s = await dpd.audit_chain(info.context)
    return ChainStatus(
        ok=s.ok,
        entries=s.entries,
        head_seq=s.head_seq,
        head_hash=s.head_hash,
        problem=s.problem,
        bad_entry=s.bad_entry,
    )


async def _what_if(
    info: strawberry.Info[AuditContext, None],
    party: str,
    dataset: str,
    purpose: str | None = None,
    action: str = "read",
    roles: list[str] | None = None,
    aggregation_level: str | None = None,
    group_size: int | None = None,
) -> WhatIf:
    d = await dpd.what_if(
        info.context,
        party=party,
        dataset=dataset,
        purpose=purpose,
        action=action,
        roles=roles or (),
        aggregation_level=aggregation_level,
        group_size=group_size,
    )
    return WhatIf(
        decision=d.decision,
        reason=d.reason,
        reason_code=d.reason_code,
        policy=d.policy,
        rule=d.rule,
        duties=list(d.duties),
    )


@strawberry.type
class LogQuery:
    audit_log: AuditPage = strawberry.field(
        resolver=_audit_log, description="Entries of this node's audit log, oldest first."
    )
    audit_export: str = strawberry.field(
        resolver=_audit_export,
        description="The matching entries as CSV, or JSON-LD in PROV-O terms.",
    )
    audit_chain: ChainStatus = strawberry.field(
        resolver=_audit_chain,
        description="Whether the hash chain is intact, else its first bad entry.",
    )
    what_if: WhatIf = strawberry.field(
        resolver=_what_if,
        description="The decision for a party, purpose, dataset and action, as a dry run: "
        "not counted as an access (the DPD's 'what if').",
    )

"""The DPD's access to a node's audit log: GraphQL at ``/audit/graphql`` and exports at
``/audit/export.csv`` and ``/audit/export.jsonld``.

Only callers holding the DPD role (``[usage] dpd_role``, default ``dpd``) read the log;
every read, and every refused attempt, is itself appended to the log. The endpoint is a
plain GraphQL schema, not part of the node's federated subgraph: each node answers for its
own log, and a console asks each node.

    query { auditLog(filter: {decision: "deny"}, first: 20) {
              entries { seq time party datasets decision rule reason } endCursor } }

The log's queries are here; the node, its datasets, policies and register are in
:mod:`.audit_api_datasets`, the counts in :mod:`.audit_api_counts`, what they share in
:mod:`.audit_api_common`.
"""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Annotated, Any

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.audit import (
    AuditLog,
    StoredEntry,
    export_csv,
    export_jsonld,
)
from connector.config import NodeConfig
from connector.errors import QueryError
from connector.identity import Identity
from connector.identity.asgi import caller
from connector.usage.audit_api_common import (
    AuditContext,
    AuditFilterInput,
    DpdRequest,
    Forbidden,
    authorise,
    checked_filter,
    filter_details,
    parse_moment,
)
from connector.usage.audit_api_counts import CountsQuery
from connector.usage.audit_api_datasets import DatasetsQuery

MAX_PAGE = 1000
FILTER_KEYS = ("party", "dataset", "decision", "purpose", "client_id", "since", "until")

__all__ = ["AUDIT_SCHEMA", "AuditContext", "AuditFilterInput", "Forbidden", "export_view"]


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


async def entries_for(
    ctx: AuditContext, f: AuditFilterInput | None, what: str, details: dict[str, Any]
) -> list[StoredEntry]:
    await authorise(ctx, what, details)
    checked = await checked_filter(ctx, f)
    return [e async for e in ctx.audit.entries(checked)]


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
    ctx: AuditContext = info.context
    if not 1 <= first <= MAX_PAGE:
        raise QueryError(f"first: expected 1 to {MAX_PAGE}, got {first}")
    await authorise(ctx, "auditLog", filter_details(filter))
    f = await checked_filter(ctx, filter)
    page = await ctx.audit.query(f, limit=first, after=after, newest_first=newest_first)
    more = False
    if len(page) == first:
        beyond = await ctx.audit.query(f, limit=1, after=page[-1].seq, newest_first=newest_first)
        more = bool(beyond)
    return AuditPage(
        entries=[AuditEntry.of(e) for e in page],
        end_cursor=page[-1].seq if page else None,
        has_next_page=more,
    )


async def _audit_export(
    info: strawberry.Info[AuditContext, None],
    format: ExportFormat,
    filter: AuditFilterInput | None = None,
) -> str:
    ctx: AuditContext = info.context
    found = await entries_for(
        ctx, filter, "auditExport", {"format": format.value, **filter_details(filter)}
    )
    if format is ExportFormat.CSV:
        return export_csv(found)
    return json.dumps(export_jsonld(found, ctx.config.base_iri), ensure_ascii=False)


async def _audit_chain(info: strawberry.Info[AuditContext, None]) -> ChainStatus:
    ctx: AuditContext = info.context
    await authorise(ctx, "auditChain", {})
    report = await ctx.audit.verify()
    return ChainStatus(
        ok=report.ok,
        entries=report.entries,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        problem=str(report.problem.message) if report.problem else None,
        bad_entry=report.problem.seq if report.problem else None,
    )


@strawberry.type(description="What the node would decide (a dry run, not an access).")
class WhatIf:
    decision: str
    reason: str
    policy: str | None
    rule: str | None
    duties: list[str]


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
    ctx = info.context
    if ctx.control is None:
        raise QueryError("this node enforces no policies (usage control is off)")
    await authorise(
        ctx,
        "whatIf",
        {"party": party, "dataset": dataset, "purpose": purpose, "askedAction": action},
    )
    who = Identity(
        party=party,
        purpose=purpose,
        roles=tuple(roles or ()),
        client_id="what-if",
        token_id="what-if",
    )
    d = await ctx.control.dry_run(who, dataset, action, aggregation_level, group_size)
    return WhatIf(
        decision=d.decision, reason=d.reason, policy=d.policy, rule=d.rule, duties=list(d.duties)
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


@strawberry.type
class Query(LogQuery, DatasetsQuery, CountsQuery):
    """The DPD's endpoint: the log, the node's datasets and register, counts."""


AUDIT_SCHEMA = strawberry.Schema(query=Query, extensions=[DpdRequest])


async def export_view(request: Request, config: NodeConfig, audit: AuditLog, fmt: str) -> Response:
    """``GET /audit/export.csv?party=...&dataset=...&since=...``: the same as
    ``auditExport``, for tools that want a file."""
    identity = caller(request)
    ctx = AuditContext(
        config,
        audit,
        identity,
        document=f"GET {request.url.path}",
        variables=dict(request.query_params),
    )
    try:
        args = dict(request.query_params)
        unknown = set(args) - set(FILTER_KEYS)
        if unknown:
            raise QueryError(
                f"unknown filter {sorted(unknown)[0]!r}; expected {', '.join(FILTER_KEYS)}"
            )
        f = AuditFilterInput(
            party=args.get("party"),
            dataset=args.get("dataset"),
            decision=args.get("decision"),
            purpose=args.get("purpose"),
            client_id=args.get("client_id"),
            since=args.get("since"),
            until=args.get("until"),
        )
        for name in ("since", "until"):
            parse_moment(name, args.get(name))
        found = await entries_for(ctx, f, "auditExport", {"format": fmt, **args})
    except Forbidden as exc:
        return JSONResponse({"error": str(exc)}, status_code=403)
    except QueryError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    if fmt == "csv":
        return Response(export_csv(found), media_type="text/csv; charset=utf-8")
    return JSONResponse(export_jsonld(found, config.base_iri), media_type="application/ld+json")

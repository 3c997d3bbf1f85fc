"""The DPD's queries of the log itself: a page of entries, an export, the chain's state,
and what the node would decide (a dry run).

>>> page = await audit_log(ctx, FilterValues(decision="deny"), first=20)  # doctest: +SKIP
>>> page.entries[0].reason, page.has_next_page  # doctest: +SKIP
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from connector.audit import StoredEntry, export_csv, export_jsonld
from connector.config import NodeConfig
from connector.dpd._context import AuditContext, authorise, usage_control
from connector.dpd._filter import FilterValues, checked_filter, filter_details
from connector.errors import QueryError
from connector.identity import Identity
from connector.usage.resources import resource_iris

MAX_PAGE = 1000


class ExportFormat(enum.Enum):
    CSV = "csv"
    JSONLD = "jsonld"


@dataclass(frozen=True)
class LogPage:
    """Entries of the log; ``end_cursor`` is the ``after`` of the next page."""

    entries: tuple[StoredEntry, ...]
    end_cursor: int | None
    has_next_page: bool


@dataclass(frozen=True)
class ChainStatus:
    """Whether the hash chain is intact, else its first bad entry and what is wrong."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    problem: str | None
    bad_entry: int | None


@dataclass(frozen=True)
class WhatIf:
    """What the node would decide (a dry run, not an access)."""

    decision: str
    reason: str
    reason_code: str
    policy: str | None
    rule: str | None
    duties: tuple[str, ...]


async def entries_for(
    ctx: AuditContext, f: FilterValues | None, what: str, details: dict[str, Any]
) -> list[StoredEntry]:
    """Every entry matching ``f``, once the read (``what``, ``details``) is authorised."""
    await authorise(ctx, what, details)
    checked = await checked_filter(ctx, f)
    return [e async for e in ctx.audit.entries(checked)]


async def audit_log(
    ctx: AuditContext,
    f: FilterValues | None = None,
    *,
    first: int = 100,
    after: int | None = None,
    newest_first: bool = False,
) -> LogPage:
    """``first`` entries matching ``f`` after the entry ``after``, oldest first (or
    newest first, ``after`` then paging towards older ones)."""
    if not 1 <= first <= MAX_PAGE:
        raise QueryError(f"first: expected 1 to {MAX_PAGE}, got {first}")
    await authorise(ctx, "auditLog", filter_details(f))
    checked = await checked_filter(ctx, f)
    page = await ctx.audit.query(checked, limit=first, after=after, newest_first=newest_first)
    more = False
    if len(page) == first:
        beyond = await ctx.audit.query(
            checked, limit=1, after=page[-1].seq, newest_first=newest_first
        )
        more = bool(beyond)
    return LogPage(
        entries=tuple(page),
        end_cursor=page[-1].seq if page else None,
        has_next_page=more,
    )


def export_text(entries: Sequence[StoredEntry], fmt: ExportFormat, config: NodeConfig) -> str:
    """``entries`` as CSV, or as JSON-LD in PROV-O terms (the datasets by the IRIs the
    node's ``/catalog`` publishes)."""
    if fmt is ExportFormat.CSV:
        return export_csv(entries)
    document = export_jsonld(entries, config.base_iri, resource_iris(config))
    return json.dumps(document, ensure_ascii=False)


async def audit_export(ctx: AuditContext, fmt: ExportFormat, f: FilterValues | None = None) -> str:
    """The entries matching ``f`` as CSV, or JSON-LD in PROV-O terms."""
    found = await entries_for(ctx, f, "auditExport", {"format": fmt.value, **filter_details(f)})
    return export_text(found, fmt, ctx.config)


async def audit_chain(ctx: AuditContext) -> ChainStatus:
    """Whether the hash chain is intact, else its first bad entry."""
    await authorise(ctx, "auditChain", {})
    key = ctx.control.pseudonym_key if ctx.control is not None else None
    report = await ctx.audit.verify(key=key)
    return ChainStatus(
        ok=report.ok,
        entries=report.entries,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        problem=str(report.problem.message) if report.problem else None,
        bad_entry=report.problem.seq if report.problem else None,
    )


async def what_if(
    ctx: AuditContext,
    *,
    party: str,
    dataset: str,
    purpose: str | None = None,
    action: str = "read",
    roles: Sequence[str] = (),
    aggregation_level: str | None = None,
    group_size: int | None = None,
) -> WhatIf:
    """The decision for a party, purpose, dataset and action, as a dry run: not counted
    as an access."""
    control = usage_control(ctx)
    await authorise(
        ctx,
        "whatIf",
        {"party": party, "dataset": dataset, "purpose": purpose, "askedAction": action},
    )
    who = Identity(
        party=party,
        purpose=purpose,
        roles=tuple(roles),
        client_id="what-if",
        token_id="what-if",
    )
    d = await control.dry_run(who, dataset, action, aggregation_level, group_size)
    return WhatIf(
        decision=str(d.outcome),
        reason=d.reason,
        reason_code=d.code,
        policy=d.policy,
        rule=d.rule,
        duties=tuple(d.duties),
    )

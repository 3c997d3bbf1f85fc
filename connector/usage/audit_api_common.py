"""What every query of the DPD's endpoint shares: its context, the role check that logs
each read, and the audit filter with its values checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import strawberry

from connector.audit import AuditFilter, AuditLog, AuditRecord, operation_hash
from connector.audit.record import DENY, PERMIT, is_iri
from connector.config import NodeConfig
from connector.errors import GuichetError, QueryError
from connector.identity import Identity
from connector.usage.control import UsageControl

LANGS = ("fr", "en")


class Forbidden(GuichetError):
    """The caller lacks the DPD role."""

    extensions: ClassVar[dict[str, str]] = {"code": "FORBIDDEN"}


@dataclass
class AuditContext:
    config: NodeConfig
    audit: AuditLog
    identity: Identity
    document: str = ""
    variables: dict[str, Any] | None = None
    control: UsageControl | None = None


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


async def authorise(ctx: AuditContext, what: str, details: dict[str, Any]) -> None:
    """Refuse non-DPD callers; log the read or the refusal."""
    await ctx.audit.setup()
    allowed = ctx.config.usage.dpd_role in ctx.identity.roles
    await ctx.audit.append(
        AuditRecord(
            party=ctx.identity.party,
            client_id=ctx.identity.client_id,
            purpose=ctx.identity.purpose,
            decision="permit" if allowed else "deny",
            operation_hash=operation_hash(ctx.document, ctx.variables or {}),
            operation_name=what,
            reason=(
                f"{what}: the DPD read the audit log"
                if allowed
                else f"{what}: refused, the caller lacks the role {ctx.config.usage.dpd_role!r}"
            ),
            details={"action": "auditRead", **details},
        )
    )
    if not allowed:
        raise Forbidden(f"reading the audit log needs the role {ctx.config.usage.dpd_role!r}")


def filter_details(f: AuditFilterInput | None) -> dict[str, Any]:
    if f is None:
        return {}
    return {k: v for k, v in vars(f).items() if v is not None}


def check_lang(lang: str | None) -> str:
    """``lang`` if it is one we write (``None``: French)."""
    if lang is None:
        return "fr"
    if lang not in LANGS:
        raise QueryError(f"lang: expected {' or '.join(LANGS)}, got {lang!r}")
    return lang


def parse_moment(name: str, text: str | None) -> datetime | None:
    """``text`` as a timezone-aware date-time (UTC when it has no offset)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError(
            f"{name}: expected an ISO 8601 date-time such as 2026-11-26T00:00:00Z, got {text!r}"
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def checked_filter(ctx: AuditContext, f: AuditFilterInput | None) -> AuditFilter:
    """``f`` as a filter of the log, or a :class:`QueryError` naming the field, what was
    expected and what came: a decision the log does not hold, a party or purpose that is
    not an IRI, a dataset neither configured nor logged, ``since`` not before ``until``."""
    if f is None:
        return AuditFilter()
    if f.decision is not None:
        known = {PERMIT, DENY} | await ctx.audit.decisions()
        if f.decision not in known:
            raise QueryError(
                f"filter.decision: expected one of {', '.join(sorted(known))}, got {f.decision!r}"
            )
    for name in ("party", "purpose"):
        value = getattr(f, name)
        if value is not None and not is_iri(value):
            raise QueryError(f"filter.{name}: expected an absolute IRI, got {value!r}")
    if f.dataset is not None:
        known = set(ctx.config.datasets) | await ctx.audit.dataset_names()
        if f.dataset not in known:
            raise QueryError(
                f"filter.dataset: expected one of {', '.join(sorted(known))}, got {f.dataset!r}"
            )
    since = parse_moment("filter.since", f.since)
    until = parse_moment("filter.until", f.until)
    if since is not None and until is not None and not since < until:
        raise QueryError(
            f"filter.until: expected a date-time after filter.since ({since.isoformat()}), "
            f"got {until.isoformat()}"
        )
    return AuditFilter(
        party=f.party,
        dataset=f.dataset,
        decision=f.decision,
        purpose=f.purpose,
        client_id=f.client_id,
        since=since,
        until=until,
    )

"""What every query of the DPD's endpoint shares: its context, the role check that logs
each request (one entry naming every field asked, whatever their number), and the audit
filter with its values checked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import anyio
import strawberry
from graphql import DocumentNode, FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from connector.audit import AuditFilter, AuditLog, AuditRecord, operation_hash
from connector.audit.record import DENY, PERMIT, is_iri
from connector.config import NodeConfig
from connector.errors import GuichetError, QueryError
from connector.identity import Identity
from connector.usage.control import UsageControl
from policies.explain import Lang

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
    fields: tuple[str, ...] = ()
    read_lock: anyio.Lock = field(default_factory=anyio.Lock)
    read_allowed: bool | None = None


def root_fields(document: DocumentNode | None, operation: str | None) -> tuple[str, ...]:
    """The root fields the executed operation of ``document`` asks for."""
    names: list[str] = []
    for d in document.definitions if document else ():
        if isinstance(d, OperationDefinitionNode) and (
            operation is None or (d.name is not None and d.name.value == operation)
        ):
            names += [
                s.name.value
                for s in d.selection_set.selections
                if isinstance(s, FieldNode) and s.name.value != "__typename"
            ]
            break
    return tuple(dict.fromkeys(names))


class DpdRequest(SchemaExtension):
    """Hands the request's document, variables and root fields to :func:`authorise`, so a
    request asking several fields is one entry of the log, and its hash is the query's."""

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        ctx = ec.context
        if isinstance(ctx, AuditContext):
            ctx.document = ec.query or ""
            ctx.variables = dict(ec.variables or {})
            ctx.fields = root_fields(ec.graphql_document, ec.operation_name)
        yield


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
    """Refuse non-DPD callers; log the read or the refusal, once per request: the first
    field to get here writes the entry, naming every root field of the request."""
    async with ctx.read_lock:
        if ctx.read_allowed is None:
            ctx.read_allowed = await _log_read(ctx, what, details)
    if not ctx.read_allowed:
        raise Forbidden(f"reading the audit log needs the role {ctx.config.usage.dpd_role!r}")


async def _log_read(ctx: AuditContext, what: str, details: dict[str, Any]) -> bool:
    await ctx.audit.setup()
    allowed = ctx.config.usage.dpd_role in ctx.identity.roles
    if len(ctx.fields) > 1:
        what = ", ".join(ctx.fields)
        details = {"fields": list(ctx.fields), **details}
        if ctx.variables:
            details["variables"] = ctx.variables
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
    return allowed


def filter_details(f: AuditFilterInput | None) -> dict[str, Any]:
    if f is None:
        return {}
    return {k: v for k, v in vars(f).items() if v is not None}


def check_lang(lang: str | None) -> Lang:
    """``lang`` if it is one we write (``None``: French)."""
    if lang is not None and lang not in LANGS:
        raise QueryError(f"lang: expected {' or '.join(LANGS)}, got {lang!r}")
    return "en" if lang == "en" else "fr"


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
    if f.decision is not None and f.decision not in (PERMIT, DENY):
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

"""What every query of the DPD's endpoint shares: its context, and the role check that
logs each request (one entry naming every field asked, whatever their number)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import anyio

from connector.audit import AuditLog, AuditRecord, Outcome, canonical_json, operation_hash
from connector.audit.canonical import canonical_bytes, sha256_hex
from connector.config import NodeConfig
from connector.errors import AuditError, GuichetError, QueryError
from connector.identity import Identity
from connector.usage import Action, UsageControl, Use
from connector.usage.resources import AUDIT_LOG, AUDIT_SUMMARY

if TYPE_CHECKING:
    from connector.node import Node


class Forbidden(GuichetError):
    """The caller lacks the DPD role."""

    extensions: ClassVar[dict[str, str]] = {"code": "FORBIDDEN"}


@dataclass
class AuditContext:
    """One request of the DPD: the node, its log, the caller, and what the request asked
    (``document``, ``variables``, its root ``fields``: set by the GraphQL layer before any
    field runs). Not a value: the first field to be authorised records the decision for
    the others (``read_allowed``, under ``read_lock``)."""

    config: NodeConfig
    audit: AuditLog
    identity: Identity
    document: str = ""
    variables: dict[str, Any] | None = None
    control: UsageControl | None = None
    fields: tuple[str, ...] = ()
    node: Node | None = None  # the node's sources, for the retention watch
    read_lock: anyio.Lock = field(default_factory=anyio.Lock)
    read_allowed: bool | None = None


async def authorise(
    ctx: AuditContext, what: str, details: dict[str, Any], *, resource: str = AUDIT_LOG
) -> None:
    """Refuse callers the ``resource``'s policy does not let read it (the audit log: the
    DPD role; its usage summary: the families' page's role too); log the read or the
    refusal, once per request: the first field to get here writes the entry, naming every
    root field of the request."""
    async with ctx.read_lock:
        if ctx.read_allowed is None:
            ctx.read_allowed = await _log_read(ctx, what, details, resource)
    if not ctx.read_allowed:
        raise Forbidden(_refused(ctx, resource))


def _refused(ctx: AuditContext, resource: str) -> str:
    usage = ctx.config.usage
    if resource == AUDIT_SUMMARY:
        return (
            f"reading the usage summary needs the role {usage.transparency_role!r} "
            f"or {usage.dpd_role!r}"
        )
    return f"reading the audit log needs the role {usage.dpd_role!r}"


async def _log_read(ctx: AuditContext, what: str, details: dict[str, Any], resource: str) -> bool:
    await ctx.audit.setup()
    use = Use(dataset=resource, action=Action.READ)  # the one decision, on the resource
    decided = (await usage_control(ctx).decide(ctx.identity, [use])).decision(use)
    allowed, rule = decided.permitted, decided.rule
    if len(ctx.fields) > 1:
        what = ", ".join(ctx.fields)
        details = {"fields": list(ctx.fields), **details}
        if ctx.variables:
            details["variables"] = _loggable(ctx.variables)
    await ctx.audit.append(
        AuditRecord(
            party=ctx.identity.party,
            client_id=ctx.identity.client_id,
            purpose=ctx.identity.purpose,
            decision=Outcome.PERMIT if allowed else Outcome.DENY,
            operation_hash=operation_hash(ctx.document, ctx.variables or {}),
            operation_name=what,
            rule=rule,
            reason=_reason(ctx, what, resource, allowed=allowed),
            details={
                "action": "auditRead",
                "reasonCode": "audit-read" if allowed else "audit-forbidden",
                **details,
            },
        )
    )
    return allowed


def _reason(ctx: AuditContext, what: str, resource: str, *, allowed: bool) -> str:
    if resource == AUDIT_SUMMARY:
        return f"{what}: " + ("read the usage summary" if allowed else _refused(ctx, resource))
    if allowed:
        return f"{what}: the DPD read the audit log"
    return f"{what}: refused, the caller lacks the role {ctx.config.usage.dpd_role!r}"


def _loggable(variables: dict[str, Any]) -> Any:
    """The caller's variables as the entry can hold them: canonical JSON refuses what it
    cannot write exactly (NaN, integers beyond 2**53), so those stand as their SHA-256."""
    try:
        canonical_json(variables, where="variables")
    except AuditError:
        return {"unrepresentable": sha256_hex(canonical_bytes(variables, strict=False))}
    return variables


def usage_control(ctx: AuditContext) -> UsageControl:
    """The node's usage control, or a :class:`QueryError` when the node enforces none."""
    if ctx.control is None:
        raise QueryError("this node enforces no policies (usage control is off)")
    return ctx.control

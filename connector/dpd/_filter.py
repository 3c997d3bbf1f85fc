"""The audit filter a DPD asks for, checked: every field named in the error that refuses
it, with what was expected and what came."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from connector.audit import AuditFilter
from connector.audit.record import Outcome, is_iri
from connector.dpd._context import AuditContext
from connector.errors import QueryError
from connector.sources.base import Condition, Select
from connector.usage.decision import search_keys
from policies.explain import Lang

LANGS = ("fr", "en")
FILTER_KEYS = (
    "party",
    "dataset",
    "decision",
    "purpose",
    "client_id",
    "since",
    "until",
    "entity",
    "address",
    "exclude_client_id",
)


@dataclass(frozen=True)
class FilterValues:
    """The filter as asked: entries matching every given criterion; ``since`` (inclusive)
    and ``until`` (exclusive) are ISO 8601 date-times, UTC without an offset."""

    party: str | None = None
    dataset: str | None = None
    decision: str | None = None
    purpose: str | None = None
    client_id: str | None = None
    since: str | None = None
    until: str | None = None
    entity: str | None = None
    address: str | None = None
    exclude_client_id: str | None = None


def filter_details(f: FilterValues | None) -> dict[str, Any]:
    """The criteria given, for the log entry of the read."""
    if f is None:
        return {}
    return {k: v for k, v in asdict(f).items() if v is not None}


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


async def checked_filter(ctx: AuditContext, f: FilterValues | None) -> AuditFilter:
    """``f`` as a filter of the log, or a :class:`QueryError` naming the field, what was
    expected and what came: a decision the log does not hold, a party or purpose that is
    not an IRI, a dataset neither configured nor logged, ``since`` not before ``until``."""
    if f is None:
        return AuditFilter()
    if f.decision is not None and f.decision not in tuple(Outcome):
        known = set(Outcome) | await ctx.audit.decisions()
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
        keys=await _keys(ctx, f),
        exclude_client_id=f.exclude_client_id,
    )


async def _keys(ctx: AuditContext, f: FilterValues) -> tuple[str, ...]:
    """The keys an access to ``f.entity`` or to the building at ``f.address`` left in the
    entries (:func:`connector.usage.decision.search_keys`); none asked: no condition."""
    wanted: list[str] = []
    if f.entity is not None:
        if not f.entity.strip():
            raise QueryError("filter.entity: expected an entity key such as an RNB id, got ''")
        wanted.append(f.entity.strip())
    if f.address is not None:
        buildings = await _at_address(ctx, f.address)
        if not buildings:
            raise QueryError(f"filter.address: no building of this node at {f.address!r}")
        wanted += buildings
    if not wanted:
        return ()
    key = ctx.control.pseudonym_key if ctx.control is not None else None
    entities = tuple(ctx.config.entities)
    return tuple(k for value in wanted for k in search_keys(key, entities, value))


async def _at_address(ctx: AuditContext, address: str) -> list[str]:
    """The RNB ids of this node's buildings at ``address`` (exactly as the register writes
    it), found by the source."""
    node = ctx.node
    if node is None or "Building" not in ctx.config.entities:
        raise QueryError("filter.address: this node holds no buildings to look the address up")
    if "address" not in ctx.config.entities["Building"].fields:
        raise QueryError("filter.address: this node's buildings have no address")
    where = (Condition("address", "eq", address.strip()),)
    rows = await node.select(Select(entity="Building", fields=("rnbId",), where=where))
    return [str(r["rnbId"]) for r in rows]

"""How many decisions, by party and by dataset, for the DPD's charts: counted by the
database (``GROUP BY``, see :mod:`connector.audit.counts`), never by reading entries.

>>> counts = await audit_counts(ctx, FilterValues(since="2026-11-01T00:00:00Z"))  # doctest: +SKIP
>>> counts.total, [(c.label, c.deny) for c in counts.by_party]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from connector.audit import Count as StoredCount
from connector.dpd._context import AuditContext, authorise
from connector.dpd._filter import FilterValues, check_lang, checked_filter, filter_details
from connector.dpd._node import node_labels


@dataclass(frozen=True)
class Count:
    """Decisions of one party or one dataset (``key``: the party IRI or the dataset
    name); ``total`` counts every decision (permit, deny and any other)."""

    key: str
    label: str
    permit: int
    deny: int
    total: int


@dataclass(frozen=True)
class AuditCounts:
    """Decisions matching a filter; an entry naming two datasets counts once in the totals
    and once for each dataset."""

    total: int
    permit: int
    deny: int
    by_party: tuple[Count, ...]
    by_dataset: tuple[Count, ...]


def _count(c: StoredCount, labels: Mapping[str, str]) -> Count:
    return Count(
        key=c.key, label=labels.get(c.key, c.key), permit=c.permit, deny=c.deny, total=c.total
    )


async def audit_counts(
    ctx: AuditContext, f: FilterValues | None = None, lang: str | None = "fr"
) -> AuditCounts:
    """Decisions matching ``f`` by party and by dataset, counted by the database."""
    await authorise(ctx, "auditCounts", filter_details(f))
    counts = await ctx.audit.counts(await checked_filter(ctx, f))
    parties = node_labels(ctx.config, check_lang(lang))
    titles = {ds.id: ds.title for ds in ctx.config.datasets.values()}
    return AuditCounts(
        total=counts.total,
        permit=counts.permit,
        deny=counts.deny,
        by_party=tuple(_count(c, parties) for c in counts.by_party),
        by_dataset=tuple(_count(c, titles) for c in counts.by_dataset),
    )

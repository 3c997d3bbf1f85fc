"""How many entries, by decision, party and dataset: ``GROUP BY`` in the database.

Per-dataset counts join ``{table}_datasets`` (one row per dataset an entry names), so an
entry naming two datasets counts once for each dataset and once in the totals.

>>> counts = await log.counts(AuditFilter(since=monday))  # doctest: +SKIP
>>> counts.by_party[0].key, counts.by_party[0].deny       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from connector.audit.record import AuditFilter, Outcome
from connector.audit.verify import Problem

if TYPE_CHECKING:
    from connector.audit.reads import LogReads


@dataclass(frozen=True)
class Count:
    """Entries of one party (or one dataset): permitted, denied, and all decisions."""

    key: str
    permit: int
    deny: int
    total: int


@dataclass(frozen=True)
class Counts:
    total: int
    permit: int
    deny: int
    by_party: tuple[Count, ...]
    by_dataset: tuple[Count, ...]


def _tally(column: sa.ColumnElement[str], decision: str) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((column == decision, 1), else_=0)), 0)


async def group_counts(log: LogReads, filters: AuditFilter | None = None) -> Counts:
    """Two statements: one grouped by party, one by dataset (the totals are the sums of the
    per-party groups, since each entry has exactly one party)."""
    f = filters or AuditFilter()
    t, d = log.table, log.datasets
    where = log._conditions(f)
    tallies = (
        _tally(t.c.decision, Outcome.PERMIT).label("permit"),
        _tally(t.c.decision, Outcome.DENY).label("deny"),
        sa.func.count().label("total"),
    )
    parties = await log._fetch(
        sa.select(t.c.party.label("key"), *tallies).where(*where).group_by(t.c.party)
    )
    datasets = await log._fetch(
        sa.select(d.c.dataset.label("key"), *tallies)
        .select_from(t.join(d, d.c.seq == t.c.seq))
        .where(*where)
        .group_by(d.c.dataset)
    )
    by_party, by_dataset = _counts(parties), _counts(datasets)
    return Counts(
        total=sum(c.total for c in by_party),
        permit=sum(c.permit for c in by_party),
        deny=sum(c.deny for c in by_party),
        by_party=by_party,
        by_dataset=by_dataset,
    )


def _counts(rows: Collection[sa.RowMapping]) -> tuple[Count, ...]:
    found = [Count(str(r["key"]), int(r["permit"]), int(r["deny"]), int(r["total"])) for r in rows]
    return tuple(sorted(found, key=lambda c: (-c.total, c.key)))


async def per_dataset(
    log: LogReads, filters: AuditFilter, datasets: Collection[str]
) -> dict[str, int]:
    """How many entries matching ``filters`` name each of ``datasets`` (0 when none), in one
    grouped statement: the daily quota counters of a request."""
    if not datasets:
        return {}
    t, d = log.table, log.datasets
    rows = await log._fetch(
        sa.select(d.c.dataset, sa.func.count().label("n"))
        .select_from(t.join(d, d.c.seq == t.c.seq))
        .where(*log._conditions(filters), d.c.dataset.in_(sorted(datasets)))
        .group_by(d.c.dataset)
    )
    found = {str(r["dataset"]): int(r["n"]) for r in rows}
    return {name: found.get(name, 0) for name in datasets}


async def distinct_values(log: LogReads, what: str) -> set[str]:
    """The decisions (``what="decision"``) or datasets (``"dataset"``) the log holds."""
    column = log.datasets.c.dataset if what == "dataset" else log.table.c.decision
    rows = await log._fetch(sa.select(column.label("value")).distinct())
    return {str(r["value"]) for r in rows}


async def index_problem(
    log: LogReads, *, chunk: int = 1000, upto: int | None = None
) -> Problem | None:
    """The first entry whose rows in ``{table}_datasets`` are not the datasets it names
    (the index is not hashed: counts would silently lie if it were edited). A log whose
    index was never built (no node started on it since) has nothing to check. ``upto``:
    the last entry the chain walk verified; entries the node appends while this runs are
    left for the next check (reading them half-written would be a false alarm)."""
    t, d = log.table, log.datasets
    async with log._guard("cannot read the audit log"), log.engine.connect() as conn:
        built = await conn.run_sync(lambda sync: sa.inspect(sync).has_table(d.name))
    if not built:
        return None
    after = 0
    while True:
        main = sa.select(t.c.seq, t.c.datasets).where(t.c.seq > after)
        if upto is not None:
            main = main.where(t.c.seq <= upto)
        rows = await log._fetch(main.order_by(t.c.seq).limit(chunk))
        last = int(rows[-1]["seq"]) if rows else None
        stmt = sa.select(d.c.seq, d.c.dataset).where(d.c.seq > after)
        if upto is not None:
            stmt = stmt.where(d.c.seq <= upto)
        if last is not None and len(rows) == chunk:
            stmt = stmt.where(d.c.seq <= last)
        indexed: dict[int, set[str]] = {}
        for r in await log._fetch(stmt):
            indexed.setdefault(int(r["seq"]), set()).add(str(r["dataset"]))
        for r in rows:
            seq, named = int(r["seq"]), set(str(r["datasets"]).split())
            if indexed.pop(seq, set()) != named:
                return Problem(
                    "altered",
                    seq,
                    f"ALTERED dataset index of entry #{seq}: it does not list exactly the "
                    f"datasets the entry names ({', '.join(sorted(named)) or 'none'})",
                )
        if indexed:
            seq = min(indexed)
            return Problem(
                "removed",
                seq,
                f"REMOVED entries from #{seq}: the dataset index still lists entry #{seq}",
            )
        if len(rows) < chunk:
            return await _orphans(log, upto) if upto is not None else None
        after = int(rows[-1]["seq"])


async def _orphans(log: LogReads, upto: int) -> Problem | None:
    """Index rows past ``upto`` with no entry: one statement (one snapshot), so an entry
    the node appends meanwhile, written with its index rows in one transaction, is never
    taken for a removal; entries cut from the end but left in the index are."""
    t, d = log.table, log.datasets
    missing = ~sa.exists(sa.select(t.c.seq).where(t.c.seq == d.c.seq))
    rows = await log._fetch(
        sa.select(sa.func.min(d.c.seq).label("seq")).where(d.c.seq > upto, missing)
    )
    seq = rows[0]["seq"] if rows else None
    if seq is None:
        return None
    return Problem(
        "removed",
        int(seq),
        f"REMOVED entries from #{seq}: the dataset index still lists entry #{seq}",
    )


@dataclass(frozen=True)
class UseCount:
    """Entries naming ``dataset`` by one party for one purpose (``None``: none declared)."""

    dataset: str
    party: str
    purpose: str | None
    permit: int
    deny: int


async def use_counts(log: LogReads, filters: AuditFilter | None = None) -> tuple[UseCount, ...]:
    """Entries matching ``filters`` grouped by dataset, party and purpose, in one statement;
    entries naming no dataset (the log's own reads) are not counted."""
    t, d = log.table, log.datasets
    rows = await log._fetch(
        sa.select(
            d.c.dataset,
            t.c.party,
            t.c.purpose,
            _tally(t.c.decision, Outcome.PERMIT).label("permit"),
            _tally(t.c.decision, Outcome.DENY).label("deny"),
        )
        .select_from(t.join(d, d.c.seq == t.c.seq))
        .where(*log._conditions(filters or AuditFilter()))
        .group_by(d.c.dataset, t.c.party, t.c.purpose)
    )
    return tuple(
        UseCount(
            dataset=str(r["dataset"]),
            party=str(r["party"]),
            purpose=None if r["purpose"] is None else str(r["purpose"]),
            permit=int(r["permit"]),
            deny=int(r["deny"]),
        )
        for r in rows
    )

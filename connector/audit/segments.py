"""The audit log's own retention: entries older than ``[register] audit_retention`` are
removed without breaking the chain (``guichet audit prune``).

Pruning first verifies the chain (a broken log is evidence: it is never pruned), then
appends a **segment entry** — ``details.action = "prune"``, the first and last numbers
removed, the hash of the last one (the old head the kept chain starts from), the cut-off,
and an HMAC-SHA-256 signature of those facts under the node's secret key (the key of its
pseudonyms) — and only then deletes the entries, lifting the append-only triggers for that
one transaction. Verification (:func:`connector.audit.verify.verify_chain`) starts a log
whose first entry is not #1 from the segment entry that vouches for the gap: same last
number, same old head, and, when the key is known, a valid signature. Anyone able to write
the database could append a forged segment entry; the signature is what they cannot make.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from connector.audit import _schema
from connector.audit.canonical import canonical_bytes, sha256_hex
from connector.audit.record import AuditRecord, Outcome, format_time
from connector.errors import AuditError

if TYPE_CHECKING:
    from connector.audit.log import AuditLog

PRUNE = "prune"
FACTS = ("removedFrom", "removedTo", "removedHead", "before")


def signature(key: bytes, facts: Mapping[str, Any]) -> str:
    """The HMAC-SHA-256 of a segment's facts (:data:`FACTS`) under the node's key."""
    signed = {k: facts[k] for k in FACTS}
    return hmac.new(key, canonical_bytes(signed), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Pruned:
    """What a prune removed: entries ``first``..``last`` (``count`` of them), the chain now
    starting after ``head``; ``segment`` is the number of the segment entry."""

    first: int
    last: int
    count: int
    head: str
    segment: int


async def prune(log: AuditLog, *, before: datetime, key: bytes, party: str) -> Pruned | None:
    """Remove the entries older than ``before`` (see the module docstring); None when
    there are none."""
    report = await log.verify()
    if not report.ok:
        raise AuditError(
            f"the chain is broken ({report}): pruning would destroy the evidence; "
            "draft the notification first (guichet audit notice)"
        )
    t = log.table
    kept = await log._fetch(
        sa.select(sa.func.min(t.c.seq).label("s")).where(t.c.time >= format_time(before))
    )
    low_rows = await log._fetch(sa.select(sa.func.min(t.c.seq).label("s")))
    low = low_rows[0]["s"]
    first_kept = kept[0]["s"]
    if low is None:
        return None
    last = int(first_kept) - 1 if first_kept is not None else report.head_seq
    if last < int(low):
        return None
    (head_row,) = await log._fetch(sa.select(t.c.hash).where(t.c.seq == last))
    facts: dict[str, Any] = {
        "removedFrom": int(low),
        "removedTo": last,
        "removedHead": str(head_row["hash"]),
        "before": format_time(before),
    }
    facts["signature"] = signature(key, facts)
    segment = await log.append(
        AuditRecord(
            party=party,
            decision=Outcome.PERMIT,
            operation_hash=sha256_hex(canonical_bytes(facts)),
            operation_name=PRUNE,
            reason=(
                f"audit log pruned under its retention: entries #{low} to #{last}, "
                f"older than {facts['before']}, removed; the chain goes on from #{last}'s hash"
            ),
            details={"action": PRUNE, "reasonCode": "audit-pruned", **facts},
        )
    )
    await _delete_through(log, last)
    return Pruned(int(low), last, last - int(low) + 1, facts["removedHead"], segment.seq)


async def _delete_through(log: AuditLog, last: int) -> None:
    """Delete entries up to ``last`` and their index rows, the append-only triggers lifted
    for this one transaction (and put back in it)."""
    names = (log.table.name, log.datasets.name)
    async with log._guard("cannot prune the audit log"), log._writer.begin() as conn:
        await log._serialise(conn)
        for name in names:
            if log.dialect == "sqlite":
                for verb in ("update", "delete"):
                    await conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}_no_{verb}")
            else:
                await conn.exec_driver_sql(f"ALTER TABLE {name} DISABLE TRIGGER {name}_append_only")
        await conn.execute(sa.delete(log.datasets).where(log.datasets.c.seq <= last))
        await conn.execute(sa.delete(log.table).where(log.table.c.seq <= last))
        for name in names:
            if log.dialect == "sqlite":
                for statement in _schema.append_only_ddl(name, log.dialect):
                    await conn.exec_driver_sql(statement)
            else:
                await conn.exec_driver_sql(f"ALTER TABLE {name} ENABLE TRIGGER {name}_append_only")

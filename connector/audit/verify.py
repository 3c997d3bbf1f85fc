"""Verification of the audit chain: the first altered, removed or reordered entry, if any.

The chain is read in ``seq`` order, a chunk at a time (memory stays bounded whatever the
length of the log). For each row:

1. its ``seq`` must follow the previous one — a gap means entries were **removed** (or
   **reordered**, if the missing predecessor is still in the table under another number);
2. its content must re-hash to its stored ``hash`` — otherwise the entry was **altered**,
   unless its content hashes correctly under another sequence number that its
   ``prev_hash`` link points to, in which case it was **reordered** (moved);
3. its ``prev_hash`` must be the previous entry's ``hash`` — otherwise the previous entry
   was rewritten with a recomputed hash (**altered**), or moved here (**reordered**).

Entries cut from the *end* of the log leave no trace in the chain itself: compare the
head with one recorded earlier (``expect_head``), which turns that into **removed** too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from connector.audit.record import GENESIS, StoredEntry
from connector.audit.segments import signature

if TYPE_CHECKING:
    from connector.audit._schema import Decoded

ProblemKind = Literal["altered", "removed", "reordered"]
MAX_WALK = 256


class ChainReader(Protocol):
    """What verification needs from the log (implemented by :class:`AuditLog`)."""

    async def rows_after(self, seq: int, limit: int) -> list[Decoded]: ...

    async def row_with_hash(self, digest: str) -> Decoded | None: ...

    async def segments(self) -> list[Mapping[str, object]]: ...


@dataclass(frozen=True)
class Problem:
    """What is wrong, and where: ``seq`` is the first sequence number concerned (for
    removals ``seq``..``last`` are the missing numbers)."""

    kind: ProblemKind
    seq: int
    message: str
    last: int | None = None
    stored: str | None = None
    recomputed: str | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class VerifyReport:
    """``entries`` verified before the problem (all of them when ``ok``), the last good
    entry (``head_seq``, ``head_hash``) and the first ``problem``, if any."""

    entries: int
    head_seq: int
    head_hash: str
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def __str__(self) -> str:
        if self.problem is not None:
            return self.problem.message
        return f"ok: {self.entries} entries, chain intact, head {self.head_hash}"


async def verify_chain(
    reader: ChainReader,
    *,
    expect_head: str | None = None,
    chunk: int = 1000,
    key: bytes | None = None,
) -> VerifyReport:
    """Check the whole chain; see the module docstring for the rules. A log pruned under
    its retention starts from the segment entry that vouches for the entries removed
    (:mod:`connector.audit.segments`; its signature checked when ``key`` is given)."""
    count, prev_seq, prev_hash = 0, 0, GENESIS
    start = await _pruned_start(reader, key)
    if isinstance(start, Problem):
        return VerifyReport(0, 0, GENESIS, start)
    if start is not None:
        prev_seq, prev_hash = start
    anchored = expect_head is None or expect_head in (GENESIS, prev_hash)
    after = 0
    while True:
        rows = await reader.rows_after(after, chunk)
        for row in rows:
            problem = await _check(reader, row, prev_seq, prev_hash)
            if problem is not None:
                return VerifyReport(count, prev_seq, prev_hash, problem)
            count, prev_seq, prev_hash = count + 1, row.seq, row.hash
            anchored = anchored or row.hash == expect_head
        if len(rows) < chunk:
            break
        after = rows[-1].seq
    if not anchored:
        message = (
            f"REMOVED entries after #{prev_seq}: the expected head {expect_head} "
            "is no longer in the log"
        )
        return VerifyReport(count, prev_seq, prev_hash, Problem("removed", prev_seq + 1, message))
    return VerifyReport(count, prev_seq, prev_hash)


async def _pruned_start(reader: ChainReader, key: bytes | None) -> tuple[int, str] | Problem | None:
    """Where the kept chain starts when its first entry is not #1: the last number and
    hash a segment entry says it removed, if one vouches for exactly this gap."""
    first = await reader.rows_after(0, 1)
    if not first or first[0].seq == 1 or first[0].entry is None:
        return None
    entry = first[0].entry
    for facts in await reader.segments():
        if facts.get("removedTo") != entry.seq - 1 or facts.get("removedHead") != entry.prev_hash:
            continue
        if key is not None and facts.get("signature") != signature(key, facts):
            return Problem(
                "removed",
                1,
                f"REMOVED entries #1 to #{entry.seq - 1}: the prune entry vouching for them "
                "is not signed with this node's key",
            )
        return entry.seq - 1, entry.prev_hash
    return None


async def _check(
    reader: ChainReader, row: Decoded, prev_seq: int, prev_hash: str
) -> Problem | None:
    entry = row.entry
    if entry is None:
        return Problem("altered", row.seq, f"ALTERED entry #{row.seq}: {row.malformed}")
    if entry.seq != prev_seq + 1:
        return await _gap(reader, entry, prev_seq)
    recomputed = entry.recompute_hash()
    if recomputed != entry.hash:
        written = await _written_as(reader, entry)
        if written is not None and written != entry.seq:
            return Problem(
                "reordered",
                entry.seq,
                f"REORDERED entry #{entry.seq}: it holds the entry written as #{written}",
            )
        return Problem(
            "altered",
            entry.seq,
            f"ALTERED entry #{entry.seq}: stored hash {entry.hash}, recomputed {recomputed}",
            stored=entry.hash,
            recomputed=recomputed,
        )
    if entry.prev_hash != prev_hash:
        moved = await _stored_elsewhere(reader, entry.prev_hash)
        if moved is not None:
            return Problem(
                "reordered",
                entry.seq,
                f"REORDERED entry #{entry.seq}: it follows the entry stored as "
                f"#{moved}, not #{prev_seq}",
            )
        if prev_seq == 0:
            return Problem(
                "altered",
                entry.seq,
                f"ALTERED entry #{entry.seq}: it does not start from the genesis "
                f"hash (previous hash {entry.prev_hash})",
            )
        return Problem(
            "altered",
            prev_seq,
            f"ALTERED entry #{prev_seq}: it was rewritten with a recomputed hash "
            f"({prev_hash}); entry #{entry.seq} chains to {entry.prev_hash}",
            stored=prev_hash,
        )
    return None


async def _gap(reader: ChainReader, entry: StoredEntry, prev_seq: int) -> Problem:
    first, last = prev_seq + 1, entry.seq - 1
    moved = await _stored_elsewhere(reader, entry.prev_hash)
    if moved is not None:
        return Problem(
            "reordered", first, f"REORDERED entry #{first}: it is now stored as #{moved}", last=last
        )
    where = f"before #{entry.seq}" if prev_seq == 0 else f"between #{prev_seq} and #{entry.seq}"
    return Problem("removed", first, f"REMOVED entries {where}", last=last)


async def _stored_elsewhere(reader: ChainReader, digest: str) -> int | None:
    if digest == GENESIS:
        return None
    row = await reader.row_with_hash(digest)
    return None if row is None else row.seq


async def _written_as(reader: ChainReader, entry: StoredEntry) -> int | None:
    """The sequence number ``entry`` was hashed with, found by following ``prev_hash``
    links back to an entry that is where it was written (or to the genesis)."""
    link, steps = entry.prev_hash, 1
    while steps <= MAX_WALK:
        if link == GENESIS:
            candidate = steps
        else:
            row = await reader.row_with_hash(link)
            if row is None or row.entry is None:
                return None
            if row.entry.recompute_hash() != row.hash:
                link, steps = row.entry.prev_hash, steps + 1
                continue
            candidate = row.seq + steps
        return candidate if entry.recompute_hash(seq=candidate) == entry.hash else None
    return None

"""Tampering with the table in raw SQL, as a database administrator could, is found:
the first bad entry, its number, and what happened to it."""

from __future__ import annotations

import hashlib

import pytest

from connector.audit import AuditLog, StoredEntry
from connector.audit.canonical import canonical_json
from tests.connector.audit.conftest import Db, record

pytestmark = pytest.mark.anyio


async def twenty(log: AuditLog) -> list[StoredEntry]:
    parties = ["https://guichet.example/p/a", "https://guichet.example/p/b"]
    return [await log.append(record(n, party=parties[n % 2])) for n in range(1, 21)]


async def test_intact_chain(log: AuditLog) -> None:
    entries = await twenty(log)
    report = await log.verify(chunk=7)  # chunk boundaries inside the chain
    assert report.ok and report.entries == 20 and report.head_hash == entries[-1].hash


async def test_updated_field(db: Db, log: AuditLog) -> None:
    entries = await twenty(log)
    await db.tamper("UPDATE {t} SET decision = 'deny' WHERE seq = 12")
    report = await log.verify(chunk=5)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("altered", 12)
    assert report.problem.stored == entries[11].hash
    assert report.problem.recomputed != entries[11].hash
    assert str(report) == (
        f"ALTERED entry #12: stored hash {entries[11].hash}, recomputed {report.problem.recomputed}"
    )
    assert (report.entries, report.head_seq, report.head_hash) == (11, 11, entries[10].hash)


async def test_changed_hash(db: Db, log: AuditLog) -> None:
    entries = await twenty(log)
    await db.tamper(f"UPDATE {{t}} SET hash = '{'f' * 64}' WHERE seq = 7")
    problem = (await log.verify()).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.stored) == ("altered", 7, "f" * 64)
    assert problem.recomputed == entries[6].hash


async def test_deleted_row(db: Db, log: AuditLog) -> None:
    await twenty(log)
    await db.tamper("DELETE FROM {t} WHERE seq = 12")
    problem = (await log.verify()).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.last) == ("removed", 12, 12)
    assert str(problem) == "REMOVED entries between #11 and #13"


async def test_deleted_rows(db: Db, log: AuditLog) -> None:
    await twenty(log)
    await db.tamper("DELETE FROM {t} WHERE seq IN (12, 13)")
    assert str((await log.verify()).problem) == "REMOVED entries between #11 and #14"


async def test_deleted_first_row(db: Db, log: AuditLog) -> None:
    await twenty(log)
    await db.tamper("DELETE FROM {t} WHERE seq = 1")
    problem = (await log.verify()).problem
    assert problem is not None and (problem.kind, problem.seq) == ("removed", 1)
    assert str(problem) == "REMOVED entries before #2"


async def test_deleted_tail_needs_an_anchor(db: Db, log: AuditLog) -> None:
    entries = await twenty(log)
    await db.tamper("DELETE FROM {t} WHERE seq >= 19")
    careless = await log.verify()  # the dataset index still lists the entries cut...
    assert careless.problem is not None
    assert (careless.problem.kind, careless.problem.seq) == ("removed", 19)
    drop = [] if db.kind == "postgres" else ["DROP TRIGGER IF EXISTS {t}_datasets_no_delete"]
    await db.tamper(*drop, "DELETE FROM {t}_datasets WHERE seq >= 19")
    assert (await log.verify()).ok  # ...cut from it too, a chain cannot know its own end...
    report = await log.verify(expect_head=entries[-1].hash)  # ...a recorded head can
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("removed", 19)
    assert str(report).startswith("REMOVED entries after #18: the expected head")
    assert (await log.verify(expect_head=entries[10].hash)).ok


async def test_swapped_rows(db: Db, log: AuditLog) -> None:
    """Rows 5 and 6 exchange places (their numbers are swapped)."""
    await twenty(log)
    await db.tamper(
        "UPDATE {t} SET seq = 1000 WHERE seq = 5",
        "UPDATE {t} SET seq = 5 WHERE seq = 6",
        "UPDATE {t} SET seq = 6 WHERE seq = 1000",
    )
    problem = (await log.verify()).problem
    assert problem is not None and (problem.kind, problem.seq) == ("reordered", 5)
    assert str(problem) == "REORDERED entry #5: it holds the entry written as #6"


async def test_swapped_content(db: Db, log: AuditLog) -> None:
    """Rows 5 and 6 exchange their party (content only, hashes left in place)."""
    await twenty(log)
    await db.tamper(
        "UPDATE {t} SET party = 'x' WHERE seq = 5",
        "UPDATE {t} SET party = 'https://guichet.example/p/b' WHERE seq = 6",
        "UPDATE {t} SET party = 'https://guichet.example/p/a' WHERE seq = 5",
    )
    problem = (await log.verify()).problem
    assert problem is not None and (problem.kind, problem.seq) == ("altered", 5)


async def test_entry_moved_to_the_end(db: Db, log: AuditLog) -> None:
    await twenty(log)
    await db.tamper("UPDATE {t} SET seq = 21 WHERE seq = 3")
    problem = (await log.verify()).problem
    assert problem is not None and (problem.kind, problem.seq) == ("reordered", 3)
    assert str(problem) == "REORDERED entry #3: it is now stored as #21"


async def test_rewritten_entry_with_recomputed_hash(db: Db, log: AuditLog) -> None:
    """The forger changes entry #9 and recomputes its hash; #10 still names the old one."""
    entries = await twenty(log)
    content = entries[8].content()
    content["decision"] = "deny"
    forged = hashlib.sha256(canonical_json(content).encode()).hexdigest()
    await db.tamper(f"UPDATE {{t}} SET decision = 'deny', hash = '{forged}' WHERE seq = 9")
    problem = (await log.verify()).problem
    assert problem is not None and (problem.kind, problem.seq) == ("altered", 9)
    assert str(problem) == (
        f"ALTERED entry #9: it was rewritten with a recomputed hash "
        f"({forged}); entry #10 chains to {entries[8].hash}"
    )


async def test_unreadable_content(db: Db, log: AuditLog) -> None:
    await twenty(log)
    await db.tamper("UPDATE {t} SET details = 'not json' WHERE seq = 4")
    problem = (await log.verify()).problem
    assert problem is not None and (problem.kind, problem.seq) == ("altered", 4)
    assert str(problem).startswith("ALTERED entry #4: stored content cannot be read")


async def test_non_canonical_text(db: Db, log: AuditLog) -> None:
    await twenty(log)
    await db.tamper("UPDATE {t} SET time = '2026-11-26T09:00:04Z' WHERE seq = 4")
    problem = (await log.verify()).problem
    assert problem is not None and (problem.kind, problem.seq) == ("altered", 4)
    assert str(problem) == "ALTERED entry #4: column time is not in the form the log writes"


async def test_only_the_first_problem_is_reported(db: Db, log: AuditLog) -> None:
    await twenty(log)
    await db.tamper("DELETE FROM {t} WHERE seq = 15", "UPDATE {t} SET reason = '' WHERE seq = 8")
    problem = (await log.verify()).problem
    assert problem is not None and (problem.kind, problem.seq) == ("altered", 8)


async def test_a_gap_before_an_altered_entry_is_reported_first(db: Db, log: AuditLog) -> None:
    await twenty(log)
    await db.tamper("DELETE FROM {t} WHERE seq = 12", "UPDATE {t} SET reason = '' WHERE seq = 13")
    assert str((await log.verify()).problem) == "REMOVED entries between #11 and #13"

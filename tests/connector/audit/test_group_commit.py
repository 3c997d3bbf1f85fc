"""Group commit: concurrent appends share transactions, each caller gets its own entry once
committed, the chain stays one chain, and a failed transaction fails every caller in it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from connector.audit import AuditLog, StoredEntry
from connector.errors import AuditError
from tests.connector.audit.conftest import Clock, Db, record
from tests.connector.audit.test_concurrency import assert_intact

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("durability", ["disk", "process"])
async def test_concurrent_appends_share_commits_and_each_gets_its_own_entry(
    db: Db, durability: str
) -> None:
    told: list[tuple[int, float]] = []
    log = db.log(
        clock=Clock(), on_append=lambda e, s: told.append((e.seq, s)), durability=durability
    )
    await log.setup()
    try:
        entries = await asyncio.gather(*(log.append(record(k)) for k in range(40)))
        assert [e.reason for e in entries] == [f"decision {k}" for k in range(40)]
        assert sorted(e.seq for e in entries) == list(range(1, 41))
        if durability == "disk" or db.kind == "postgres":
            # the first append starts a transaction alone; the 39 queued meanwhile share
            # one or a few: far fewer commits than entries
            assert log._group.batches < 10
        else:  # no fsync to wait for: each is written at once, on the event loop
            assert log._group.batches == 40
        assert sorted(seq for seq, _ in told) == list(range(1, 41))  # once per entry
        assert all(seconds >= 0 for _, seconds in told)
        await assert_intact(log, 40)
    finally:
        await log.aclose()


async def test_a_requests_entries_stay_together_and_in_order(log: AuditLog) -> None:
    async def one(k: int) -> list[StoredEntry]:
        return await log.append_many([record(10 * k + i) for i in range(3)])

    answers = await asyncio.gather(*(one(k) for k in range(8)))
    for k, entries in enumerate(answers):
        assert [e.reason for e in entries] == [f"decision {10 * k + i}" for i in range(3)]
        first = entries[0].seq
        assert [e.seq for e in entries] == [first, first + 1, first + 2]
        assert entries[1].prev_hash == entries[0].hash
    await assert_intact(log, 24)


async def test_a_failed_transaction_fails_every_caller_in_it_and_the_next_is_tried(
    db: Db, log: AuditLog
) -> None:
    await log.append(record(0))
    await db.tamper("ALTER TABLE {t} RENAME TO {t}_away")
    results = await asyncio.gather(
        *(log.append(record(k)) for k in range(1, 6)), return_exceptions=True
    )
    assert all(isinstance(r, AuditError) for r in results), results
    assert "cannot append to the audit log" in str(results[0])
    await db.tamper("ALTER TABLE {t}_away RENAME TO {t}")
    entry = await log.append(record(9))
    assert entry.seq == 2
    await assert_intact(log, 2)


@pytest.mark.parametrize("durability", ["disk", "process"])
async def test_an_append_waits_for_another_process_s_lock(tmp_path: Path, durability: str) -> None:
    """Another writer (here a plain sqlite3 connection, as another process would hold it)
    has the file: the append waits for it rather than failing or writing around it."""
    path = tmp_path / "audit.db"
    log = AuditLog(f"sqlite+aiosqlite:///{path}", node="atmo", durability=durability)
    await log.setup()
    try:
        await log.append(record(0))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        waiting = asyncio.create_task(log.append(record(1)))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        other.execute("COMMIT")
        other.close()
        assert (await waiting).seq == 2
        await assert_intact(log, 2)
    finally:
        await log.aclose()

"""The audit log's own retention (``guichet audit prune``): old entries removed, the
chain kept from a signed segment entry; a forged segment, a broken chain and a wrong key
are each named. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connector.audit import AuditLog
from connector.audit.cli import main
from connector.audit.segments import prune, signature
from connector.config import load_config
from connector.errors import AuditError
from tests.connector.audit.conftest import Db, record
from tests.connector.dpd.console_node import write_console_node

pytestmark = pytest.mark.anyio
KEY = b"k" * 32
NODE = "https://guichet.example/participants/atmo"


async def fill(log: AuditLog, days: int = 12) -> None:
    await log.setup()
    for n in range(1, days + 1):  # one entry a day from 2026-11-01 12:00 UTC
        await log.append(record(n, time=datetime(2026, 11, n, 12, tzinfo=UTC)))


async def test_prune_keeps_the_chain_from_a_signed_segment(db: Db) -> None:
    log = db.log()
    await fill(log)
    done = await prune(log, before=datetime(2026, 11, 6, tzinfo=UTC), key=KEY, party=NODE)
    assert done is not None
    # by hand: days 1 to 5 are before 6 November; the segment entry is the 13th
    assert (done.first, done.last, done.count, done.segment) == (1, 5, 5, 13)
    left = [e.seq async for e in log.entries()]
    assert left == list(range(6, 14))
    report = await log.verify(key=KEY)
    assert report.ok, str(report)
    assert (report.entries, report.head_seq) == (8, 13)
    # pruning again removes what has aged since, from the kept chain's start
    again = await prune(log, before=datetime(2026, 11, 8, tzinfo=UTC), key=KEY, party=NODE)
    assert again is not None and (again.first, again.last, again.segment) == (6, 7, 14)
    assert (await log.verify(key=KEY)).ok
    assert await prune(log, before=datetime(2026, 11, 8, tzinfo=UTC), key=KEY, party=NODE) is None
    await log.aclose()


async def test_a_forged_segment_and_a_cut_without_one_are_removals(db: Db) -> None:
    log = db.log()
    await fill(log, 6)
    entries = [e async for e in log.entries()]
    # a DBA cuts entries 1-3 and appends a segment entry signed with another key
    await db.tamper("DELETE FROM {t} WHERE seq <= 3")
    report = await log.verify(key=KEY)
    assert not report.ok and report.problem is not None
    assert report.problem.kind == "removed"
    facts = {
        "removedFrom": 1,
        "removedTo": 3,
        "removedHead": entries[2].hash,
        "before": "2026-11-04T00:00:00.000000Z",
    }
    forged = {"action": "prune", **facts, "signature": signature(b"x" * 32, facts)}
    await log.append(record(99, details=forged))
    report = await log.verify(key=KEY)
    assert report.problem is not None
    assert report.problem.message == (
        "REMOVED entries #1 to #3: the prune entry vouching for them is not signed with "
        "this node's key"
    )
    await log.aclose()


async def test_a_broken_chain_is_never_pruned(db: Db) -> None:
    log = db.log()
    await fill(log, 4)
    await db.tamper("UPDATE {t} SET rows_returned = 7 WHERE seq = 2")
    with pytest.raises(AuditError, match="pruning would destroy the evidence"):
        await prune(log, before=datetime(2026, 11, 30, tzinfo=UTC), key=KEY, party=NODE)
    assert [e.seq async for e in log.entries()] == [1, 2, 3, 4]
    await log.aclose()


def test_the_command_prunes_under_the_register_retention(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_config(write_console_node(tmp_path))
    log = AuditLog(config.usage.audit_db, node=config.name)

    async def setup() -> None:
        await fill(log, 3)  # November 2026, within a year of today (P1Y by default)
        await log.aclose()

    asyncio.run(setup())
    code = main(["prune", "--config", str(config.file), "--before", "2026-11-03T00:00:00Z"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("pruned entries #1 to #2 (2), older than 2026-11-03T00:00:00+00:00")
    assert "ok: 2 entries, chain intact" in out

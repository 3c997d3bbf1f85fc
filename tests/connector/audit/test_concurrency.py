"""Concurrent writers — tasks, engines and processes — lose no entry and never fork the
chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from connector.audit import AuditLog
from tests.connector.audit.conftest import Db, record

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[3]


async def assert_intact(log: AuditLog, count: int) -> None:
    entries = [e async for e in log.entries(chunk=97)]
    assert [e.seq for e in entries] == list(range(1, count + 1))
    assert len({e.hash for e in entries}) == count
    report = await log.verify(chunk=64)
    assert report.ok, str(report)
    assert report.entries == count


async def test_twenty_tasks_two_hundred_appends(log: AuditLog) -> None:
    returned: list[int] = []

    async def task(k: int) -> None:
        for i in range(10):
            returned.append((await log.append(record(k * 100 + i))).seq)

    async with anyio.create_task_group() as tg:
        for k in range(20):
            tg.start_soon(task, k)
    assert sorted(returned) == list(range(1, 201))
    await assert_intact(log, 200)
    reasons = {e.reason async for e in log.entries()}
    assert reasons == {f"decision {k * 100 + i}" for k in range(20) for i in range(10)}


async def test_several_engines_in_one_process(db: Db) -> None:
    """Four logs, each with its own engine (and own in-process lock), on one table."""
    logs = [db.log(node=f"n{k}") for k in range(4)]
    async with anyio.create_task_group() as tg:
        for one in logs:
            tg.start_soon(one.setup)

    async def task(one: AuditLog, k: int) -> None:
        for i in range(25):
            await one.append(record(k * 100 + i))

    async with anyio.create_task_group() as tg:
        for k, one in enumerate(logs):
            for j in range(2):
                tg.start_soon(task, one, k * 10 + j)
    await assert_intact(logs[0], 200)
    for one in logs:
        await one.aclose()


async def test_four_processes(db: Db, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.connector.audit.writer",
                db.url,
                db.table,
                "50",
                f"p{k}",
                str(go),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(4)
    ]
    try:
        with anyio.fail_after(60):
            while len(list(tmp_path.glob("go.*.ready"))) < 4:
                await anyio.sleep(0.02)
        go.touch()
        outcomes = [
            await anyio.to_thread.run_sync(lambda p=p: p.communicate(timeout=120)) for p in procs
        ]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (out, err) in zip(procs, outcomes, strict=True):
        assert p.returncode == 0, err
        assert out.strip() == "done"
    log = db.log()
    await assert_intact(log, 200)
    entries = [e async for e in log.entries()]
    assert {e.node for e in entries} == {"p0", "p1", "p2", "p3"}
    # the processes really wrote at the same time: their entries interleave
    switches = sum(a.node != b.node for a, b in itertools.pairwise(entries))
    assert switches >= 4
    # each process's own entries are in its own order
    for k in range(4):
        mine = [e.reason for e in entries if e.node == f"p{k}"]
        assert mine == [f"p{k}-{i}" for i in range(50)]
    await log.aclose()


async def test_checks_while_the_node_writes_raise_no_false_alarm(db: Db) -> None:
    """The running node verifies its chain while it appends (connector.audit.watch): a check
    must never take an entry being written for a removed or altered one."""
    writer, checker = db.log(), db.log()
    await writer.setup()
    reports = []
    done = anyio.Event()

    async def write() -> None:
        for i in range(300):
            await writer.append(record(i, datasets=("mesures-salles", "metres")))
        done.set()

    async def check() -> None:
        while not done.is_set():
            reports.append(await checker.verify(chunk=16))

    async with anyio.create_task_group() as tg:
        tg.start_soon(write)
        tg.start_soon(check)
    assert len(reports) > 3
    assert [str(r) for r in reports if not r.ok] == []
    await writer.aclose()
    await checker.aclose()

"""``kill -9`` under concurrent load loses no answered request's audit entry: a real node
process (``guichet node``) answers 16 concurrent callers over HTTP on 127.0.0.1 until it
is killed with SIGKILL; then every answered request has its entry, nothing else is in the
log but requests still in flight at the kill, and ``guichet audit verify`` passes.

Each request is named (``query q<n>``), and the log's ``operation_name`` says whose entry
is whose. Both durabilities are run: ``process`` promises exactly this (the node's crash),
``disk`` more."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.connector.test_node_process import free_port, wait_until_up
from tests.connector.tiny import make_tiny
from tests.connector.usage.conftest import POLICIES, USAGE
from tests.connector.usage.test_end_to_end import TEMPLATE_BASE, start
from tests.support.cli import guichet

CALLERS = 16
ANSWERED_BEFORE_KILL = 120


def write_node(folder: Path, port: int, durability: str) -> Path:
    """The tiny node under the usage conftest's policies, without tokens (the public party
    may read the registry)."""
    config = make_tiny(folder, port=port)
    text = config.read_text(encoding="utf-8").replace("[usage]\nenforce = false", "")
    for ds, policy in POLICIES.items():
        document = json.dumps(policy).replace(TEMPLATE_BASE, f"http://127.0.0.1:{port}")
        (folder / f"{ds}.jsonld").write_text(document, encoding="utf-8")
        text = text.replace(f"[datasets.{ds}]\n", f'[datasets.{ds}]\npolicy = "{ds}.jsonld"\n')
    usage = USAGE.replace("[usage]\n", f'[usage]\naudit_durability = "{durability}"\n')
    config.write_text(text + usage, encoding="utf-8")
    return config


async def load(url: str, killed: asyncio.Event) -> tuple[set[str], int]:
    """Named requests from ``CALLERS`` callers until the node stops answering: the names
    answered, and how many were sent in all."""
    answered: set[str] = set()
    sent = 0

    async def caller(k: int, client: httpx.AsyncClient) -> None:
        nonlocal sent
        for i in range(10_000):
            name = f"q{k}x{i}"
            sent += 1
            query = f'query {name} {{ building(rnbId: "PG46YY6YJW8N") {{ name }} }}'
            try:
                r = await client.post(f"{url}/graphql", json={"query": query})
            except httpx.TransportError:
                return
            assert r.status_code == 200, r.text
            assert r.json()["data"] == {"building": {"name": "École des Salines"}}
            answered.add(name)
            if len(answered) >= ANSWERED_BEFORE_KILL:
                killed.set()

    limits = httpx.Limits(max_connections=CALLERS)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(caller(k, client) for k in range(CALLERS)))
    return answered, sent


@pytest.mark.parametrize("durability", ["process", "disk"])
def test_kill_9_loses_no_answered_entry(tmp_path: Path, durability: str) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start("node", str(write_node(tmp_path, port, durability)))
    try:
        wait_until_up(f"{url}/health", proc)

        async def run() -> tuple[set[str], int]:
            killed = asyncio.Event()
            loading = asyncio.create_task(load(url, killed))
            waiting = asyncio.create_task(killed.wait())
            await asyncio.wait({loading, waiting}, timeout=120, return_when="FIRST_COMPLETED")
            waiting.cancel()
            assert not loading.done(), loading.exception()  # the node failed before the kill
            proc.kill()  # SIGKILL, mid-load
            return await loading

        answered, sent = asyncio.run(run())
    finally:
        proc.kill()
        proc.wait(timeout=10)

    with sqlite3.connect(tmp_path / "audit.db") as conn:
        logged = [
            name
            for (name,) in conn.execute(
                "SELECT operation_name FROM guichet_audit WHERE decision = 'permit' ORDER BY seq"
            )
        ]
    assert len(logged) == len(set(logged))  # one entry per request
    assert answered <= set(logged), sorted(answered - set(logged))[:5]
    unanswered = set(logged) - answered
    assert len(unanswered) <= CALLERS  # at most the requests in flight at the kill
    assert len(logged) <= sent
    verified = guichet("audit", "verify", "--db", f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    entries = int(re.match(r"ok: (\d+) entries", verified.stdout).group(1))  # type: ignore[union-attr]
    assert entries == len(logged)

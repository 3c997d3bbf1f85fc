"""Several processes of one node, real processes on 127.0.0.1 under concurrent load:

- ``guichet node --workers 2`` on SQLite: both workers answer, and their decisions make one
  audit chain that ``guichet audit verify`` accepts, with exactly the entries of the
  answered requests (each entry names its request's ``X-Request-Id``);
- two ``guichet node`` processes behind one address on one PostgreSQL audit log, one of
  them killed with SIGKILL mid-load: every answered request's entries are in the log,
  any other entry belongs to a request the killed process was answering, and the chain
  verifies.

Each request sent is permitted on two datasets (the city reads a building and its energy
uses, see tests/connector/usage/conftest.py): two entries per request.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from connector.audit import AuditLog
from tests.connector.test_node_process import free_port, wait_until_up
from tests.connector.usage.test_end_to_end import (
    Client,
    register,
    start,
    stop,
    write_node,
)
from tests.support.cli import guichet

P = "https://example.org/participants/"
BUILDING = '{ building(rnbId: "PG46YY6YJW8N") { name energyUses { id kwh } } }'


def children(pid: int) -> set[int]:
    """The worker processes whose parent is ``pid`` (from /proc; multiprocessing's
    resource tracker left out)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"resource_tracker" not in cmdline:
                out.add(int(entry.name))
    return out


class Space:
    def __init__(self, issuer: str, city: Client, ports: tuple[int, int, int]) -> None:
        self.issuer, self.city, self.ports = issuer, city, ports

    def token(self, node_url: str) -> str:
        form = {"grant_type": "client_credentials", "resource": node_url}
        auth = (self.city.client_id, self.city.client_secret)
        r = httpx.post(f"{self.issuer}/token", data=form, auth=auth)
        assert r.status_code == 200, r.text
        value: str = r.json()["access_token"]
        return value


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Space]:
    folder = tmp_path_factory.mktemp("workers-issuer")
    db = f"sqlite+aiosqlite:///{folder / 'issuer.db'}"
    city = register(db, P + "city", "Ville")
    port, nodes = free_port(), (free_port(), free_port(), free_port())
    issuer = f"http://127.0.0.1:{port}"
    audiences = [a for n in nodes[:2] for a in ("--audience", f"http://127.0.0.1:{n}")]
    proc = start(
        "issuer", "serve", "--issuer", issuer, *audiences, "--db", db,
        "--key-dir", str(folder / "keys"),
    )  # fmt: skip
    try:
        wait_until_up(f"{issuer}/.well-known/oauth-authorization-server", proc)
        yield Space(issuer, city, nodes)
    finally:
        stop(proc)


async def load(
    url: str,
    token: str,
    count: int,
    concurrency: int,
    answered: set[str],
    sent: set[str],
    on_answer: Callable[[], None] = lambda: None,
) -> None:
    """``count`` requests with ``concurrency`` in flight, each with its own request id;
    the ids of the 200 answers go to ``answered``; a failed connection ends the load."""
    queue = iter(range(count))
    headers = {"Authorization": f"Bearer {token}"}

    async def worker(client: httpx.AsyncClient) -> None:
        for _ in queue:
            rid = uuid.uuid4().hex
            sent.add(rid)
            try:
                r = await client.post(
                    f"{url}/graphql",
                    json={"query": BUILDING},
                    headers={**headers, "X-Request-Id": rid},
                )
            except httpx.TransportError:
                return
            assert r.status_code == 200, r.text
            assert r.headers["x-request-id"] == rid
            assert "errors" not in r.json(), r.text
            answered.add(rid)
            on_answer()

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))


async def logged(audit_db: str) -> dict[str, int]:
    """Entries per request id in the audit log, after verifying its chain."""
    log = AuditLog(audit_db, node="tiny")
    try:
        report = await log.verify()
        assert report.ok, report.problem
        entries = await log.query(limit=1000)
        assert len(entries) < 1000
    finally:
        await log.aclose()
    out: dict[str, int] = {}
    for e in entries:
        rid = e.details.get("requestId")
        assert isinstance(rid, str), e
        out[rid] = out.get(rid, 0) + 1
    return out


@pytest.mark.anyio
async def test_two_workers_share_one_audit_chain_on_sqlite(space: Space, tmp_path: Path) -> None:
    port = space.ports[0]
    url = f"http://127.0.0.1:{port}"
    config = write_node(tmp_path / "node", port, space.issuer)
    proc = start("node", str(config), "--workers", "2")
    try:
        wait_until_up(f"{url}/health", proc, timeout=60)
        for _ in range(100):  # the workers are started one after the other
            if len(children(proc.pid)) >= 2:
                break
            await asyncio.sleep(0.1)
        workers = children(proc.pid)
        answered: set[str] = set()
        await load(url, space.token(url), 48, 8, answered, set())
        assert children(proc.pid) == workers  # no worker died on the way
    finally:
        stop(proc)
    assert len(workers) == 2
    assert len(answered) == 48
    verify = guichet("audit", "verify", "--config", str(config))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    entries = await logged(f"sqlite+aiosqlite:///{tmp_path / 'node' / 'audit.db'}")
    assert entries == dict.fromkeys(answered, 2)


@pytest.mark.postgres
@pytest.mark.anyio
async def test_two_processes_on_postgres_one_killed_lose_nothing_answered(
    space: Space, tmp_path: Path, postgres_database: Callable[[str], str]
) -> None:
    audit_db = postgres_database("workers_audit")
    public = space.ports[1]  # both processes are this node, at this address
    url = f"http://127.0.0.1:{public}"
    other = space.ports[2]
    configs = []
    for name in ("a", "b"):
        config = write_node(tmp_path / name, public, space.issuer)
        text = config.read_text(encoding="utf-8")
        text = text.replace('audit_db = "sqlite+aiosqlite:///audit.db"', f'audit_db = "{audit_db}"')
        assert audit_db in text
        config.write_text(text, encoding="utf-8")
        configs.append(config)
    a = start("node", str(configs[0]))
    b = start("node", str(configs[1]), "--port", str(other))
    try:
        wait_until_up(f"{url}/health", a)
        wait_until_up(f"http://127.0.0.1:{other}/health", b)
        token = space.token(url)
        answered: set[str] = set()
        sent_a: set[str] = set()
        sent_b: set[str] = set()
        answered_b = 0

        def kill_b_after_20() -> None:
            nonlocal answered_b
            answered_b += 1
            if answered_b == 20:
                os.kill(b.pid, signal.SIGKILL)

        await asyncio.gather(
            load(url, token, 80, 4, answered, sent_a),
            load(f"http://127.0.0.1:{other}", token, 80, 4, answered, sent_b, kill_b_after_20),
        )
        assert b.wait(timeout=10) == -signal.SIGKILL
        assert answered >= sent_a and len(sent_a) == 80  # the other process answered all
    finally:
        stop(a)
        stop(b)
    entries = await logged(audit_db)
    # every answered request is in the log, whole: nothing answered was lost
    assert all(entries.get(rid) == 2 for rid in answered)
    # anything else was in flight at the killed process when it died
    unanswered = set(entries) - answered
    assert unanswered <= sent_b - answered
    assert len(unanswered) <= 4  # at most its requests in flight

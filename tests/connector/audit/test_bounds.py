"""Every stored field is bounded: what is too long is cut to its documented maximum and
``details.truncated`` keeps the full value's SHA-256 and length; the entry is always
written, its chain verifies (``guichet audit verify``), and a request with a huge
operation name costs the log no more than any other."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.audit import AuditRecord
from connector.audit.bounds import MAX_DETAILS
from connector.audit.cli import main
from connector.config import load_config
from tests.connector.audit.conftest import OP, PARTY, Db
from tests.connector.usage.conftest import BASE, TableVerifier, write_node

IRI = "https://guichet.example/"


def digest(text: str, length: int | None = None) -> dict[str, Any]:
    return {
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "length": len(text) if length is None else length,
    }


def huge() -> AuditRecord:
    return AuditRecord(
        party=IRI + "p" * 3000,
        decision="deny",
        operation_hash=OP,
        datasets=(*(f"d{i}" for i in range(70)), "n" * 300),
        client_id="c" * 300,
        purpose=IRI + "u" * 3000,
        operation_name="Q" * (1 << 20),
        rule=IRI + "r" * 3000,
        reason="why " * 2000,
        duties=("inform", "x" * 257),
        details={"action": "refused", "refused": "invalid-query", "variables": {"v": "y" * 70_000}},
    )


def test_every_field_is_cut_to_its_maximum_with_the_full_value_digest() -> None:
    r = huge()
    names = [f"d{i}" for i in range(70)] + ["n" * 300]
    full_details = (
        '{"action":"refused","refused":"invalid-query","variables":{"v":"' + "y" * 70_000 + '"}}'
    )
    assert (r.party, r.purpose, r.rule) == (
        (IRI + "p" * 3000)[:2048],
        (IRI + "u" * 3000)[:2048],
        (IRI + "r" * 3000)[:2048],
    )
    assert (r.client_id, r.operation_name, r.reason) == (
        "c" * 256,
        "Q" * 256,
        ("why " * 2000)[:4096],
    )
    assert r.datasets == tuple(names[:64])
    assert r.duties == ("inform", "x" * 256)
    assert r.details == {
        "action": "refused",
        "refused": "invalid-query",
        "truncated": {
            "party": digest(IRI + "p" * 3000),
            "rule": digest(IRI + "r" * 3000),
            "purpose": digest(IRI + "u" * 3000),
            "client_id": digest("c" * 300),
            "operation_name": digest("Q" * (1 << 20)),
            "reason": digest("why " * 2000),
            "datasets": digest(json.dumps(names, separators=(",", ":")), 71),
            "duties": digest(json.dumps(["inform", "x" * 257], separators=(",", ":")), 2),
            "details": digest(full_details),
        },
    }
    assert len(json.dumps(r.details, separators=(",", ":"))) <= MAX_DETAILS


def test_a_record_within_bounds_is_kept_as_it_is() -> None:
    details = {"action": "read", "x": "y" * (MAX_DETAILS - 30)}
    r = AuditRecord(
        party=PARTY, decision="permit", operation_hash=OP, operation_name="Q" * 256, details=details
    )
    assert (r.operation_name, r.details) == ("Q" * 256, details)


def test_details_just_under_the_maximum_make_room_for_what_else_was_cut() -> None:
    details = {"action": "read", "x": "y" * (MAX_DETAILS - 30)}
    r = AuditRecord(
        party=PARTY, decision="permit", operation_hash=OP, operation_name="Q" * 257, details=details
    )
    full = json.dumps(details, separators=(",", ":"))
    assert r.details == {
        "action": "read",
        "truncated": {"operation_name": digest("Q" * 257), "details": digest(full)},
    }


def test_huge_entries_are_written_and_the_chain_verifies(
    db: Db, capsys: pytest.CaptureFixture[str]
) -> None:
    async def fill() -> list[int]:
        async with db.log() as log:
            await log.setup()
            for _ in range(3):
                await log.append(huge())
            return [len(json.dumps(e.content())) for e in await log.query()]

    sizes = asyncio.run(fill())
    assert len(sizes) == 3 and max(sizes) < 16_000
    assert main(["verify", "--db", db.url, "--table", db.table]) == 0
    assert capsys.readouterr().out.startswith("ok: 3 entries, chain intact, head ")


def test_three_requests_with_a_huge_operation_name_cost_the_log_little(tmp_path: Path) -> None:
    name = "Q" * 1_000_000
    query = f"query {name} {{ buildings {{ nodes {{ rnbId }} }} }}"

    async def run() -> list[Any]:
        app = create_app(load_config(write_node(tmp_path)), verifier=TableVerifier())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            for _ in range(3):
                r = await client.post(
                    "/graphql", json={"query": query}, headers={"Authorization": "Bearer city"}
                )
                assert r.status_code == 200 and "errors" not in r.json()
        entries = await app.state.usage.audit.query()
        await app.state.usage.audit.aclose()
        return [(e.operation_name, e.details["truncated"]) for e in entries]

    stored = asyncio.run(run())
    assert stored == [("Q" * 256, {"operation_name": digest(name)})] * 3
    assert (tmp_path / "audit.db").stat().st_size < 200_000
    assert main(["verify", "--db", f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"]) == 0

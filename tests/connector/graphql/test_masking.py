"""Callers never read driver or internal messages: an audit database held locked by
another connection (a real SQLite write lock) gives every endpoint "Internal error" with
``{code: INTERNAL, requestId}``, and the node's log one line with the same request id
and the real cause, without a traceback."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from tests.connector.usage.conftest import BASE, Clock, TableVerifier, write_node
from tests.connector.usage.conftest import clock as clock

pytestmark = pytest.mark.anyio

MASKED = "Internal error; the node operator has the details."


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """A node's folder whose audit database another connection holds a write lock on."""
    config = write_node(tmp_path)
    text = config.read_text().replace("[usage]\n", "[usage]\naudit_busy_timeout = 0.05\n")
    config.write_text(text)
    holder = sqlite3.connect(tmp_path / "audit.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield config
    holder.execute("ROLLBACK")
    holder.close()


@pytest.fixture
async def client(locked: Path, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(load_config(locked), verifier=TableVerifier(), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield c
    await app.state.usage.audit.aclose()


def masked(request_id: str, path: list[str] | None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": MASKED}
    if path is not None:
        error |= {"locations": [{"line": 1, "column": 3}], "path": path}
    return {
        "data": None,
        "errors": [error | {"extensions": {"code": "INTERNAL", "requestId": request_id}}],
    }


CASES = [
    # endpoint, token, query, path of the masked error, what the log names
    (
        "/audit/graphql",
        "dpd",
        "{ auditLog { entries { seq } } }",
        ["auditLog"],
        "AuditError: cannot create the audit table (table guichet_audit): "
        "OperationalError: database is locked",
    ),
    (
        "/graphql",  # the usage decision fails before any field: no path
        "city",
        "{ buildings { nodes { rnbId } } }",
        None,
        "AuditError: cannot create the audit table (table guichet_audit): "
        "OperationalError: database is locked",
    ),
    (
        "/agreements/graphql",
        "city",
        "{ agreements { iri } }",
        ["agreements"],
        "OperationalError: database is locked",
    ),
]


@pytest.mark.parametrize(("path", "token", "query", "at", "cause"), CASES)
async def test_a_locked_audit_database_is_an_internal_error_with_its_request_id(
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    path: str,
    token: str,
    query: str,
    at: list[str] | None,
    cause: str,
) -> None:
    headers = {"Authorization": f"Bearer {token}", "X-Request-Id": "lock-1"}
    with caplog.at_level(logging.INFO, logger="guichet"):
        r = await client.post(path, json={"query": query}, headers=headers)
    assert (r.status_code, r.headers["x-request-id"]) == (200, "lock-1")
    assert r.json() == masked("lock-1", at)
    assert "database is locked" not in r.text and "OperationalError" not in r.text
    lines = [(rec.name, rec.levelname, rec.getMessage(), rec.exc_info) for rec in caplog.records]
    where = ".".join(at) if at else "-"
    assert lines == [
        ("guichet.graphql", "ERROR", f"request lock-1: internal error at {where}: {cause}", None)
    ]


async def test_a_request_without_a_usable_id_gets_one_in_its_header_error_and_log(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"Authorization": "Bearer dpd", "X-Request-Id": "not safe; at all"}
    with caplog.at_level(logging.ERROR, logger="guichet"):
        r = await client.post(
            "/audit/graphql", json={"query": "{ auditChain { ok } }"}, headers=headers
        )
    request_id = r.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    assert r.json()["errors"][0]["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    (record,) = caplog.records
    assert record.getMessage().startswith(f"request {request_id}: internal error at auditChain: ")

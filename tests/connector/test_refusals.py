"""Every request the node refuses leaves exactly one bounded deny entry in its audit log —
a body that is not a GraphQL request (400) or too large (413) on each GraphQL endpoint, a
token refused (401), an operation over the limits or invalid — naming the caller as far
as it is known, the kind of refusal and the request id the caller got; and the chain
still verifies. Without usage control nothing is written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.audit import AuditLog, StoredEntry, operation_hash
from connector.config import load_config
from tests.connector.tiny import make_tiny
from tests.connector.usage.conftest import BASE, Clock, P, TableVerifier, write_node
from tests.connector.usage.conftest import clock as clock

pytestmark = pytest.mark.anyio

PUBLIC = "https://guichet.agglo-larochelle.fr/participants/public"
PATHS = ("/graphql", "/audit/graphql", "/agreements/graphql")
MIB = 1048576
JSON = {"content-type": "application/json"}
BAD = "BAD_REQUEST"


def sha(data: bytes | str) -> str:
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def fields(e: StoredEntry) -> dict[str, Any]:
    """An entry as stored, but its place in the chain (checked by ``verify``)."""
    out = e.content()
    del out["prev_hash"]
    return out


def refused(
    seq: int,
    what: str,
    reason: str,
    request_id: str,
    fingerprint: str,
    *,
    party: str = P + "city",
    client_id: str | None = "city-app",
    operation_name: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """The entry of a refusal; its reason code is ``code``, else the refusal's kind."""
    return {
        "seq": seq,
        "time": "2026-03-10T09:00:00.000000Z",
        "node": "tiny",
        "party": party,
        "client_id": client_id,
        "purpose": None,
        "operation_hash": fingerprint,
        "operation_name": operation_name,
        "datasets": [],
        "decision": "deny",
        "rule": None,
        "reason": reason,
        "duties": [],
        "rows_returned": None,
        "details": {
            "action": "refused",
            "reasonCode": code or what,
            "refused": what,
            "requestId": request_id,
        },
    }


class Node:
    def __init__(self, client: httpx.AsyncClient, audit: AuditLog) -> None:
        self.client, self.audit = client, audit

    async def entries(self) -> list[dict[str, Any]]:
        return [fields(e) for e in await self.audit.query()]


async def serve(config: Path, clock: Clock) -> AsyncIterator[Node]:
    app = create_app(load_config(config), verifier=TableVerifier(), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield Node(c, app.state.usage.audit)
    report = await app.state.usage.audit.verify()
    await app.state.usage.audit.aclose()
    assert report.ok, report.problem


@pytest.fixture
async def node(tmp_path: Path, clock: Clock) -> AsyncIterator[Node]:
    async for n in serve(write_node(tmp_path), clock):
        yield n


DEEPLY = "nested too deeply"
A_NUMBER = "a number"
NOT_A_REQUEST = [
    (b"null", "the request body must be a JSON object with a query, got null"),
    (b"42", "the request body must be a JSON object with a query, got a number"),
    (b'"a string"', "the request body must be a JSON object with a query, got a string"),
    (b"[1]", "the request body is a JSON array: batched requests are not supported"),
    (b"\xff\xfe{}", "the request body is not UTF-8 text (byte 0xff at position 0)"),
    (
        b"{not json",
        "the request body is not JSON: Expecting property name enclosed in double quotes "
        "at line 1 column 2",
    ),
    (b"[" * 100_000 + b"]" * 100_000, "the request body is not JSON this server reads: " + DEEPLY),
    (
        b'{"query": "{ a }", "variables": 1}',
        "variables must be a JSON object or null, got " + A_NUMBER,
    ),
]


async def test_a_body_that_is_not_a_graphql_request_is_a_400_and_one_entry(node: Node) -> None:
    expected = []
    for path in PATHS:
        for body, message in NOT_A_REQUEST:
            rid = f"t{len(expected) + 1}"
            headers = {**JSON, "Authorization": "Bearer city", "X-Request-Id": rid}
            r = await node.client.post(path, content=body, headers=headers)
            assert (r.status_code, r.headers["x-request-id"]) == (400, rid)
            assert r.json() == {
                "errors": [
                    {"message": message, "extensions": {"code": "BAD_REQUEST", "requestId": rid}}
                ]
            }
            expected.append(refused(len(expected) + 1, "bad-request", message, rid, sha(body)))
    assert await node.entries() == expected


async def test_a_graphql_post_that_does_not_say_json_is_refused_too(node: Node) -> None:
    body = json.dumps({"query": 'mutation { acceptOffer(offer: "x") { iri } }'}).encode()
    headers = {"content-type": "text/plain", "X-Request-Id": "csrf"}
    r = await node.client.post("/agreements/graphql", content=body, headers=headers)
    message = "expected a JSON body (Content-Type: application/json), got 'text/plain'"
    assert (r.status_code, r.json()["errors"][0]["message"]) == (400, message)
    assert await node.entries() == [
        refused(1, "bad-request", message, "csrf", sha(body), party=PUBLIC, client_id=None)
    ]


async def test_a_body_over_the_limit_is_a_413_and_one_entry_whatever_it_claims(
    node: Node,
) -> None:
    query = "{ buildings { totalCount } }"
    head = json.dumps({"query": query, "variables": {"pad": ""}}).encode()[:-3]
    exact = head + b"x" * (MIB - len(head) - 3) + b'"}}'
    assert len(exact) == MIB
    city = {**JSON, "Authorization": "Bearer city"}
    ok = await node.client.post("/graphql", content=exact, headers=city)
    assert ok.status_code == 200 and "errors" not in ok.json()
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"x" * 65536

    sent = {
        "declared": (b"{}" + b" " * MIB, {}),
        "lying": (exact + b" ", {"Content-Length": "2"}),
        "chunked": (endless(), {}),
    }
    messages = {}
    for rid, (content, extra) in sent.items():
        r = await node.client.post(
            "/audit/graphql" if rid == "chunked" else "/graphql",
            content=content,
            headers={**city, **extra, "X-Request-Id": rid},
        )
        assert (r.status_code, r.json()["errors"][0]["extensions"]) == (
            413,
            {"code": "PAYLOAD_TOO_LARGE", "requestId": rid},
        )
        messages[rid] = r.json()["errors"][0]["message"]
    limit = f"the request body is larger than this server's limit of {MIB} bytes"
    assert messages == {
        "declared": f"{limit} (Content-Length {MIB + 2})",
        "lying": f"{limit} (more than {MIB} bytes sent)",
        "chunked": f"{limit} (more than {MIB} bytes sent)",
    }
    assert pulled == MIB // 65536 + 1  # refused as the body streamed in
    entries = await node.entries()
    assert [e["details"].get("refused") for e in entries] == [
        None,  # the request of exactly the limit: a read of the register
        "body-too-large",
        "body-too-large",
        "body-too-large",
    ]
    assert entries[1:] == [
        refused(2, "body-too-large", messages["declared"], "declared", sha("POST /graphql")),
        refused(3, "body-too-large", messages["lying"], "lying", sha("POST /graphql")),
        refused(4, "body-too-large", messages["chunked"], "chunked", sha("POST /audit/graphql")),
    ]


async def test_the_body_limit_is_read_from_the_configuration(tmp_path: Path, clock: Clock) -> None:
    config = write_node(tmp_path)
    config.write_text(config.read_text().replace("[limits]\n", "[limits]\nmax_body_bytes = 64\n"))
    assert load_config(config).limits.max_body_bytes == 64
    async for node in serve(config, clock):
        small = {"query": "{ buildings { totalCount } }"}
        assert (await node.client.post("/graphql", json=small)).status_code == 200
        r = await node.client.post("/graphql", json={**small, "variables": {"x": "y" * 4}})
        assert r.status_code == 413
        assert r.json()["errors"][0]["message"] == (
            "the request body is larger than this server's limit of 64 bytes (Content-Length 65)"
        )


async def test_a_refused_token_is_one_entry_naming_the_public_party(node: Node) -> None:
    for i, path in enumerate(("/graphql", "/audit/graphql", "/id/building/PG46YY6YJW8N"), 1):
        headers = {"Authorization": "Bearer bogus", "X-Request-Id": f"tok{i}"}
        if path.startswith("/id/"):
            r = await node.client.get(path, headers=headers)
        else:
            r = await node.client.post(path, json={"query": "{ a }"}, headers=headers)
        assert (r.status_code, r.headers["x-request-id"]) == (401, f"tok{i}")
        assert r.json() == {
            "error": "invalid_token",
            "error_description": "unknown test token 'bogus'",
        }
    method = ("POST", "POST", "GET")
    paths = ("/graphql", "/audit/graphql", "/id/building/PG46YY6YJW8N")
    assert await node.entries() == [
        refused(
            i,
            "token",
            "unknown test token 'bogus'",
            f"tok{i}",
            sha(f"{m} {p}"),
            party=PUBLIC,
            client_id=None,
            code="invalid-token",
        )
        for i, (m, p) in enumerate(zip(method, paths, strict=True), 1)
    ]


def aliases(n: int) -> str:
    return "{ " + " ".join(f"a{i}: buildings {{ totalCount }}" for i in range(n)) + " }"


NOPE = "Cannot query field 'nope' on type "
CHAINS = "{ " + " ".join(f"c{i}: auditChain {{ ok }}" for i in range(31)) + " }"
DEEP = "{ spaces { nodes { building { spaces { building { spaces { building { rnbId } } } } } } } }"
INVALID = [
    ("/graphql", aliases(4), None, "4 aliases found. Allowed: 3", "over-limit"),
    ("/graphql", DEEP, None, "'anonymous' exceeds maximum operation depth of 6", "over-limit"),
    (
        "/graphql",
        "query Many { " + "buildings { totalCount } " * 100 + "}",
        "Many",
        "Syntax Error: Document contains more than 400 tokens. Parsing aborted.",
        "over-limit",
    ),
    (
        "/graphql",
        "query Q { castles { name } }",
        "Q",
        "Cannot query field 'castles' on type 'Query'.",
        "invalid-query",
    ),
    (
        "/graphql",
        "{ buildings {",
        None,
        "Syntax Error: Expected Name, found <EOF>.",
        "invalid-query",
    ),
    ("/audit/graphql", "{ auditLog { nope } }", None, NOPE + "'AuditPage'.", "invalid-query"),
    ("/audit/graphql", CHAINS, None, "31 aliases found. Allowed: 30", "over-limit"),
    (
        "/agreements/graphql",
        "{ agreements { nope } }",
        None,
        NOPE + "'Agreement'.",
        "invalid-query",
    ),
]


async def test_an_operation_over_the_limits_or_invalid_is_one_entry(node: Node) -> None:
    expected = []
    for i, (path, query, name, message, code) in enumerate(INVALID, 1):
        body = {"query": query, "operationName": name}
        headers = {"Authorization": "Bearer city", "X-Request-Id": f"q{i}"}
        r = await node.client.post(path, json=body, headers=headers)
        assert r.status_code == 200
        assert r.json()["data"] is None
        assert [e["message"] for e in r.json()["errors"]] == [message]
        expected.append(
            refused(
                i,
                "invalid-query",
                message,
                f"q{i}",
                operation_hash(query),
                operation_name=name,
                code=code,
            )
        )
    assert await node.entries() == expected


async def test_a_repeated_operation_is_refused_and_recorded_every_time(node: Node) -> None:
    """The node remembers the documents and verdicts of operations it has seen: the second
    sending of each invalid operation is refused with the same message and leaves its own
    entry, like the first (strawberry's own ParserCache would answer it but skip the entry)."""
    expected = []
    sent = [*INVALID, *INVALID]
    for i, (path, query, name, message, code) in enumerate(sent, 1):
        body = {"query": query, "operationName": name}
        headers = {"Authorization": "Bearer city", "X-Request-Id": f"r{i}"}
        r = await node.client.post(path, json=body, headers=headers)
        assert [e["message"] for e in r.json()["errors"]] == [message]
        fingerprint = operation_hash(query)
        expected.append(
            refused(
                i, "invalid-query", message, f"r{i}", fingerprint, operation_name=name, code=code
            )
        )
    assert await node.entries() == expected


async def test_strawberry_own_refusals_are_graphql_shaped_and_logged(node: Node) -> None:
    mutation = 'mutation { acceptOffer(offer: "x") { iri } }'
    r = await node.client.get(
        "/agreements/graphql", params={"query": mutation}, headers={"X-Request-Id": "get"}
    )
    message = "mutations are not allowed when using GET"
    assert (r.status_code, r.json()) == (
        400,
        {"errors": [{"message": message, "extensions": {"code": BAD, "requestId": "get"}}]},
    )
    fingerprint = sha("GET /agreements/graphql")
    assert await node.entries() == [
        refused(1, "bad-request", message, "get", fingerprint, party=PUBLIC, client_id=None)
    ]


async def test_a_refused_read_with_huge_variables_is_one_bounded_entry(node: Node) -> None:
    party = "https://example.org/" + "x" * 70_000
    query = "query($f: AuditFilterInput) { auditLog(filter: $f) { entries { seq } } }"
    r = await node.client.post(
        "/audit/graphql",
        json={"query": query, "variables": {"f": {"party": party}}},
        headers={"Authorization": "Bearer city"},
    )
    assert [e["message"] for e in r.json()["errors"]] == [
        "reading the audit log needs the role 'dpd'"
    ]
    (entry,) = await node.entries()
    full = '{"action":"auditRead","party":"' + party + '","reasonCode":"audit-forbidden"}'
    assert entry["details"] == {
        "action": "auditRead",
        "reasonCode": "audit-forbidden",
        "truncated": {"details": {"sha256": sha(full), "length": len(full)}},
    }
    assert (entry["party"], entry["decision"], entry["operation_name"]) == (
        P + "city",
        "deny",
        "auditLog",
    )


async def test_without_usage_control_nothing_is_written(tmp_path: Path) -> None:
    app = create_app(load_config(make_tiny(tmp_path)))
    assert app.state.usage is None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        r = await c.post("/graphql", content=b"null", headers=JSON)
        assert r.status_code == 400
        r = await c.post("/graphql", json={"query": aliases(4)})
        assert r.json()["errors"][0]["message"] == "4 aliases found. Allowed: 3"
        r = await c.post("/graphql", json={"query": "{ a }"}, headers={"Authorization": "Bearer x"})
        assert r.status_code == 401
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.db", "tiny.toml"]

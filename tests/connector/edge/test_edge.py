"""The edge every request crosses first, on a tiny app built here: request ids, the body
limit (checked as the body streams in, whatever ``Content-Length`` says), the shape of a
GraphQL POST, and the hook told of each refusal."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from connector.edge import Edge, Refusal, current_request_id, request_id_of

pytestmark = pytest.mark.anyio

LIMIT = 1000
HEX16 = re.compile(r"[0-9a-f]{16}")


def request_line_sha(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest()


class Told:
    """The refusal hook: keeps what it is told, with the request id it saw."""

    def __init__(self) -> None:
        self.refusals: list[tuple[str | None, Refusal]] = []

    async def __call__(self, scope: Scope, refusal: Refusal) -> None:
        self.refusals.append((request_id_of(scope), refusal))


@pytest.fixture
async def edge() -> AsyncIterator[tuple[httpx.AsyncClient, Told]]:
    async def echo(request: Request) -> Response:
        body = await request.body()
        return JSONResponse(
            {
                "bytes": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
                "requestId": current_request_id(),
                "stateId": request_id_of(request.scope),
            }
        )

    told = Told()
    app = Starlette(
        routes=[Route("/graphql", echo, methods=["POST"]), Route("/other", echo, methods=["POST"])],
        middleware=[
            Middleware(Edge, max_body_bytes=LIMIT, graphql_paths=("/graphql",), on_refusal=told)
        ],
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
        yield client, told


async def test_every_response_carries_a_request_id_an_incoming_safe_one_is_kept(
    edge: tuple[httpx.AsyncClient, Told],
) -> None:
    client, _ = edge
    body = {"query": "{ a }"}
    kept = await client.post("/graphql", json=body, headers={"X-Request-Id": "gw-1.a:b_c"})
    assert kept.headers.get_list("x-request-id") == ["gw-1.a:b_c"]
    assert kept.json()["requestId"] == kept.json()["stateId"] == "gw-1.a:b_c"
    for unsafe in ("two words", "x" * 65, "é".encode("latin-1"), "a/b", "<script>"):
        r = await client.post("/graphql", json=body, headers={"X-Request-Id": unsafe})
        made = r.headers["x-request-id"]
        assert HEX16.fullmatch(made) and r.json()["requestId"] == made
    first = await client.post("/graphql", json=body)
    second = await client.post("/graphql", json=body)
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert current_request_id() is None  # nothing leaks out of the request


async def test_a_body_up_to_the_limit_reaches_the_app_whole(
    edge: tuple[httpx.AsyncClient, Told],
) -> None:
    client, told = edge
    prefix = b'{"query": "{ a }", "variables": {"pad": "'
    content = prefix + b"x" * (LIMIT - len(prefix) - 3) + b'"}}'
    assert len(content) == LIMIT

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, LIMIT, 64):
            yield content[i : i + 64]

    for sent in (content, chunks()):
        r = await client.post(
            "/graphql", content=sent, headers={"content-type": "application/json"}
        )
        assert (r.status_code, r.json()["bytes"]) == (200, LIMIT)
        assert r.json()["sha256"] == hashlib.sha256(content).hexdigest()
    assert told.refusals == []


def too_large(got: str, request_id: str) -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": f"the request body is larger than this server's limit of {LIMIT} "
                f"bytes ({got})",
                "extensions": {"code": "PAYLOAD_TOO_LARGE", "requestId": request_id},
            }
        ]
    }


async def test_a_body_over_the_limit_is_refused_whatever_its_content_length_says(
    edge: tuple[httpx.AsyncClient, Told],
) -> None:
    client, told = edge
    json_type = {"content-type": "application/json"}
    honest = await client.post(
        "/graphql", content=b"x" * (LIMIT + 1), headers={**json_type, "X-Request-Id": "r1"}
    )
    lying = await client.post(
        "/graphql",
        content=b"x" * (LIMIT * 5),
        headers={**json_type, "Content-Length": "10", "X-Request-Id": "r2"},
    )
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        while pulled < 10_000:
            pulled += 1
            yield b"y" * 100

    chunked = await client.post(
        "/other", content=endless(), headers={**json_type, "X-Request-Id": "r3"}
    )
    assert [r.status_code for r in (honest, lying, chunked)] == [413, 413, 413]
    assert honest.json() == too_large(f"Content-Length {LIMIT + 1}", "r1")
    assert lying.json() == too_large(f"more than {LIMIT} bytes sent", "r2")
    assert chunked.json() == too_large(f"more than {LIMIT} bytes sent", "r3")
    assert pulled == LIMIT // 100 + 1  # refused as it streamed in, not after
    assert told.refusals == [
        (
            rid,
            Refusal(
                413,
                "PAYLOAD_TOO_LARGE",
                "body-too-large",
                r.json()["errors"][0]["message"],
                request_line_sha(f"POST {path}"),
            ),
        )
        for rid, r, path in (
            ("r1", honest, "/graphql"),
            ("r2", lying, "/graphql"),
            ("r3", chunked, "/other"),
        )
    ]


BAD_BODIES = [
    (b"null", "the request body must be a JSON object with a query, got null"),
    (b"42", "the request body must be a JSON object with a query, got a number"),
    (b'"a string"', "the request body must be a JSON object with a query, got a string"),
    (b"true", "the request body must be a JSON object with a query, got a boolean"),
    (b"[1]", "the request body is a JSON array: batched requests are not supported"),
    (
        b'[{"query": "{ a }"}]',
        "the request body is a JSON array: batched requests are not supported",
    ),
    (b"\xff\xfe{}", "the request body is not UTF-8 text (byte 0xff at position 0)"),
    (b'{"query": "\xc3"}', "the request body is not UTF-8 text (byte 0xc3 at position 11)"),
    (
        b"{not json",
        "the request body is not JSON: Expecting property name enclosed in double quotes "
        "at line 1 column 2",
    ),
    (b"", "the request body is not JSON: Expecting value at line 1 column 1"),
    (
        b'{"query": "{ a }", "variables": {"x": NaN}}',
        "the request body is not JSON: NaN is not a JSON value",
    ),
    (b"{}", "the request has no query"),
    (b'{"query": null}', "the request has no query"),
    (b'{"query": "  "}', "the request has no query"),
    (b'{"query": 1}', "query must be a string, got a number"),
    (b'{"query": {"a": 1}}', "query must be a string, got an object"),
    (
        b'{"query": "{ a }", "variables": [1]}',
        "variables must be a JSON object or null, got an array",
    ),
    (
        b'{"query": "{ a }", "operationName": 7}',
        "operationName must be a string or null, got a number",
    ),
    (
        b'{"query": "{ a }", "extensions": "x"}',
        "extensions must be a JSON object or null, got a string",
    ),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
async def test_a_graphql_post_that_is_not_a_graphql_request_is_a_400_naming_why(
    edge: tuple[httpx.AsyncClient, Told], body: bytes, message: str
) -> None:
    client, told = edge
    headers = {"content-type": "application/json", "X-Request-Id": "bad-1"}
    r = await client.post("/graphql", content=body, headers=headers)
    assert (r.status_code, r.headers["content-type"]) == (400, "application/json")
    assert r.json() == {
        "errors": [
            {"message": message, "extensions": {"code": "BAD_REQUEST", "requestId": "bad-1"}}
        ]
    }
    sha = hashlib.sha256(body).hexdigest()
    assert told.refusals == [("bad-1", Refusal(400, "BAD_REQUEST", "bad-request", message, sha))]
    # the same body elsewhere is the app's business
    other = await client.post("/other", content=body, headers=headers)
    assert (other.status_code, other.json()["bytes"]) == (200, len(body))


async def test_a_graphql_post_must_say_it_is_json(edge: tuple[httpx.AsyncClient, Told]) -> None:
    client, told = edge
    body = json.dumps({"query": "{ a }"}).encode()
    for content_type, status in (
        ("application/json; charset=utf-8", 200),
        ("text/plain", 400),
        ("application/x-www-form-urlencoded", 400),
        (None, 400),
    ):
        headers = {"content-type": content_type} if content_type else {}
        r = await client.post("/graphql", content=body, headers=headers)
        assert r.status_code == status
        if status == 400:
            expected = (
                "expected a JSON body (Content-Type: application/json), "
                f"got {content_type or 'none'!r}"
            )
            assert r.json()["errors"][0]["message"] == expected
    assert [r.what for _, r in told.refusals] == ["bad-request"] * 3


async def test_a_content_length_that_is_not_a_number_is_a_400(
    edge: tuple[httpx.AsyncClient, Told],
) -> None:
    client, _ = edge
    r = await client.post(
        "/other", content=b"{}", headers={"Content-Length": "2x", "X-Request-Id": "cl"}
    )
    assert (r.status_code, r.json()) == (
        400,
        {
            "errors": [
                {
                    "message": "the Content-Length header is not a number of bytes: '2x'",
                    "extensions": {"code": "BAD_REQUEST", "requestId": "cl"},
                }
            ]
        },
    )

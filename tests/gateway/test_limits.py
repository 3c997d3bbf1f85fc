"""The gateway's edge limits: the depth, alias and token limits of a node (by default
the node's own values, else its flags), refused before anything is planned or any
subgraph asked, with an error naming the limit; the body limit (413) whatever the
``Content-Length``; and the request id, sent back and passed on to the subgraphs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from connector.config.sections import Limits as NodeLimits
from connector.gateway.cli import parser, settings_from
from gateway import GatewaySettings, Limits, create_gateway_app

pytestmark = pytest.mark.anyio

SDL = "type Query { a: Int t: T } type T { a: Int t: T }"


@dataclass
class Subgraph:
    """A subgraph behind ``httpx.MockTransport``: its SDL, and every other request it got."""

    asked: list[tuple[str, str | None]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        query = json.loads(request.content)["query"]
        if "_service" in query:
            return httpx.Response(200, json={"data": {"_service": {"sdl": SDL}}})
        self.asked.append((query, request.headers.get("x-request-id")))
        return httpx.Response(200, json={"data": {"a": 1}})


async def gateway_over(
    subgraph: Subgraph, settings: GatewaySettings
) -> AsyncIterator[httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(subgraph.handle))
    app = create_gateway_app({"m": "http://m/graphql"}, http_client=http, settings=settings)
    assert await app.state.gateway.refresh()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
        yield c
    await http.aclose()


@pytest.fixture
def subgraph() -> Subgraph:
    return Subgraph()


@pytest.fixture
async def client(subgraph: Subgraph) -> AsyncIterator[httpx.AsyncClient]:
    async for c in gateway_over(subgraph, GatewaySettings(poll_interval=0)):
        yield c


def test_the_defaults_are_a_nodes_and_the_flags_change_them() -> None:
    node = NodeLimits()
    limits = Limits()
    assert (
        (limits.max_depth, limits.max_aliases, limits.max_tokens)
        == (
            node.max_depth,
            node.max_aliases,
            node.max_tokens,
        )
        == (10, 30, 2000)
    )
    assert GatewaySettings().max_body_bytes == node.max_body_bytes == 1048576
    base = ["--subgraph", "m=http://m/graphql"]
    assert settings_from(parser().parse_args(base)) == GatewaySettings()
    flags = ["--max-depth", "3", "--max-aliases", "2", "--max-tokens", "50"]
    args = parser().parse_args([*base, *flags, "--max-cost", "9", "--max-body-bytes", "100"])
    assert settings_from(args) == GatewaySettings(
        limits=Limits(max_depth=3, max_aliases=2, max_tokens=50, max_cost=9), max_body_bytes=100
    )


def nested(levels: int) -> str:
    return "{ " + "t { " * (levels - 1) + "a" + " }" * (levels - 1) + " }"


def aliased(n: int) -> str:
    return "{ " + " ".join(f"x{i}: a" for i in range(n)) + " }"


def rejected(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": "QUERY_REJECTED"}}]}


async def test_queries_over_the_limits_are_refused_before_any_subgraph_is_asked(
    client: httpx.AsyncClient, subgraph: Subgraph
) -> None:
    refused = {
        nested(11): "query depth 11 exceeds the limit of 10",
        aliased(
            31
        ): "the query has 31 aliases, more than this gateway's limit of 30 (--max-aliases)",
        "{ " + "a " * 1999 + "}": "the query has more than 2000 tokens, this gateway's limit "
        "(--max-tokens)",
        aliased(20_000): "the query has more than 2000 tokens, this gateway's limit (--max-tokens)",
    }
    for query, message in refused.items():
        r = await client.post("/graphql", json={"query": query})
        assert (r.status_code, r.json()) == (200, rejected(message))
    assert subgraph.asked == []
    accepted = [nested(10), aliased(30), "{ " + "a " * 98 + "}"]
    for query in accepted:
        r = await client.post("/graphql", json={"query": query})
        assert "errors" not in r.json(), (query[:40], r.json())
    assert len(subgraph.asked) == 3


async def test_the_token_limit_counts_the_parser_tokens(subgraph: Subgraph) -> None:
    settings = GatewaySettings(poll_interval=0, limits=Limits(max_tokens=50))
    async for client in gateway_over(subgraph, settings):
        at_limit = await client.post("/graphql", json={"query": "{ " + "a " * 48 + "}"})
        assert at_limit.json() == {"data": {"a": 1}}
        over = await client.post("/graphql", json={"query": "{ " + "a " * 49 + "}"})
        assert over.json() == rejected(
            "the query has more than 50 tokens, this gateway's limit (--max-tokens)"
        )
    assert len(subgraph.asked) == 1


async def test_raised_limits_still_refuse_20000_aliases_and_deep_nesting(
    subgraph: Subgraph,
) -> None:
    settings = GatewaySettings(poll_interval=0, limits=Limits(max_tokens=1_000_000, max_depth=5000))
    async for client in gateway_over(subgraph, settings):
        r = await client.post("/graphql", json={"query": aliased(20_000)})
        assert r.json() == rejected(
            "the query has 20000 aliases, more than this gateway's limit of 30 (--max-aliases)"
        )
        r = await client.post("/graphql", json={"query": nested(3000)})
        assert r.json() == {
            "errors": [
                {
                    "message": "Syntax Error: Document is nested too deeply. Parsing aborted.",
                    "locations": [{"line": 1, "column": 801}],
                    "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                }
            ]
        }
    assert subgraph.asked == []


async def test_bodies_over_the_limit_are_413_whatever_they_claim(subgraph: Subgraph) -> None:
    settings = GatewaySettings(poll_interval=0, max_body_bytes=100)
    body = json.dumps({"query": "{ a }", "variables": {"pad": "x" * 200}}).encode()
    pulled = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal pulled
        for i in range(0, len(body), 10):
            pulled += 1
            yield body[i : i + 10]

    limit = "the request body is larger than this server's limit of 100 bytes"
    async for client in gateway_over(subgraph, settings):
        sent = {
            "declared": (body, {}, f"{limit} (Content-Length {len(body)})"),
            "lying": (body, {"Content-Length": "20"}, f"{limit} (more than 100 bytes sent)"),
            "chunked": (chunks(), {}, f"{limit} (more than 100 bytes sent)"),
        }
        for rid, (content, extra, message) in sent.items():
            r = await client.post(
                "/graphql",
                content=content,
                headers={"content-type": "application/json", "X-Request-Id": rid, **extra},
            )
            assert (r.status_code, r.json()) == (
                413,
                {
                    "errors": [
                        {
                            "message": message,
                            "extensions": {"code": "PAYLOAD_TOO_LARGE", "requestId": rid},
                        }
                    ]
                },
            )
        ok = await client.post("/graphql", json={"query": "{ a }"})
        assert ok.json() == {"data": {"a": 1}}
    assert pulled == 11
    assert len(subgraph.asked) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"null", "the request body must be a JSON object with a query, got null"),
        (b"42", "the request body must be a JSON object with a query, got a number"),
        (b'"s"', "the request body must be a JSON object with a query, got a string"),
        (b"[1]", "the request body is a JSON array: batched requests are not supported"),
        (b"\xff", "the request body is not UTF-8 text (byte 0xff at position 0)"),
        (b"[", "the request body is not JSON: Expecting value at line 1 column 2"),
    ],
)
async def test_a_body_that_is_not_a_graphql_request_is_a_400_with_its_request_id(
    client: httpx.AsyncClient, subgraph: Subgraph, body: bytes, message: str
) -> None:
    r = await client.post("/graphql", content=body, headers={"X-Request-Id": "gw-400"})
    assert (r.status_code, r.headers["x-request-id"], r.json()) == (
        400,
        "gw-400",
        {
            "errors": [
                {"message": message, "extensions": {"code": "BAD_REQUEST", "requestId": "gw-400"}}
            ]
        },
    )
    assert subgraph.asked == []


async def test_the_request_id_goes_back_to_the_caller_and_on_to_the_subgraphs(
    client: httpx.AsyncClient, subgraph: Subgraph
) -> None:
    r = await client.post("/graphql", json={"query": "{ a }"}, headers={"X-Request-Id": "trace-7"})
    assert (r.headers["x-request-id"], r.json()) == ("trace-7", {"data": {"a": 1}})
    r = await client.get("/graphql", params={"query": "{ a }"})
    made = r.headers["x-request-id"]
    assert [rid for _, rid in subgraph.asked] == ["trace-7", made]
    r = await client.get("/graphql", params={"query": "{ a }", "variables": "{"})
    assert r.json() == {
        "errors": [
            {
                "message": "the variables parameter is not JSON",
                "extensions": {"code": "BAD_REQUEST", "requestId": r.headers["x-request-id"]},
            }
        ]
    }

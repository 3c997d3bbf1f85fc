"""The gateway app: GraphiQL, bad requests, /health, SDL changes picked up without a
restart, a malformed SDL leaving the last good supergraph serving."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query
from starlette.applications import Starlette

from gateway import GatewaySettings, create_gateway_app, main

pytestmark = pytest.mark.anyio


@dataclass
class FakeNode:
    """A subgraph double behind ``httpx.MockTransport``: serves ``sdl`` and a fixed answer."""

    sdl: str = "type Query { a: Int }"
    answer: Any = None
    fail: Exception | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.fail is not None:
            raise self.fail
        body = json.loads(request.content)
        if "_service" in body["query"]:
            return httpx.Response(200, json={"data": {"_service": {"sdl": self.sdl}}})
        if isinstance(self.answer, str):
            return httpx.Response(500, text=self.answer)
        return httpx.Response(200, json=self.answer)


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeNode, Starlette, httpx.AsyncClient]]:
    node = FakeNode(answer={"data": {"a": 1}})
    http = httpx.AsyncClient(transport=httpx.MockTransport(node.handle))
    app = create_gateway_app(
        {"m": "http://m/graphql"}, http_client=http, settings=GatewaySettings(poll_interval=0)
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
    yield node, app, client
    await client.aclose()
    await http.aclose()


async def post(client: httpx.AsyncClient, query: str) -> dict[str, Any]:
    r = await client.post("/graphql", json={"query": query})
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


async def test_not_ready_until_the_sdl_is_read(
    fake: tuple[FakeNode, Starlette, httpx.AsyncClient],
) -> None:
    node, app, client = fake
    node.fail = httpx.ConnectError("refused")
    assert not await app.state.gateway.refresh()
    r = await client.get("/health")
    assert r.status_code == 503
    assert r.json()["status"] == "starting"
    assert (await client.get("/supergraph")).status_code == 503
    assert r.json()["subgraphs"][0]["state"] == "unreachable"
    body = await post(client, "{ a }")
    assert body["errors"][0]["extensions"] == {"code": "GATEWAY_NOT_READY"}
    assert "waiting for the SDL of m" in body["errors"][0]["message"]


async def test_sdl_changes_are_picked_up_and_a_malformed_one_is_reported(
    fake: tuple[FakeNode, Starlette, httpx.AsyncClient], caplog: pytest.LogCaptureFixture
) -> None:
    node, app, client = fake
    gateway = app.state.gateway
    assert await gateway.refresh()
    assert await post(client, "{ a }") == {"data": {"a": 1}}
    assert not await gateway.refresh()  # unchanged SDL: nothing recomposed
    node.sdl = "type Query { a: Int b: String }"
    node.answer = {"data": {"b": "new"}}
    assert await gateway.refresh()
    assert await post(client, "{ b }") == {"data": {"b": "new"}}

    node.sdl = "type Query { a: Int b: String"  # malformed
    with caplog.at_level(logging.ERROR, logger="guichet.gateway"):
        assert not await gateway.refresh()
    assert "subgraph 'm': SDL does not parse" in caplog.text
    assert await post(client, "{ b }") == {"data": {"b": "new"}}  # last good still serves
    health = (await client.get("/health")).json()
    assert health["status"] == "degraded"
    (m,) = health["subgraphs"]
    assert (m["name"], m["url"], m["state"]) == ("m", "http://m/graphql", "malformed")
    assert m["error"].startswith("subgraph 'm': SDL does not parse: Syntax Error")
    sdl = (await client.get("/supergraph")).text
    assert "type Query {\n  a: Int\n  b: String\n}" in sdl  # the last good one


async def test_the_poller_recomposes_without_a_restart() -> None:
    node = FakeNode(answer={"data": {"c": 3}})
    http = httpx.AsyncClient(transport=httpx.MockTransport(node.handle))
    app = create_gateway_app(
        {"m": "http://m/graphql"}, http_client=http, settings=GatewaySettings(poll_interval=0.05)
    )
    gateway = app.state.gateway
    await gateway.refresh()
    first = gateway.version
    poller = asyncio.create_task(gateway.poll())
    try:
        node.sdl = "type Query { a: Int c: Int }"
        for _ in range(100):
            await asyncio.sleep(0.02)
            if gateway.version != first:
                break
        assert gateway.version != first
        assert await gateway.respond("{ c }") == {"data": {"c": 3}}
    finally:
        poller.cancel()
        await http.aclose()


async def test_bad_requests_and_failures_never_show_a_stack_trace(
    fake: tuple[FakeNode, Starlette, httpx.AsyncClient],
) -> None:
    node, app, client = fake
    await app.state.gateway.refresh()
    r = await client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    message = "the request body is not JSON: Expecting property name enclosed in double quotes"
    assert r.json() == {
        "errors": [
            {
                "message": message + " at line 1 column 2",
                "extensions": {"code": "BAD_REQUEST", "requestId": r.headers["x-request-id"]},
            }
        ]
    }
    r = await client.post("/graphql", json={"variables": {}})
    assert r.status_code == 400 and r.json()["errors"][0]["message"] == "the request has no query"

    node.answer = "Internal Server Error"
    body = await post(client, "{ a }")
    assert body == {
        "data": {"a": None},
        "errors": [
            {
                "message": "subgraph 'm': HTTP 500 without a GraphQL answer",
                "path": ["a"],
                "extensions": {"code": "SUBGRAPH_BAD_RESPONSE", "node": "m"},
            }
        ],
    }
    node.fail = RuntimeError("a bug somewhere, with secrets in its traceback")
    r = await client.post("/graphql", json={"query": "{ a }"}, headers={"X-Request-Id": "rq-1"})
    assert r.headers["x-request-id"] == "rq-1"
    assert r.json() == {
        "errors": [
            {
                "message": "internal gateway error",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "rq-1"},
            }
        ]
    }


async def test_graphiql_for_a_browser_and_get_queries(
    fake: tuple[FakeNode, Starlette, httpx.AsyncClient],
) -> None:
    _, app, client = fake
    await app.state.gateway.refresh()
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    r = await client.get("/graphql", params={"query": "{ a }"})
    assert r.json() == {"data": {"a": 1}}
    schema = await client.get("/graphql", params={"query": "{ __schema { queryType { name } } }"})
    assert schema.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_sdl_from_a_supergraph_config_file(tmp_path: Path) -> None:
    (tmp_path / "m.graphql").write_text("type Query { a: Int }", encoding="utf-8")
    config = tmp_path / "supergraph.toml"
    config.write_text(
        '[subgraphs.m]\nrouting_url = "http://m/graphql"\nschema.file = "m.graphql"\n',
        encoding="utf-8",
    )
    node = FakeNode(sdl="this SDL is never read", answer={"data": {"a": 7}})
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content)["query"])
        return node.handle(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        app = create_gateway_app(
            supergraph=config, http_client=http, settings=GatewaySettings(poll_interval=0)
        )
        assert await app.state.gateway.refresh()
        assert await app.state.gateway.respond("{ a }") == {"data": {"a": 7}}
    assert seen == ["query Anonymous__m__1 {\n  a\n}"]


async def test_graphiql_introspection_passes_the_default_limits(
    fake: tuple[FakeNode, Starlette, httpx.AsyncClient],
) -> None:
    _, app, client = fake
    await app.state.gateway.refresh()
    body = await post(client, get_introspection_query())
    assert "errors" not in body
    assert {t["name"] for t in body["data"]["__schema"]["types"]} >= {"Query", "Int"}


async def test_mutations_are_refused_over_get(
    fake: tuple[FakeNode, Starlette, httpx.AsyncClient],
) -> None:
    node, app, client = fake
    node.sdl = "type Query { a: Int }\ntype Mutation { bump: Int }"
    await app.state.gateway.refresh()
    r = await client.get("/graphql", params={"query": "mutation { bump }"})
    assert r.status_code == 405
    assert r.json()["errors"][0] == {
        "message": "a mutation cannot be sent with GET: use POST",
        "extensions": {"code": "METHOD_NOT_ALLOWED"},
    }


def test_main_says_what_is_wrong_with_its_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--subgraph", "cda"]) == 1
    assert (
        "error: --subgraph: cda: expected NAME=URL with an http(s) URL" in capsys.readouterr().err
    )
    assert main([]) == 2
    assert "give --subgraph NAME=URL or --supergraph FILE" in capsys.readouterr().err
    assert main(["--supergraph", "/nonexistent/supergraph.toml"]) == 1
    assert "supergraph.toml: -: file not found" in capsys.readouterr().err

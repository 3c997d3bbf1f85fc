"""The demo nodes as in-process apps behind a routing transport, and the gateway over
them. The transport is the gateway's HTTP port: it routes by host name to each node's
ASGI app, counts requests and can take a node down or make it slow, without patching."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from connector.app import create_app
from connector.config import load_config
from connector.demo.generate import DemoPaths, generate
from connector.graphql import build_schema
from connector.identity import Identity
from connector.node import Node
from gateway import GatewaySettings, create_gateway_app

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "connector" / "demo"
NODES = ("cda", "atmo", "bouygues")
SCHOOL = "École Saint-Christophe"
BOUYGUES = "https://guichet.agglo-larochelle.fr/participants/bouygues"


def demo_sdls() -> dict[str, str]:
    """The demo nodes' subgraph SDLs, built from their shipped configs."""
    return {
        n: build_schema(Node.from_config(load_config(DEMO / f"{n}.toml"))).as_str() for n in NODES
    }


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return generate(tmp_path_factory.mktemp("demo"))


class TokenTable:
    """The nodes' verifier port: ``Bearer bouygues`` is Bouygues; no header is the public."""

    async def verify(self, authorization_header: str | None) -> Identity:
        if authorization_header == "Bearer bouygues":
            return Identity(party=BOUYGUES, client_id="bouygues-app", token_id="t-b")
        return Identity.public()


def node_apps(demo: DemoPaths, *, enforce: Iterable[str] = ()) -> dict[str, Starlette]:
    apps: dict[str, Starlette] = {}
    for name, path in demo.configs.items():
        config = load_config(path)
        if name in enforce:
            apps[name] = create_app(config, verifier=TokenTable())
        else:
            apps[name] = create_app(
                replace(config, usage=replace(config.usage, enforce=False)), verifier=TokenTable()
            )
    return apps


@dataclass
class Router(httpx.AsyncBaseTransport):
    """Routes ``http://NAME/graphql`` to node ``NAME``'s app; records every request."""

    apps: dict[str, Starlette]
    down: set[str] = field(default_factory=set)
    flaky: dict[str, int] = field(default_factory=dict)  # name -> connection failures left
    delay: dict[str, float] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, Any], httpx.Headers]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        name = request.url.host
        body = json.loads(request.content or b"{}")
        self.requests.append((name, body, request.headers))
        if name in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.flaky.get(name, 0) > 0:
            self.flaky[name] -= 1
            raise httpx.ConnectError("connection reset", request=request)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if name in self.delay:
                await asyncio.sleep(self.delay[name])
            return await httpx.ASGITransport(app=self.apps[name]).handle_async_request(request)
        finally:
            self.in_flight -= 1

    def count(self, name: str, *, entities: bool | None = None) -> int:
        def keep(body: dict[str, Any]) -> bool:
            query = str(body.get("query", ""))
            if "_service" in query:
                return False
            return entities is None or (("_entities" in query) == entities)

        return sum(1 for n, b, _ in self.requests if n == name and keep(b))

    def reset(self) -> None:
        self.requests.clear()
        self.most_in_flight = 0


@dataclass
class GatewayCaller:
    app: Starlette
    router: Router
    client: httpx.AsyncClient

    async def __call__(
        self,
        query: str,
        *,
        headers: dict[str, str] | None = None,
        plan: bool = False,
        **variables: Any,
    ) -> dict[str, Any]:
        extra = {"X-Guichet-Query-Plan": "1"} if plan else {}
        r = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={**extra, **(headers or {})},
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


GatewayFactory = Callable[..., Any]


class Gateways:
    """Gateways over in-process node apps (a :class:`Router` counting between them), all
    closed together with :meth:`aclose` (their clients, and the apps' audit logs)."""

    def __init__(self) -> None:
        self.opened: list[tuple[httpx.AsyncClient, httpx.AsyncClient, Mapping[str, Any]]] = []

    async def over(
        self,
        apps: Mapping[str, Any],
        *,
        settings: GatewaySettings | None = None,
        must_compose: bool = False,
        subgraphs: Iterable[str] | None = None,
    ) -> GatewayCaller:
        """A gateway over ``subgraphs`` (default: every one) of ``apps`` (name -> ASGI app),
        its SDL fetched once."""
        router = Router(dict(apps))
        http = httpx.AsyncClient(transport=router)
        app = create_gateway_app(
            {n: f"http://{n}/graphql" for n in (apps if subgraphs is None else subgraphs)},
            http_client=http,
            settings=settings or GatewaySettings(poll_interval=0),
        )
        composed = await app.state.gateway.refresh()
        assert composed or not must_compose
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
        self.opened.append((client, http, apps))
        router.reset()
        return GatewayCaller(app, router, client)

    async def aclose(self) -> None:
        for client, http, apps in self.opened:
            await client.aclose()
            await http.aclose()
            for a in apps.values():
                usage = getattr(getattr(a, "state", None), "usage", None)
                if usage is not None:
                    await usage.audit.aclose()


@pytest.fixture
async def make_gateway(demo: DemoPaths) -> AsyncIterator[GatewayFactory]:
    """``await make_gateway(enforce=..., settings=...)``: a ready gateway over the demo."""
    gateways = Gateways()

    async def make(
        *, enforce: Iterable[str] = (), settings: GatewaySettings | None = None
    ) -> GatewayCaller:
        apps = node_apps(demo, enforce=enforce)
        return await gateways.over(apps, settings=settings, must_compose=True, subgraphs=NODES)

    yield make
    await gateways.aclose()


async def direct(
    app: Starlette, query: str, *, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    """Ask one node directly, as an independent reference for the gateway's answers."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as c:
        r = await c.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    body: dict[str, Any] = r.json()
    return body

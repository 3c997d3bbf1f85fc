"""The gateway as a Starlette app: GraphQL at ``path`` (POST JSON, GET with a query
string; GraphiQL for a browser), ``/health`` listing the subgraphs and their state,
``/supergraph`` the composed API schema (SDL), ``/catalog`` the nodes' DCAT catalogs as one
(:mod:`._catalog`), and ``/console/`` the DPD console when the
gateway is given one. Every request goes through :class:`~connector.edge.Edge` first
(request id, passed on to the subgraphs; body limit; the shape of a GraphQL POST).
The SDL poller runs for the app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from connector.edge import BAD_REQUEST, Edge, current_request_id, error_response, request_id_of
from connector.edge import HEADER as REQUEST_ID
from connector.gateway._catalog import CatalogEndpoint
from connector.gateway._gateway import Gateway
from connector.graphql.ide import ASSET_ROUTE, graphiql_response
from connector.telemetry import Observe, Telemetry, faces_of

PLAN_HEADER = "x-guichet-query-plan"
log = logging.getLogger("guichet.gateway")


def _bad_request(message: str) -> JSONResponse:
    return error_response(400, message, BAD_REQUEST, current_request_id())


class GraphQLEndpoint:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def handle(self, request: Request) -> Response:
        if request.method == "GET":
            if (
                "text/html" in request.headers.get("accept", "")
                and "query" not in request.query_params
            ):
                return graphiql_response(request, "Guichet gateway")
            params: dict[str, Any] = dict(request.query_params)
            if "variables" in params:
                try:
                    params["variables"] = json.loads(params["variables"])
                except ValueError:
                    return _bad_request("the variables parameter is not JSON")
        else:
            try:
                params = await request.json()
            except ValueError:
                return _bad_request("the request body is not JSON")
        if not isinstance(params, dict):
            return _bad_request("the request body must be a JSON object")
        query = params.get("query")
        variables = params.get("variables") or {}
        operation_name = params.get("operationName")
        if not isinstance(query, str) or not query.strip():
            return _bad_request("the request has no query")
        if not isinstance(variables, dict):
            return _bad_request("variables must be a JSON object")
        if operation_name is not None and not isinstance(operation_name, str):
            return _bad_request("operationName must be a string")
        extensions = params.get("extensions")
        show_plan = request.headers.get(PLAN_HEADER, "").lower() in ("1", "true") or (
            isinstance(extensions, dict) and bool(extensions.get("queryPlan"))
        )
        forwarded = {
            h: request.headers[h]
            for h in self.gateway.settings.forward_headers
            if h in request.headers
        }
        if (request_id := request_id_of(request.scope)) is not None:
            forwarded[REQUEST_ID] = request_id  # one request, one id in every log
        body = await self.gateway.respond(
            query,
            variables=variables,
            operation_name=operation_name,
            headers=forwarded,
            show_plan=show_plan,
            read_only=request.method == "GET",
        )
        refused = any(
            e.get("extensions", {}).get("code") == "METHOD_NOT_ALLOWED"
            for e in body.get("errors", ())
        )
        return JSONResponse(body, status_code=405 if refused else 200)


def build_app(
    gateway: Gateway,
    *,
    path: str = "/graphql",
    on_close: Callable[[], Any] | None = None,
    mounts: Sequence[BaseRoute] = (),
    telemetry: Telemetry | None = None,
) -> Starlette:
    """The ASGI app around ``gateway``; ``on_close`` (e.g. closing an owned HTTP client)
    runs at shutdown; ``mounts`` are further routes (the DPD console at ``/console``);
    ``telemetry`` its metrics (``/metrics``) and traces (by the subgraph client's when
    not given)."""
    telemetry = telemetry or gateway.client.telemetry or Telemetry("guichet-gateway")

    async def health(_: Request) -> JSONResponse:
        report = gateway.health()
        return JSONResponse(report, status_code=503 if report["status"] == "starting" else 200)

    async def supergraph(_: Request) -> Response:
        responder = gateway.responder
        if responder is None:
            return PlainTextResponse("no supergraph composed yet\n", status_code=503)
        return PlainTextResponse(responder.supergraph.sdl)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            await gateway.refresh()
        except Exception:  # not fatal: the poller retries, /health and the log say why
            log.exception("first supergraph composition failed")
        poller = asyncio.create_task(gateway.poll())
        try:
            yield
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
            if on_close is not None:
                result = on_close()
                if asyncio.iscoroutine(result):
                    await result

    endpoint = GraphQLEndpoint(gateway)
    routes: list[BaseRoute] = [
        Route(path, endpoint.handle, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        ASSET_ROUTE,
        Route("/supergraph", supergraph, methods=["GET"]),
        Route("/catalog", CatalogEndpoint(gateway.catalog).handle, methods=["GET"]),
        *mounts,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(Observe, telemetry=telemetry, faces=faces_of(routes)),
            Middleware(
                Edge,
                max_body_bytes=gateway.settings.max_body_bytes,
                graphql_paths=(path,),
                json_only=False,
            ),
        ],
    )
    app.state.gateway = gateway
    app.state.telemetry = telemetry
    return app


def owned_client() -> httpx.AsyncClient:
    """The HTTP client a gateway makes for itself when none is injected: keep-alive
    connections, with ``TCP_NODELAY``. Without it the body of a request sent after its
    headers waits for the node's delayed ACK (Nagle's algorithm): an ``_entities`` request
    of 931 representations took 161 ms against 94 ms with it, and about 80 ms from
    ``http.client`` or httpx's synchronous client (``bench.federation``, issue 14)."""
    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=200),
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
    )
    return httpx.AsyncClient(timeout=None, transport=transport)

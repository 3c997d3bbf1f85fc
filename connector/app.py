"""The node's ASGI application: GraphQL subgraph, linked-data views, catalog, health.

>>> app = create_app(load_config("cda.toml"))  # doctest: +SKIP
>>> uvicorn.run(app, host="127.0.0.1", port=8101)  # doctest: +SKIP

Routes::

    /graphql                 GraphQL (POST, GET); GraphiQL when a browser asks for HTML
    /id/{type}/{key}         an entity, JSON-LD or Turtle by content negotiation
    /catalog                 DCAT 3 catalog with each dataset's ODRL policy
    /context.jsonld          the JSON-LD context
    /.well-known/dspace-version, /dsp/...   the Dataspace Protocol 2025-1 (connector.dsp)
    /health                  each source's state
    /console/                the DPD console over this node, when ``[console]`` is set

Every request goes through :class:`~connector.edge.Edge` first (its request id, the
``[limits] max_body_bytes`` limit, the shape of a GraphQL POST); every request refused
before a usage decision is written to the audit log (:mod:`connector.refusals`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from connector import node_telemetry, rollup_schedule
from connector.audit import AuditLog
from connector.audit.watch import ChainWatch
from connector.commands import long_lived
from connector.config import NodeConfig, load_config
from connector.console.mounting import PATH as CONSOLE_PATH
from connector.console.mounting import node_console
from connector.dpd import WELL_KNOWN, export_view, on_startup, protected_resource, summary_view
from connector.dsp.routes import DspNode
from connector.edge import Edge, Refusal, request_fingerprint
from connector.errors import AuthError, ConfigError, ConfigIssue, GuichetError, SourceError
from connector.graphql.asgi import agreement_graphql, audit_graphql, node_graphql
from connector.graphql.ide import ASSET_ROUTE
from connector.identity import (
    PUBLIC_PARTY,
    Identity,
    JwtVerifier,
    TokenVerifier,
    VerifierSettings,
    unauthorized,
)
from connector.linked import LinkedViews, problem
from connector.model import ENTITIES
from connector.ngsi import NgsiViews, ngsi_unauthorized
from connector.node import Node
from connector.refusals import RefusalLog
from connector.telemetry import Observe, Telemetry, configure_logging, faces_of
from connector.usage import UsageControl, load_policies
from connector.usage.consistency import check_consistency

log = logging.getLogger("guichet.node")

GRAPHQL_PATHS = ("/graphql", "/audit/graphql", "/agreements/graphql")


class AuditExport:
    """``/audit/export.{csv,jsonld}`` as an ASGI app, so that :class:`AuthGate` wraps it."""

    def __init__(
        self, config: NodeConfig, audit: AuditLog, control: UsageControl, fmt: str
    ) -> None:
        self.config, self.audit, self.control, self.fmt = config, audit, control, fmt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await export_view(request, self.config, self.audit, self.fmt, self.control)
        await response(scope, receive, send)


class _Endpoint:
    """A request handler as an ASGI app, so that :class:`AuthGate` can wrap it."""

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(Request(scope, receive))
        await response(scope, receive, send)


class AuthGate:
    """ASGI wrapper: establishes the caller from the ``Authorization`` header, or answers
    401 (RFC 6750) with the reason a token was refused, told to ``refusals``. No header:
    the public party. ``refused`` shapes the 401 (a protocol may want its own body)."""

    def __init__(
        self,
        app: ASGIApp,
        verifier: TokenVerifier | None,
        refusals: RefusalLog | None = None,
        *,
        refused: Callable[[AuthError], Response] = unauthorized,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.refusals = refusals
        self.refused = refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get("authorization")
        try:
            if self.verifier is None:
                if header:
                    raise AuthError("this node accepts no tokens: no [auth] issuer is configured")
                identity = Identity.public()
            else:
                identity = await self.verifier.verify(header)
        except AuthError as exc:
            if self.refusals is not None:
                refusal = Refusal(
                    401, "UNAUTHENTICATED", "token", str(exc), request_fingerprint(scope)
                )
                await self.refusals.record(scope, refusal, identity=Identity.public())
            await self.refused(exc)(scope, receive, send)
            return
        scope.setdefault("state", {})["identity"] = identity
        await self.app(scope, receive, send)


class NodeViews:
    """The node's own routes beside its faces: its index and its health."""

    def __init__(
        self,
        node: Node,
        control: UsageControl | None,
        problems: list[str],
        watch: ChainWatch | None = None,
    ) -> None:
        self.node = node
        self.control = control
        self.config = node.config
        self.problems = problems
        self.watch = watch

    async def health(self, request: Request) -> Response:
        states = await self.node.health()
        policies = self.control.problems if self.control is not None else {}
        broken = self.watch is not None and self.watch.broken
        ok = all(s.ok for s in states) and not policies and not self.problems and not broken
        body = {
            "status": "ok" if ok else "degraded",
            "node": self.config.name,
            "participant": self.config.participant,
            "sources": [{"name": s.source, "ok": s.ok, "detail": s.detail} for s in states],
            "policyErrors": policies,
            "configErrors": self.problems,
        }
        if self.watch is not None:
            body["audit"] = self.watch.state.as_json()
        return JSONResponse(body)

    async def index(self, request: Request) -> Response:
        base = self.config.base_iri
        return JSONResponse(
            {
                "node": self.config.name,
                "title": self.config.title,
                "participant": self.config.participant,
                "graphql": f"{base}/graphql",
                "catalog": f"{base}/catalog",
                "context": f"{base}/context.jsonld",
                "health": f"{base}/health",
                "entities": {
                    ENTITIES[n].name: f"{base}/id/{ENTITIES[n].path}/{{key}}"
                    for n in self.config.entities
                },
            }
        )


def no_auth_warning(config: NodeConfig) -> str:
    """What a node without ``[auth]`` says when it starts: who can read it."""
    return (
        f"node {config.name!r} ({config.file}) has no [auth] section: it accepts no token, "
        f"so EVERY caller is the public party {PUBLIC_PARTY} and reads whatever the "
        "policies give the public. Add [auth] (issuer, audience) to know who calls."
    )


def create_app(
    config: NodeConfig,
    *,
    node: Node | None = None,
    http_client: httpx.AsyncClient | None = None,
    verifier: TokenVerifier | None = None,
    clock: Callable[[], datetime] | None = None,
    telemetry: Telemetry | None = None,
    dsp_client: httpx.AsyncClient | None = None,
) -> Starlette:
    """The node as an ASGI app. Sources connect lazily: a source that is down does not stop
    the node from starting; ``/health`` names it and queries touching it get an error.
    ``telemetry``: its metrics and traces (by default its own, named after the node).
    ``dsp_client`` sends the node's Dataspace Protocol messages (default: a client of its
    own)."""
    node = node or Node.from_config(config, http_client=http_client)
    owned_telemetry = telemetry is None
    telemetry = telemetry or Telemetry(f"guichet-node-{config.name}")
    policies = load_policies(config)
    control = None
    problems: list[str] = []
    if config.usage.enforce:
        audit = AuditLog(
            config.usage.audit_db,
            node=config.name,
            busy_timeout=config.usage.audit_busy_timeout,
            durability=config.usage.audit_durability,
            on_append=functools.partial(node_telemetry.decided, telemetry),
        )
        control = UsageControl(config, policies, audit=audit, **({"clock": clock} if clock else {}))
        now = (clock or (lambda: datetime.now(UTC)))()
        problems = [f"{config.file}: {f}" for f in check_consistency(config, policies, now=now)]
        for p in problems:
            log.error("%s", p)
    watch = (
        ChainWatch(
            control.audit,
            interval=config.usage.audit_check_interval,
            node=config.name,
            key=lambda: control.pseudonym_key,
        )
        if control is not None
        else None
    )
    views = NodeViews(node, control, problems, watch)
    linked_views = LinkedViews(node, policies, control)
    ngsi_views = NgsiViews(node, control)
    dsp = DspNode(
        config,
        policies,
        control,
        client=dsp_client,
        clock=control.clock if control is not None else (clock or (lambda: datetime.now(UTC))),
    )
    if verifier is None and config.auth is not None:
        verifier = JwtVerifier(
            VerifierSettings(**config.auth.settings),
            client=http_client or httpx.AsyncClient(timeout=10),
        )
    if verifier is None:
        log.warning("%s", no_auth_warning(config))
    verifier = dsp.verifier(verifier)  # the transfers' tokens, bound to an agreement
    refusals = RefusalLog(control, verifier)
    graphql_app = AuthGate(node_graphql(node, control, refusals=refusals), verifier, refusals)
    ngsi_views.carbon.graphql = graphql_app  # CarbonFootprint is the GraphQL computation
    console = node_console(config)
    flusher = node_telemetry.footprint(
        config, telemetry, control.audit if control is not None else None, clock
    )

    rollup = rollup_schedule.schedule(config, node)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await on_startup(control)
        if rollup is not None:
            rollup.start()
        if watch is not None:
            watch.start()
        if flusher is not None:
            flusher.start()
        yield
        if rollup is not None:
            await rollup.stop()
        if flusher is not None:
            await flusher.stop()
        if watch is not None:
            await watch.stop()
        await dsp.aclose()
        await node.aclose()
        if control is not None:
            await control.audit.aclose()
        if console is not None:
            await console.state.aclose()
        if owned_telemetry:
            telemetry.shutdown()

    async def on_guichet_error(request: Request, exc: Exception) -> Response:
        status = 503 if isinstance(exc, SourceError) else 400
        return problem(status, str(exc) if isinstance(exc, GuichetError) else "error")

    routes = [
        Route("/", views.index),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        Route(
            "/id/{type}/{key:path}", AuthGate(_Endpoint(linked_views.entity), verifier, refusals)
        ),
        Route(
            "/ngsi-ld/v1/entities",
            AuthGate(_Endpoint(ngsi_views.entities), verifier, refusals, refused=ngsi_unauthorized),
        ),
        Route(
            "/ngsi-ld/v1/temporal/entities",
            AuthGate(
                _Endpoint(ngsi_views.observed.temporal),
                verifier,
                refusals,
                refused=ngsi_unauthorized,
            ),
        ),
        Route("/catalog", linked_views.catalog),
        Route("/context.jsonld", linked_views.context),
        Route("/health", views.health),
        ASSET_ROUTE,
        Route(WELL_KNOWN, protected_resource(config)),
        *dsp.routes(
            lambda handler, refused: AuthGate(
                _Endpoint(handler), verifier, refusals, refused=refused
            )
        ),
    ]
    if control is not None:
        audit = control.audit
        routes += [
            Route(
                "/audit/graphql",
                AuthGate(
                    audit_graphql(config, audit, control, refusals=refusals, node=node),
                    verifier,
                    refusals,
                ),
                methods=["GET", "POST"],
            ),
            Route(
                "/audit/export.csv",
                AuthGate(AuditExport(config, audit, control, "csv"), verifier, refusals),
            ),
            Route(
                "/agreements/graphql",
                AuthGate(agreement_graphql(control, refusals=refusals), verifier, refusals),
                methods=["GET", "POST"],
            ),
            Route(
                "/audit/export.jsonld",
                AuthGate(AuditExport(config, audit, control, "jsonld"), verifier, refusals),
            ),
            Route(
                "/audit/summary",
                AuthGate(
                    _Endpoint(
                        functools.partial(summary_view, config=config, audit=audit, control=control)
                    ),
                    verifier,
                    refusals,
                ),
            ),
        ]
    mounts = [Mount(CONSOLE_PATH, app=console)] if console is not None else []
    app = Starlette(
        routes=[*routes, *mounts],
        lifespan=lifespan,
        exception_handlers={GuichetError: on_guichet_error},
        middleware=[
            Middleware(Observe, telemetry=telemetry, faces=faces_of([*routes, *mounts])),
            Middleware(
                Edge,
                max_body_bytes=config.limits.max_body_bytes,
                graphql_paths=GRAPHQL_PATHS,
                on_refusal=refusals,
            ),
        ],
    )
    app.state.node = node
    app.state.graphql = graphql_app  # its .app.schema.compiled: the compiled path's counts
    app.state.usage = control
    app.state.telemetry = telemetry
    telemetry.metrics.watch_pools(
        lambda: node_telemetry.pools(node, control.audit if control is not None else None)
    )
    return app


CONFIG_ENV = "GUICHET_NODE_CONFIG"
"""The configuration file of the node :func:`app_from_environment` builds."""


def app_from_environment() -> Starlette:
    """The node whose configuration ``GUICHET_NODE_CONFIG`` names: the app factory each
    process of ``guichet node --workers N`` (or ``uvicorn --factory
    connector.app:app_from_environment``, or gunicorn with uvicorn workers) builds."""
    path = os.environ.get(CONFIG_ENV)
    if not path:
        raise ConfigError([ConfigIssue(CONFIG_ENV, "", "names no node configuration file")])
    configure_logging(None)  # a worker process logs as its parent was told to
    return long_lived(create_app(load_config(path)))

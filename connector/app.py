"""The node's ASGI application: GraphQL subgraph, linked-data views, catalog, health.

>>> app = create_app(load_config("cda.toml"))  # doctest: +SKIP
>>> uvicorn.run(app, host="127.0.0.1", port=8101)  # doctest: +SKIP

Routes::

    /graphql                 GraphQL (POST, GET); GraphiQL when a browser asks for HTML
    /id/{type}/{key}         an entity, JSON-LD or Turtle by content negotiation
    /catalog                 DCAT 3 catalog with each dataset's ODRL policy
    /context.jsonld          the JSON-LD context
    /health                  each source's state
    /console/                the DPD console over this node, when ``[console]`` is set
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL

import ontology
from connector import linked
from connector.audit import AuditLog, operation_hash
from connector.catalog import PolicyDocument, catalog_document, load_policy_document
from connector.config import NodeConfig
from connector.console.mounting import PATH as CONSOLE_PATH
from connector.console.mounting import node_console
from connector.errors import AuthError, GuichetError, QueryError, SourceError
from connector.graphql import RequestContext, build_schema
from connector.identity import Identity, JwtVerifier, TokenVerifier, VerifierSettings, unauthorized
from connector.identity.asgi import caller
from connector.model import ENTITIES, EntityType
from connector.node import Node
from connector.rnb import InvalidRnbId, canonical_rnb_id
from connector.sources.base import Condition, Select
from connector.usage.agreements_api import AGREEMENT_SCHEMA, AgreementContext
from connector.usage.analysis import Touched
from connector.usage.audit_api import AUDIT_SCHEMA, AuditContext, export_view
from connector.usage.audit_api_node import WELL_KNOWN, on_startup, protected_resource
from connector.usage.control import UsageControl
from connector.usage.decision import PolicyDenied, RequestUsage

log = logging.getLogger("guichet.node")


class NodeGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view with our per-request context: the caller's identity (set by
    :class:`AuthGate`) and the node's usage control."""

    def __init__(self, node: Node, control: UsageControl | None, **kwargs: Any) -> None:
        super().__init__(build_schema(node), **kwargs)
        self.node = node
        self.control = control

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        identity = caller(request)
        return RequestContext(
            node=self.node,
            request=request,
            response=response,
            identity=identity,
            control=self.control,
        )


class AuditGraphQL(GraphQL[AuditContext, None]):
    """The DPD's audit endpoint (``/audit/graphql``)."""

    def __init__(self, config: NodeConfig, audit: AuditLog, control: UsageControl) -> None:
        super().__init__(AUDIT_SCHEMA, graphql_ide="graphiql")
        self.config = config
        self.audit = audit
        self.control = control

    async def get_context(self, request: Any, response: Any) -> AuditContext:
        identity = caller(request)
        return AuditContext(
            self.config, self.audit, identity, document="POST /audit/graphql", control=self.control
        )


class AgreementGraphQL(GraphQL[AgreementContext, None]):
    """Contracting: ``/agreements/graphql`` (acceptOffer, agreements)."""

    def __init__(self, control: UsageControl) -> None:
        super().__init__(AGREEMENT_SCHEMA, graphql_ide="graphiql")
        self.control = control

    async def get_context(self, request: Any, response: Any) -> AgreementContext:
        identity = caller(request)
        return AgreementContext(self.control, identity)


class AuditExport:
    """``/audit/export.{csv,jsonld}`` as an ASGI app, so that :class:`AuthGate` wraps it."""

    def __init__(self, config: NodeConfig, audit: AuditLog, fmt: str) -> None:
        self.config, self.audit, self.fmt = config, audit, fmt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await export_view(Request(scope, receive), self.config, self.audit, self.fmt)
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
    401 (RFC 6750) with the reason a token was refused. No header: the public party."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier | None) -> None:
        self.app = app
        self.verifier = verifier

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
            await unauthorized(exc)(scope, receive, send)
            return
        scope.setdefault("state", {})["identity"] = identity
        await self.app(scope, receive, send)


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class NodeViews:
    """The non-GraphQL routes of a node."""

    def __init__(
        self, node: Node, policies: dict[str, PolicyDocument], control: UsageControl | None = None
    ) -> None:
        self.node = node
        self.control = control
        self.config = node.config
        self.policies = policies
        self.by_path = {ENTITIES[n].path: ENTITIES[n] for n in self.config.entities}

    def _rdf_response(self, request: Request, nodes: list[dict[str, Any]]) -> Response:
        media = linked.negotiate(request.headers.get("accept"))
        if media is None:
            return _problem(
                406,
                f"not acceptable: this resource is served as {linked.JSONLD} or {linked.TURTLE}",
            )
        headers = {"Vary": "Accept"}
        if media == linked.TURTLE:
            return Response(
                linked.to_turtle(nodes), media_type="text/turtle; charset=utf-8", headers=headers
            )
        return JSONResponse(linked.to_jsonld(nodes), media_type=linked.JSONLD, headers=headers)

    def _key(self, entity: EntityType, raw: str) -> str:
        if entity.field(entity.key).type == "RnbId":
            try:
                return canonical_rnb_id(raw)
            except InvalidRnbId as exc:
                raise QueryError(str(exc)) from exc
        return raw

    async def _usage(self, request: Request, entity: EntityType) -> RequestUsage | None:
        """Decide on reading the entity's datasets (its fields and its relations' targets)."""
        if self.control is None:
            return None
        touched = Touched()
        for f in self.config.entities[entity.name].fields:
            if (ds := self.config.dataset_of(entity.name, f)) is not None:
                touched.read.add(ds.id)
        for rel in self.node.relations(entity.name):
            for f in (ENTITIES[rel.target].key, rel.via):
                if (ds := self.config.dataset_of(rel.target, f)) is not None:
                    touched.read.add(ds.id)
        identity = caller(request)
        return await self.control.decide(identity, touched)

    async def entity(self, request: Request) -> Response:
        entity = self.by_path.get(request.path_params["type"])
        if entity is None:
            return _problem(
                404,
                f"this node serves no entity type at "
                f"/id/{request.path_params['type']}/; it serves "
                f"{', '.join(sorted(self.by_path)) or 'none'}",
            )
        usage = await self._usage(request, entity)
        try:
            response = await self._entity(request, entity, usage)
        finally:
            if usage is not None and self.control is not None:
                await self.control.record(
                    usage,
                    operation_hash=operation_hash(f"GET {request.url.path}", {}),
                    operation_name=f"GET /id/{entity.path}",
                )
        return response

    async def _entity(
        self, request: Request, entity: EntityType, usage: RequestUsage | None
    ) -> Response:
        try:
            if usage is not None:
                usage.check_read(entity.name)
                if entity.key in usage.anonymised(entity.name):
                    return _problem(
                        403,
                        f"{entity.name} identifiers are pseudonymised for "
                        "this caller: their IRIs are not served",
                    )
            key = self._key(entity, request.path_params["key"])
            rows = await self.node.select(
                Select(
                    entity.name,
                    self.node.mapped_fields(entity.name),
                    where=(Condition(entity.key, "eq", key),),
                    limit=1,
                )
            )
            if not rows:
                return _problem(404, f"no {entity.name} with {entity.key} {key!r}")
            row = dict(rows[0])
            children: dict[str, list[object]] = {}
            for rel in self.node.relations(entity.name):
                target = ENTITIES[rel.target]
                if usage is not None and {target.key, rel.via} & usage.denied_fields(target.name):
                    continue
                found = await self.node.select(
                    Select(
                        target.name,
                        (target.key, rel.via),
                        where=(Condition(rel.via, "eq", key),),
                        limit=self.config.limits.max_page_size,
                    )
                )
                children[rel.name] = [r[target.key] for r in found]
        except PolicyDenied as exc:
            return JSONResponse({"error": str(exc), **exc.extensions}, status_code=403)
        except QueryError as exc:
            return _problem(400, str(exc))
        except SourceError as exc:
            return _problem(503, str(exc))
        if usage is not None:
            for name in usage.denied_fields(entity.name):
                row.pop(name, None)
            usage.count_rows(entity.name, 1)
        node = linked.expanded_entity(self.config, entity, row, children)
        return self._rdf_response(request, [node])

    async def catalog(self, request: Request) -> Response:
        doc = catalog_document(self.config, self.policies)
        media = linked.negotiate(request.headers.get("accept"))
        if media == linked.TURTLE:
            from pyld import jsonld

            expanded = jsonld.expand(doc, {"documentLoader": ontology.document_loader})
            return Response(linked.to_turtle(expanded), media_type="text/turtle; charset=utf-8")
        if media is None:
            return _problem(406, f"the catalog is served as {linked.JSONLD} or {linked.TURTLE}")
        return JSONResponse(doc, media_type=linked.JSONLD)

    async def context(self, request: Request) -> Response:
        return JSONResponse(
            ontology.context(),
            media_type=linked.JSONLD,
            headers={"Access-Control-Allow-Origin": "*"},
        )

    async def health(self, request: Request) -> Response:
        states = await self.node.health()
        policies = {ds: p.error for ds, p in self.policies.items() if p.error}
        if self.control is not None:
            policies = {**self.control.problems, **policies}
        ok = all(s.ok for s in states) and not policies
        return JSONResponse(
            {
                "status": "ok" if ok else "degraded",
                "node": self.config.name,
                "participant": self.config.participant,
                "sources": [{"name": s.source, "ok": s.ok, "detail": s.detail} for s in states],
                "policyErrors": policies,
            }
        )

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


def load_policies(config: NodeConfig) -> dict[str, PolicyDocument]:
    out: dict[str, PolicyDocument] = {}
    for ds in config.datasets.values():
        if ds.policy is not None:
            out[ds.id] = load_policy_document(ds.policy)
            if out[ds.id].error:
                log.error("dataset %s: %s", ds.id, out[ds.id].error)
    return out


def create_app(
    config: NodeConfig,
    *,
    node: Node | None = None,
    http_client: httpx.AsyncClient | None = None,
    verifier: TokenVerifier | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Starlette:
    """The node as an ASGI app. Sources connect lazily: a source that is down does not stop
    the node from starting; ``/health`` names it and queries touching it get an error."""
    node = node or Node.from_config(config, http_client=http_client)
    policies = load_policies(config)
    control = None
    if config.usage.enforce:
        audit = AuditLog(config.usage.audit_db, node=config.name)
        control = UsageControl(config, policies, audit=audit, **({"clock": clock} if clock else {}))
    views = NodeViews(node, policies, control)
    if verifier is None and config.auth is not None:
        verifier = JwtVerifier(
            VerifierSettings(**config.auth.settings),
            client=http_client or httpx.AsyncClient(timeout=10),
        )
    graphql_app = AuthGate(NodeGraphQL(node, control, graphql_ide="graphiql"), verifier)
    console = node_console(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await on_startup(control)
        yield
        await node.aclose()
        if control is not None:
            await control.audit.aclose()
        if console is not None:
            await console.state.aclose()

    async def on_guichet_error(request: Request, exc: Exception) -> Response:
        status = 503 if isinstance(exc, SourceError) else 400
        return _problem(status, str(exc) if isinstance(exc, GuichetError) else "error")

    routes = [
        Route("/", views.index),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        Route("/id/{type}/{key:path}", AuthGate(_Endpoint(views.entity), verifier)),
        Route("/catalog", views.catalog),
        Route("/context.jsonld", views.context),
        Route("/health", views.health),
        Route(WELL_KNOWN, protected_resource(config)),
    ]
    if control is not None:
        audit = control.audit
        routes += [
            Route(
                "/audit/graphql",
                AuthGate(AuditGraphQL(config, audit, control), verifier),
                methods=["GET", "POST"],
            ),
            Route("/audit/export.csv", AuthGate(AuditExport(config, audit, "csv"), verifier)),
            Route(
                "/agreements/graphql",
                AuthGate(AgreementGraphQL(control), verifier),
                methods=["GET", "POST"],
            ),
            Route("/audit/export.jsonld", AuthGate(AuditExport(config, audit, "jsonld"), verifier)),
        ]
    mounts = [Mount(CONSOLE_PATH, app=console)] if console is not None else []
    app = Starlette(
        routes=[*routes, *mounts],
        lifespan=lifespan,
        exception_handlers={GuichetError: on_guichet_error},
    )
    app.state.node = node
    app.state.usage = control
    return app

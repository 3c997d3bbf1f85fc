"""The node's GraphQL endpoints as ASGI apps: strawberry's view with a context made for
each request from the caller an auth gate established (:func:`connector.identity.asgi.caller`).

>>> app = AuthGate(node_graphql(node, control), verifier)  # doctest: +SKIP

    node_graphql       /graphql              the node's federated subgraph
    audit_graphql      /audit/graphql        the DPD's endpoint (:mod:`connector.graphql.dpd`)
    agreement_graphql  /agreements/graphql   contracting (:mod:`connector.graphql.agreements`)

Every answer goes through :func:`~connector.graphql._masking.mask_errors` (an error the
caller did not cause reads "Internal error" with the request id); a request strawberry
refuses over HTTP (a mutation over GET, an operation name the document lacks...) gets a
GraphQL-shaped 4xx error, told to ``refusals``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from cross_web import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.ides import GraphQL_IDE
from strawberry.schema.base import BaseSchema
from strawberry.types import ExecutionResult

from connector.audit import AuditLog
from connector.config import NodeConfig
from connector.dpd import AuditContext
from connector.edge import (
    BAD_REQUEST,
    Refusal,
    RefusalHook,
    error_response,
    request_fingerprint,
    request_id_of,
)
from connector.graphql import RequestContext, build_schema
from connector.graphql._masking import mask_errors
from connector.graphql.agreements import AGREEMENT_SCHEMA, AgreementContext
from connector.graphql.dpd import AUDIT_SCHEMA
from connector.graphql.ide import graphiql_response
from connector.identity.asgi import caller
from connector.node import Node
from connector.telemetry import labels
from connector.usage import UsageControl

ContextT = TypeVar("ContextT")
ContextFactory = Callable[[HTTPConnection, Response | WebSocket], ContextT]


class GraphQLView(GraphQL[ContextT, None]):
    """Strawberry's ASGI view over ``schema``; ``context`` makes each request's context
    from the request and the response (GraphiQL for a browser unless told otherwise);
    ``refusals`` is told of the requests it refuses (see the module docstring)."""

    def __init__(
        self,
        schema: BaseSchema,
        context: ContextFactory[ContextT],
        *,
        graphql_ide: GraphQL_IDE | None = "graphiql",
        refusals: RefusalHook | None = None,
    ) -> None:
        super().__init__(schema, graphql_ide=graphql_ide)
        self.context = context
        self.refusals = refusals

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ContextT:
        return self.context(request, response)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as exc:
            refusal = Refusal(
                exc.status_code, BAD_REQUEST, "bad-request", exc.reason, request_fingerprint(scope)
            )
            if self.refusals is not None:
                await self.refusals(scope, refusal)
            response = error_response(
                refusal.status, refusal.message, refusal.code, request_id_of(scope)
            )
        await response(scope, receive, send)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the builds the package carries (:mod:`connector.graphql.ide`)."""
        return graphiql_response(request)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = mask_errors(result.errors)
            if (found := labels()) is not None and found.outcome is None:
                found.outcome = "errors"
        return await super().process_result(request, result)


def node_graphql(
    node: Node, control: UsageControl | None, *, refusals: RefusalHook | None = None
) -> GraphQLView[RequestContext]:
    """``/graphql``: the node's subgraph, under the node's usage control (if any)."""

    def context(request: HTTPConnection, response: Response | WebSocket) -> RequestContext:
        return RequestContext(
            node=node,
            request=request,
            response=response,
            identity=caller(request),
            control=control,
        )

    return GraphQLView(build_schema(node), context, refusals=refusals)


def audit_graphql(
    config: NodeConfig,
    audit: AuditLog,
    control: UsageControl,
    *,
    refusals: RefusalHook | None = None,
    node: Node | None = None,
) -> GraphQLView[AuditContext]:
    """``/audit/graphql``: the DPD's endpoint over ``audit`` (and, for the retention
    watch, the node's sources)."""

    def context(request: HTTPConnection, response: Response | WebSocket) -> AuditContext:
        return AuditContext(
            config,
            audit,
            caller(request),
            document="POST /audit/graphql",
            control=control,
            node=node,
        )

    return GraphQLView(AUDIT_SCHEMA, context, refusals=refusals)


def agreement_graphql(
    control: UsageControl, *, refusals: RefusalHook | None = None
) -> GraphQLView[AgreementContext]:
    """``/agreements/graphql``: contracting (``acceptOffer``, ``agreements``)."""

    def context(request: HTTPConnection, response: Response | WebSocket) -> AgreementContext:
        return AgreementContext(control, caller(request))

    return GraphQLView(AGREEMENT_SCHEMA, context, refusals=refusals)

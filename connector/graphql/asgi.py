"""The node's GraphQL endpoints as ASGI apps: strawberry's view with a context made for
each request from the caller an auth gate established (:func:`connector.identity.asgi.caller`).

>>> app = AuthGate(node_graphql(node, control), verifier)  # doctest: +SKIP

    node_graphql       /graphql              the node's federated subgraph
    audit_graphql      /audit/graphql        the DPD's endpoint (:mod:`connector.graphql.dpd`)
    agreement_graphql  /agreements/graphql   contracting (:mod:`connector.graphql.agreements`)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http.ides import GraphQL_IDE
from strawberry.schema.base import BaseSchema

from connector.audit import AuditLog
from connector.config import NodeConfig
from connector.dpd import AuditContext
from connector.graphql import RequestContext, build_schema
from connector.graphql.agreements import AGREEMENT_SCHEMA, AgreementContext
from connector.graphql.dpd import AUDIT_SCHEMA
from connector.identity.asgi import caller
from connector.node import Node
from connector.usage import UsageControl

ContextT = TypeVar("ContextT")
ContextFactory = Callable[[HTTPConnection, Response | WebSocket], ContextT]


class GraphQLView(GraphQL[ContextT, None]):
    """Strawberry's ASGI view over ``schema``; ``context`` makes each request's context
    from the request and the response (GraphiQL for a browser unless told otherwise)."""

    def __init__(
        self,
        schema: BaseSchema,
        context: ContextFactory[ContextT],
        *,
        graphql_ide: GraphQL_IDE | None = "graphiql",
    ) -> None:
        super().__init__(schema, graphql_ide=graphql_ide)
        self.context = context

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ContextT:
        return self.context(request, response)


def node_graphql(node: Node, control: UsageControl | None) -> GraphQLView[RequestContext]:
    """``/graphql``: the node's subgraph, under the node's usage control (if any)."""

    def context(request: HTTPConnection, response: Response | WebSocket) -> RequestContext:
        return RequestContext(
            node=node,
            request=request,
            response=response,
            identity=caller(request),
            control=control,
        )

    return GraphQLView(build_schema(node), context)


def audit_graphql(
    config: NodeConfig, audit: AuditLog, control: UsageControl
) -> GraphQLView[AuditContext]:
    """``/audit/graphql``: the DPD's endpoint over ``audit``."""

    def context(request: HTTPConnection, response: Response | WebSocket) -> AuditContext:
        return AuditContext(
            config, audit, caller(request), document="POST /audit/graphql", control=control
        )

    return GraphQLView(AUDIT_SCHEMA, context)


def agreement_graphql(control: UsageControl) -> GraphQLView[AgreementContext]:
    """``/agreements/graphql``: contracting (``acceptOffer``, ``agreements``)."""

    def context(request: HTTPConnection, response: Response | WebSocket) -> AgreementContext:
        return AgreementContext(control, caller(request))

    return GraphQLView(AGREEMENT_SCHEMA, context)

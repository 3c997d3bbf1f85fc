"""The middleware every request of a node or a gateway goes through first."""

from __future__ import annotations

import logging
from collections.abc import Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connector.edge._body import (
    Disconnected,
    body_fingerprint,
    content_type_problem,
    graphql_problem,
    read_body,
)
from connector.edge._errors import BAD_REQUEST, Refusal, RefusalHook, error_response
from connector.edge._ids import HEADER, accept_request_id, serving

log = logging.getLogger("guichet.edge")


class Edge:
    """ASGI middleware: gives each HTTP request its id (``X-Request-Id``, see
    :mod:`connector.edge._ids`), reads its body under ``max_body_bytes`` (413 beyond, see
    :func:`~connector.edge._body.read_body`) and, on ``graphql_paths``, refuses a POST
    whose body is not a GraphQL request (400) — each refusal a GraphQL-shaped error
    carrying the request id, told to ``on_refusal``. With ``json_only``, a GraphQL POST
    must also say ``Content-Type: application/json``.

    >>> middleware = [Middleware(Edge, max_body_bytes=1 << 20)]  # doctest: +SKIP
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        graphql_paths: Collection[str] = (),
        json_only: bool = True,
        on_refusal: RefusalHook | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.graphql_paths = frozenset(graphql_paths)
        self.json_only = json_only
        self.on_refusal = on_refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope.get("headers", ()) if k == HEADER.encode()), None)
        request_id = accept_request_id(incoming.decode("latin-1") if incoming else None)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", ()) if h[0] != HEADER.encode()]
                message["headers"] = [*headers, (HEADER.encode(), request_id.encode())]
            await send(message)

        with serving(request_id):
            body = await read_body(scope, receive, self.max_body_bytes)
            if isinstance(body, Disconnected):
                return
            refusal = body if isinstance(body, Refusal) else self._check(scope, body)
            if refusal is not None:
                await self._refuse(scope, refusal, request_id, send_with_id)
            elif isinstance(body, bytes):
                await self.app(scope, _replay(body, receive), send_with_id)

    def _check(self, scope: Scope, body: bytes) -> Refusal | None:
        if scope.get("method") != "POST" or scope.get("path") not in self.graphql_paths:
            return None
        problem = (content_type_problem(scope) if self.json_only else None) or graphql_problem(body)
        if problem is None:
            return None
        return Refusal(400, BAD_REQUEST, "bad-request", problem, body_fingerprint(body))

    async def _refuse(self, scope: Scope, refusal: Refusal, request_id: str, send: Send) -> None:
        log.info("request %s refused (%d): %s", request_id, refusal.status, refusal.message)
        if self.on_refusal is not None:
            await self.on_refusal(scope, refusal)
        response = error_response(refusal.status, refusal.message, refusal.code, request_id)
        await response(scope, _nothing, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` giving ``body`` once, then whatever comes next (a disconnect)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _nothing() -> Message:
    return {"type": "http.disconnect"}

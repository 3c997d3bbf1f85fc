"""What every HTTP request of an app leaves behind: its latency in the metrics (by face,
operation type and outcome), its server span (continuing the caller's ``traceparent``),
and the ``/metrics`` page itself.

:class:`Observe` is the outermost middleware, so refusals made at the edge (413, a body
that is no GraphQL request) are counted too. What only an inner layer knows — the
GraphQL operation's type, a usage decision that denied part of an answer — it writes into
the request's :class:`Labels` (found with :func:`labels`).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from opentelemetry import context as otel_context
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connector.edge import HEADER, accept_request_id, serving
from connector.telemetry._telemetry import Telemetry
from connector.telemetry._tracing import incoming

METRICS_PATH = "/metrics"


@dataclass
class Labels:
    """What the layers inside tell about the request being answered."""

    operation: str = "none"
    outcome: str | None = None
    denied: bool = False
    bytes_sent: int = 0
    datasets: set[str] = field(default_factory=set)


_LABELS: ContextVar[Labels | None] = ContextVar("guichet_request_labels", default=None)


def labels() -> Labels | None:
    """The labels of the request being answered (None outside one)."""
    return _LABELS.get()


def outcome_of(status: int, found: Labels) -> str:
    """``error`` (5xx), ``denied`` (401, 403), ``refused`` (other 4xx); for an answer,
    ``denied`` when a usage decision denied part of it, else what an inner layer said
    (``errors``: a GraphQL answer with errors) or ``ok``."""
    if status >= 500:
        return "error"
    if status in (401, 403):
        return "denied"
    if status >= 400:
        return "refused"
    return "denied" if found.denied else found.outcome or "ok"


def faces_of(routes: Iterable[object]) -> set[str]:
    """The first path segments an app's routes (and mounts) serve: the values the
    metrics' ``face`` may take."""
    paths = (str(getattr(r, "path", "")) for r in routes)
    return {p.lstrip("/").split("/", 1)[0] for p in paths if p.strip("/")}


def face_of(path: str, faces: Collection[str]) -> str:
    """The first segment of ``path`` when the app serves it, else ``other`` (a label
    never carries a raw path: its values stay few)."""
    first = path.lstrip("/").split("/", 1)[0]
    if first in faces:
        return first
    return "root" if first == "" else "other"


class Observe:
    """ASGI middleware measuring and tracing each HTTP request, and serving ``/metrics``.
    With ``assign_request_id`` (an app without :class:`~connector.edge.Edge`, the
    issuer), it also gives the request its id (``X-Request-Id``) for the logs."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        telemetry: Telemetry,
        faces: Collection[str],
        assign_request_id: bool = False,
    ) -> None:
        self.app = app
        self.telemetry = telemetry
        self.faces = frozenset(faces)
        self.assign_request_id = assign_request_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH:
            await self._metrics(scope, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", ())}
        found = Labels()
        status = 500
        face = face_of(scope["path"], self.faces)

        request_id = (
            accept_request_id(headers.get(HEADER.lower())) if self.assign_request_id else None
        )

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if request_id is not None:
                    kept = [h for h in message.get("headers", ()) if h[0] != HEADER.encode()]
                    message["headers"] = [*kept, (HEADER.encode(), request_id.encode())]
            elif message["type"] == "http.response.body":
                found.bytes_sent += len(message.get("body", b""))
            await send(message)

        token = _LABELS.set(found)
        share = self.telemetry.meter.start()
        started = time.perf_counter()
        tracer = self.telemetry.tracer
        attach = otel_context.attach(incoming(headers))
        try:
            if request_id is not None:
                scope.setdefault("state", {})["request_id"] = request_id
                with serving(request_id):
                    await self._traced(tracer, scope, receive, observed_send, face)
            else:
                await self._traced(tracer, scope, receive, observed_send, face)
        finally:
            otel_context.detach(attach)
            _LABELS.reset(token)
            outcome = outcome_of(status, found)
            self.telemetry.answered(
                face=face,
                operation=found.operation,
                outcome=outcome,
                seconds=time.perf_counter() - started,
                cpu_seconds=self.telemetry.meter.end(share),
                bytes_sent=found.bytes_sent,
                datasets=frozenset(found.datasets),
            )

    async def _traced(
        self, tracer: object, scope: Scope, receive: Receive, send: Send, face: str
    ) -> None:
        if self.telemetry.tracer is None:
            await self.app(scope, receive, send)
            return
        status = 500

        async def status_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        method = scope.get("method", "GET")
        with self.telemetry.tracer.start_as_current_span(
            f"{method} /{face}",
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": scope["path"]},
        ) as span:
            try:
                await self.app(scope, receive, status_send)
            finally:
                span.set_attribute("http.response.status_code", status)
                request_id = scope.get("state", {}).get("request_id")
                if request_id:
                    span.set_attribute("guichet.request_id", str(request_id))
                found = labels()
                if found is not None:
                    span.set_attribute("guichet.operation", found.operation)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))

    async def _metrics(self, scope: Scope, send: Send) -> None:
        if scope.get("method") not in ("GET", "HEAD"):
            await _plain(send, 405, b"GET /metrics\n", [(b"allow", b"GET, HEAD")])
            return
        body = generate_latest(self.telemetry.metrics.registry)
        await _plain(send, 200, body, [(b"content-type", CONTENT_TYPE_LATEST.encode())])


async def _plain(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

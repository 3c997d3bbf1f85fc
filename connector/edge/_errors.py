"""GraphQL-shaped refusals: the body every request refused at the edge gets, and the value
an edge hands to whoever records refusals (the node's audit log)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.responses import JSONResponse
from starlette.types import Scope

BAD_REQUEST = "BAD_REQUEST"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
INTERNAL = "INTERNAL"
INTERNAL_MESSAGE = "Internal error; the node operator has the details."
"""What a caller reads instead of an error it did not cause (a bug, a database down)."""


def error_body(message: str, code: str, request_id: str | None) -> dict[str, Any]:
    """``{"errors": [{"message", "extensions": {"code", "requestId"}}]}``."""
    extensions: dict[str, Any] = {"code": code}
    if request_id is not None:
        extensions["requestId"] = request_id
    return {"errors": [{"message": message, "extensions": extensions}]}


def error_response(status: int, message: str, code: str, request_id: str | None) -> JSONResponse:
    """:func:`error_body` as an HTTP response with ``status``."""
    return JSONResponse(error_body(message, code, request_id), status_code=status)


def request_fingerprint(scope: Scope) -> str:
    """SHA-256 of a request's method and path: the ``operation_hash`` of a refusal made
    before any GraphQL document was read."""
    line = f"{scope.get('method', '')} {scope.get('path', '')}"
    return hashlib.sha256(line.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Refusal:
    """A request refused before it reached any decision: the HTTP ``status``, the GraphQL
    error ``code``, what kind of refusal (``what``: ``token``, ``body-too-large``,
    ``bad-request``, ``invalid-query``), the ``message`` the caller got, and the
    request's ``fingerprint`` (SHA-256 of its body, or of its method and path when the body
    was not read whole)."""

    status: int
    code: str
    what: str
    message: str
    fingerprint: str


class RefusalHook(Protocol):
    """Told of every refusal (the node writes each to its audit log); must not raise."""

    async def __call__(self, scope: Scope, refusal: Refusal) -> None: ...

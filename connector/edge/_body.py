"""A request body read under a limit while it streams in, and the shape a GraphQL POST
body must have (a JSON object: ``query``, and optionally ``variables``,
``operationName``, ``extensions``), each problem said in words."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.types import Receive, Scope

from connector.edge._errors import BAD_REQUEST, PAYLOAD_TOO_LARGE, Refusal, request_fingerprint


@dataclass(frozen=True)
class Disconnected:
    """The client went away before sending its whole body."""


def _too_large(scope: Scope, limit: int, got: str) -> Refusal:
    return Refusal(
        413,
        PAYLOAD_TOO_LARGE,
        "body-too-large",
        f"the request body is larger than this server's limit of {limit} bytes ({got})",
        request_fingerprint(scope),
    )


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes | Refusal | Disconnected:
    """The whole body, if it is at most ``limit`` bytes. A ``Content-Length`` above the
    limit is refused before anything is read; bytes beyond the limit are refused as they
    arrive, whatever ``Content-Length`` said and however the body is chunked."""
    declared = Headers(scope=scope).get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            message = f"the Content-Length header is not a number of bytes: {declared[:40]!r}"
            return Refusal(400, BAD_REQUEST, "bad-request", message, request_fingerprint(scope))
        if int(declared) > limit:
            return _too_large(scope, limit, f"Content-Length {int(declared)}")
    chunks: list[bytes] = []
    size = 0
    while True:
        received = await receive()
        if received["type"] == "http.disconnect":
            return Disconnected()
        chunk = received.get("body", b"")
        size += len(chunk)
        if size > limit:
            return _too_large(scope, limit, f"more than {limit} bytes sent")
        chunks.append(chunk)
        if not received.get("more_body", False):
            return b"".join(chunks)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _not_json(name: str) -> Any:
    raise ValueError(f"the request body is not JSON: {name} is not a JSON value")


def _decode(body: bytes) -> Any:
    """The JSON ``body`` holds; ``ValueError`` saying why not."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"the request body is not UTF-8 text (byte 0x{body[exc.start]:02x} "
            f"at position {exc.start})"
        ) from None
    try:
        return json.loads(text, parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"the request body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise ValueError(
            "the request body is not JSON this server reads: nested too deeply"
        ) from None


def graphql_problem(body: bytes) -> str | None:
    """What is wrong with ``body`` as a GraphQL POST body, or ``None``."""
    try:
        params = _decode(body)
    except ValueError as exc:
        return str(exc)
    if isinstance(params, list):
        return "the request body is a JSON array: batched requests are not supported"
    if not isinstance(params, dict):
        return f"the request body must be a JSON object with a query, got {_kind(params)}"
    query = params.get("query")
    if query is not None and not isinstance(query, str):
        return f"query must be a string, got {_kind(query)}"
    if not query or not query.strip():
        return "the request has no query"
    for name, wanted, ok in (
        ("variables", "a JSON object", dict),
        ("operationName", "a string", str),
        ("extensions", "a JSON object", dict),
    ):
        value = params.get(name)
        if value is not None and not isinstance(value, ok):
            return f"{name} must be {wanted} or null, got {_kind(value)}"
    return None


def content_type_problem(scope: Scope) -> str | None:
    """A GraphQL POST must say its body is JSON (``Content-Type: application/json``):
    a browser form cannot, so no other site can make a visitor's browser send one."""
    raw = Headers(scope=scope).get("content-type", "")
    media = raw.split(";", 1)[0].strip().lower()
    if "application/json" in media:
        return None
    return f"expected a JSON body (Content-Type: application/json), got {raw[:80] or 'none'!r}"


def body_fingerprint(body: bytes) -> str:
    """SHA-256 of a body read whole (the ``operation_hash`` of its refusal)."""
    return hashlib.sha256(body).hexdigest()

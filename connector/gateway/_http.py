"""The HTTP transport port: one GraphQL POST to one subgraph, through an injected
``httpx.AsyncClient`` (tests pass ``httpx.ASGITransport(app=node_app)`` or a
``MockTransport``). Every failure comes back as a :class:`SubgraphReply` value with a code,
never as an exception: ``SUBGRAPH_UNREACHABLE``, ``SUBGRAPH_TIMEOUT``,
``SUBGRAPH_BAD_RESPONSE`` or ``UNAUTHENTICATED`` (the node refused the token)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from connector.telemetry import Telemetry

log = logging.getLogger("guichet.gateway")

UNREACHABLE = "SUBGRAPH_UNREACHABLE"
TIMEOUT = "SUBGRAPH_TIMEOUT"
BAD_RESPONSE = "SUBGRAPH_BAD_RESPONSE"
UNAUTHENTICATED = "UNAUTHENTICATED"

_CONNECTION_ERRORS = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ConnectTimeout)


@dataclass(frozen=True)
class SubgraphReply:
    """A subgraph's answer (``data``, ``errors``) or why there is none (``failure``)."""

    data: Mapping[str, Any] | None = None
    errors: tuple[Mapping[str, Any], ...] = ()
    failure: str | None = None
    reason: str = ""
    attempts: int = 1
    extensions: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubgraphClient:
    """Posts GraphQL requests to subgraphs with a timeout per request and retries of
    idempotent requests on connection errors (not on timeouts: a slow node is not hit
    twice)."""

    http: httpx.AsyncClient
    timeout: float = 10.0
    retries: int = 1
    backoff: float = 0.05
    timeouts: Mapping[str, float] = field(default_factory=dict)
    telemetry: Telemetry | None = None
    """Each request's client span (and ``traceparent``), latency and failure."""

    async def post(
        self,
        name: str,
        url: str,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = True,
    ) -> SubgraphReply:
        if self.telemetry is None:
            return await self._post(name, url, query, variables, dict(headers or {}), idempotent)
        sent = dict(headers or {})
        with self.telemetry.subgraph_fetch(name, sent) as fetch:
            reply = await self._post(name, url, query, variables, sent, idempotent)
            fetch.failure = reply.failure
        return reply

    async def _post(
        self,
        name: str,
        url: str,
        query: str,
        variables: Mapping[str, Any] | None,
        headers: dict[str, str],
        idempotent: bool,
    ) -> SubgraphReply:
        body = {"query": query, "variables": dict(variables or {})}
        timeout = self.timeouts.get(name, self.timeout)
        attempts = 1 + max(0, self.retries if idempotent else 0)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await asyncio.wait_for(
                    self.http.post(url, json=body, headers=headers), timeout
                )
            except (TimeoutError, httpx.TimeoutException) as exc:
                if isinstance(exc, httpx.ConnectTimeout) and attempt < attempts:
                    await asyncio.sleep(self.backoff * attempt)
                    continue
                log.warning("subgraph %s timed out after %.1f s", name, timeout)
                return SubgraphReply(
                    failure=TIMEOUT, reason=f"no answer within {timeout:g} s", attempts=attempt
                )
            except _CONNECTION_ERRORS as exc:
                if attempt < attempts:
                    await asyncio.sleep(self.backoff * attempt)
                    continue
                log.warning("subgraph %s unreachable: %s", name, exc)
                return SubgraphReply(
                    failure=UNREACHABLE, reason="connection failed", attempts=attempt
                )
            except httpx.HTTPError as exc:
                log.warning("subgraph %s: HTTP error %s", name, exc)
                return SubgraphReply(failure=UNREACHABLE, reason="HTTP error", attempts=attempt)
            return _reply(name, response, attempt)


def _reply(name: str, response: httpx.Response, attempt: int) -> SubgraphReply:
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and ("data" in payload or "errors" in payload):
        data = payload.get("data")
        errors = payload.get("errors") or []
        extensions = payload.get("extensions")
        return SubgraphReply(
            data=data if isinstance(data, dict) else None,
            errors=tuple(e for e in errors if isinstance(e, dict)),
            attempts=attempt,
            extensions=extensions if isinstance(extensions, dict) else {},
        )
    if response.status_code in (401, 403):
        reason = payload.get("error") if isinstance(payload, dict) else None
        return SubgraphReply(
            failure=UNAUTHENTICATED,
            reason=str(reason or f"HTTP {response.status_code}"),
            attempts=attempt,
        )
    log.warning("subgraph %s answered HTTP %s without a GraphQL body", name, response.status_code)
    return SubgraphReply(
        failure=BAD_RESPONSE,
        reason=f"HTTP {response.status_code} without a GraphQL answer",
        attempts=attempt,
    )

"""GraphQL calls to each node's ``/audit/graphql`` with the person's bearer token, all nodes
at once; each node answers for itself, so one node down or refusing is one message on the
page, not a failed page."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from connector.console.settings import ConsoleNode

Kind = Literal["ok", "unreachable", "refused", "forbidden", "error"]


@dataclass(frozen=True)
class NodeReply:
    """What one node answered: its data, or the kind of failure and the node's own words.

    ``kind``: ``ok``; ``unreachable`` (no answer); ``refused`` (the node rejected the token);
    ``forbidden`` (the token lacks the node's DPD role); ``error`` (the node said why).
    """

    node: ConsoleNode
    kind: Kind
    data: Mapping[str, Any]
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def _reply(node: ConsoleNode, response: httpx.Response) -> NodeReply:
    if response.status_code == 401:
        challenge = response.headers.get("www-authenticate", "")
        return NodeReply(node, "refused", {}, challenge)
    try:
        body = response.json()
    except ValueError:
        return NodeReply(node, "error", {}, f"HTTP {response.status_code}, not JSON")
    if not isinstance(body, dict):
        return NodeReply(node, "error", {}, f"HTTP {response.status_code}")
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    errors = body.get("errors") or []
    if errors:
        first = errors[0] if isinstance(errors[0], dict) else {}
        code = (first.get("extensions") or {}).get("code")
        message = str(first.get("message", ""))
        if code == "FORBIDDEN" or "needs the role" in message:
            return NodeReply(node, "forbidden", {}, message)
        return NodeReply(node, "error", data or {}, message)
    if response.status_code != 200:
        return NodeReply(node, "error", {}, f"HTTP {response.status_code}")
    return NodeReply(node, "ok", data or {})


class NodeClient:
    """Asks the nodes' audit endpoints, with one person's token."""

    def __init__(self, http: httpx.AsyncClient, *, timeout: float) -> None:
        self.http, self.timeout = http, timeout

    async def ask(
        self,
        node: ConsoleNode,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        token: str,
    ) -> NodeReply:
        try:
            response = await self.http.post(
                node.audit_url,
                json={"query": query, "variables": dict(variables or {})},
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            return NodeReply(node, "unreachable", {}, type(exc).__name__)
        return _reply(node, response)

    async def ask_all(
        self,
        nodes: Sequence[ConsoleNode],
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        token: str,
        per_node: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[NodeReply]:
        """Every node's reply, in the order of ``nodes``, asked concurrently; ``per_node``
        adds variables for some nodes (a cursor, say)."""
        extra = per_node or {}
        return list(
            await asyncio.gather(
                *(
                    self.ask(
                        n,
                        query,
                        {**(variables or {}), **extra[n.name]} if n.name in extra else variables,
                        token=token,
                    )
                    for n in nodes
                )
            )
        )

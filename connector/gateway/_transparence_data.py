"""What the families' page reads, and how: every figure through usage control.

* the schools and their classrooms' air: the gateway's own GraphQL, **without a token**,
  exactly as any anonymous caller (:meth:`Sources.graphql`): the nodes decide as for the
  public, so the page can show nothing the public could not get;
* what each dataset is, who publishes it and its policy: the gateway's union of the nodes'
  DCAT catalogs (:attr:`Gateway.catalog`), which is public too;
* who used the data: each node's usage summary (``GET /audit/summary``), read with a token
  of the page's **own participant** (client credentials at the data space's issuer), whose
  role the node's built-in policy lets read those counts and nothing else of the log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from connector.errors import AuthError, GatewayError
from connector.gateway._catalog import DCT, GUI, ODRL
from connector.gateway._gateway import Gateway
from policies import Policy
from policies.parse import policies_from_graph

SCHOOLS_QUERY = """query TransparenceSchools {
  buildings(first: 500, filter: {usage: {eq: "school"}}) { nodes { rnbId uai name address } }
}"""

AIR_QUERY = """query TransparenceAir($rnb: RnbId!, $from: DateTime!, $to: DateTime!) {
  building(rnbId: $rnb) {
    rnbId uai name address
    spaces { id name usage }
    indoorAir(from: $from, to: $to) {
      spaceId icone shareAbove800 shareAbove1500 mean max occupiedReadings
      weeks { week periodStart periodEnd icone shareAbove800 shareAbove1500 mean max
              occupiedReadings }
      worstWeek { week icone }
      wasDerivedFrom { iri title publisher }
    }
  }
}"""

TOKEN_MARGIN = 30.0  # seconds before its expiry a token is renewed


@dataclass(frozen=True)
class Participant:
    """The page's own participant: its client credentials at ``issuer``."""

    issuer: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class CatalogEntry:
    """A dataset as its node's catalog describes it, with its policy (``None``: none
    published or not understood); ``personal_data`` ``None``: the catalog does not say."""

    iri: str
    node: str
    title: str
    description: str
    publisher: str
    personal_data: bool | None
    policy: Policy | None


def origin(url: str) -> str:
    """``http://h:8102/graphql`` → ``http://h:8102``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _text(graph: Graph, subject: Node, predicate: URIRef) -> str:
    found = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    return str(found[0]) if found else ""


class Sources:
    """The page's reads (see the module docstring); ``participant`` ``None``: no usage
    counts (the page says so)."""

    def __init__(self, gateway: Gateway, participant: Participant | None) -> None:
        self.gateway = gateway
        self.participant = participant
        self._token: tuple[str, float] | None = None
        self._token_lock = asyncio.Lock()

    @property
    def http(self) -> httpx.AsyncClient:
        return self.gateway.client.http

    async def graphql(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The gateway's answer to an anonymous caller (no header is forwarded)."""
        return await self.gateway.respond(query, variables=dict(variables), headers={})

    def catalog_entry(self, iri: str) -> CatalogEntry | None:
        """``iri``'s entry in the nodes' catalogs (``None``: no node publishes it)."""
        for name, node in self.gateway.catalog.nodes.items():
            subject = URIRef(iri)
            if subject not in node.datasets:
                continue
            g = node.graph
            policy_iri = next(iter(g.objects(subject, ODRL.hasPolicy)), None)
            policy = None
            if isinstance(policy_iri, URIRef):
                sub = Graph()
                for triple in _closure(g, policy_iri):
                    sub.add(triple)
                policy = next(
                    (p for p in policies_from_graph(sub) if p.iri == str(policy_iri)), None
                )
            publisher = next(iter(g.objects(subject, DCT.publisher)), None)
            personal = next(iter(g.objects(subject, GUI.personalData)), None)
            return CatalogEntry(
                iri=iri,
                node=name,
                title=_text(g, subject, DCT.title),
                description=_text(g, subject, DCT.description),
                publisher=str(publisher) if publisher is not None else "",
                personal_data=personal.toPython() if isinstance(personal, Literal) else None,
                policy=policy,
            )
        return None

    def node_url(self, name: str) -> str | None:
        for s in self.gateway.sources:
            if s.name == name:
                return origin(s.url)
        return None

    async def summary(self, node: str, lang: str) -> dict[str, Any]:
        """The node's usage summary in ``lang``; :class:`GatewayError` saying why not."""
        base = self.node_url(node)
        if self.participant is None:
            raise GatewayError("this page has no participant of its own configured")
        if base is None:
            raise GatewayError(f"no subgraph is named {node!r}")
        token = await self._bearer(self.participant, base)
        try:
            r = await self.http.get(
                f"{base}/audit/summary",
                params={"lang": lang},
                headers={"Authorization": f"Bearer {token}"},
                timeout=self.gateway.settings.timeout,
            )
        except httpx.HTTPError as exc:
            raise GatewayError(f"connection failed ({type(exc).__name__})") from exc
        if r.status_code != 200:
            raise GatewayError(f"HTTP {r.status_code}: {r.text[:200]}")
        body: dict[str, Any] = r.json()
        return body

    async def _bearer(self, p: Participant, audience: str) -> str:
        """A token of the page's participant ``p`` valid at every subgraph's node (RFC 8707
        ``resource``), kept until shortly before it expires."""
        async with self._token_lock:
            if self._token is not None and self._token[1] > time.monotonic():
                return self._token[0]
            resources = sorted({origin(s.url) for s in self.gateway.sources} | {audience})
            try:
                r = await self.http.post(
                    f"{p.issuer.rstrip('/')}/token",
                    data={"grant_type": "client_credentials", "resource": resources},
                    auth=(p.client_id, p.client_secret),
                    timeout=self.gateway.settings.timeout,
                )
            except httpx.HTTPError as exc:
                raise GatewayError(f"the issuer is unreachable ({type(exc).__name__})") from exc
            if r.status_code != 200:
                raise AuthError(f"the issuer refused the page's token: HTTP {r.status_code}")
            body = r.json()
            lifetime = float(body.get("expires_in", 300))
            self._token = (str(body["access_token"]), time.monotonic() + lifetime - TOKEN_MARGIN)
            return self._token[0]


def _closure(graph: Graph, start: Node) -> list[tuple[Node, Node, Node]]:
    """Every triple reachable from ``start`` (the policy and its rules, constraints...)."""
    seen: set[Node] = set()
    todo = [start]
    out: list[tuple[Node, Node, Node]] = []
    while todo:
        s = todo.pop()
        if s in seen:
            continue
        seen.add(s)
        for p, o in graph.predicate_objects(s):
            out.append((s, p, o))
            if not isinstance(o, Literal):
                todo.append(o)
    return out

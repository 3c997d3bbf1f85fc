"""The data space's catalog: the union of the nodes' DCAT 3 catalogs, served by the gateway
at ``/catalog`` (JSON-LD or Turtle, as a node serves its own) and searched by keyword,
theme, publisher, commune and node (:mod:`._catalog_search`).

:class:`CatalogUnion` fetches each node's ``/catalog`` (the subgraph URL's origin, or the
source's ``catalog_url``) when the gateway refreshes its SDLs, and keeps each node's last
good catalog: a node down or answering something that is not a DCAT catalog keeps serving
its previous datasets, and is named in ``/health``, in the log and in the answer
(``gui:catalogProblem``). The union is one ``dcat:Catalog``; each node's catalog is one of
its ``dcat:catalog`` (DCAT 3 §6.3, with ``dct:identifier`` the gateway's name for the node)
listing that node's ``dcat:dataset``; each dataset keeps its IRI, its publisher, its
``odrl:hasPolicy`` and everything else its node said of it. A dataset IRI published by two
nodes is served by neither: the conflict is a ``gui:catalogProblem`` naming both.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from pyld import jsonld
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import ontology
from connector.edge import BAD_REQUEST, current_request_id, error_body, error_response
from connector.errors import GatewayError
from connector.gateway._catalog_search import (
    CatalogQueryError,
    CatalogSearch,
    DatasetFacts,
    fold,
    parse_search,
)
from connector.linked import JSONLD, TURTLE, negotiate
from connector.model import PREFIXES

log = logging.getLogger("guichet.gateway")

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
GUI = Namespace(PREFIXES["gui"])
ACCEPT = "text/turtle, application/ld+json;q=0.9"
MAX_BYTES = 8 * 1024 * 1024
TITLE = "Catalogue de l'espace de données"


def catalog_url_of(graphql_url: str) -> str:
    """A node's catalog from its subgraph URL: ``http://h:8101/graphql`` → ``http://h:8101/catalog``."""
    parts = urlsplit(graphql_url)
    return f"{parts.scheme}://{parts.netloc}/catalog"


@dataclass(frozen=True)
class NodeCatalog:
    """One node's catalog as last fetched: its graph (never changed once built), its
    ``dcat:Catalog`` nodes, its datasets (each with the catalog listing it) and their
    facts."""

    graph: Graph
    catalogs: tuple[Node, ...]
    datasets: Mapping[URIRef, Node]
    facts: Mapping[URIRef, DatasetFacts]
    fetched_at: str


@dataclass
class CatalogHealth:
    state: str = "pending"  # pending | ok | stale (last good one serves) | failed | off
    error: str | None = None
    checked_at: str | None = None
    fetched_at: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _texts(graph: Graph, subject: Node, *predicates: URIRef) -> list[str]:
    return [str(o) for p in predicates for o in graph.objects(subject, p) if isinstance(o, Literal)]


def _iris(graph: Graph, subject: Node, predicate: URIRef) -> frozenset[str]:
    return frozenset(str(o) for o in graph.objects(subject, predicate) if isinstance(o, URIRef))


def _why(exc: BaseException) -> str:
    """The first cause of ``exc`` in words (pyld wraps a refused context in two errors)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = exc.args[0] if exc.args and isinstance(exc.args[0], str) else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def parse_catalog(name: str, body: bytes, content_type: str, url: str) -> NodeCatalog:
    """A node's answer as a catalog; :class:`GatewayError` saying why it is not one."""
    media = content_type.split(";")[0].strip().lower()
    graph = Graph()
    try:
        if media == "text/turtle":
            graph.parse(data=body.decode("utf-8"), format="turtle", publicID=url)
        elif media in ("application/ld+json", "application/json"):
            expanded = jsonld.expand(
                json.loads(body), {"documentLoader": ontology.document_loader, "base": url}
            )
            graph.parse(data=json.dumps(expanded), format="json-ld")
        else:
            raise GatewayError(f"answered {media or 'no content type'}, not JSON-LD or Turtle")
    except GatewayError:
        raise
    except Exception as exc:  # rdflib and pyld raise many kinds; the node's answer is bad
        kind = "Turtle" if media == "text/turtle" else "JSON-LD"
        raise GatewayError(f"not valid {kind}: {_why(exc)}") from exc
    catalogs = tuple(graph.subjects(RDF.type, DCAT.Catalog))
    if not catalogs:
        raise GatewayError("the answer holds no dcat:Catalog")
    datasets: dict[URIRef, Node] = {}
    for catalog in catalogs:
        for ds in graph.objects(catalog, DCAT.dataset):
            if isinstance(ds, URIRef):
                datasets.setdefault(ds, catalog)
            else:
                log.warning("catalog of %s: a dataset without an IRI is left out", name)
    facts = {
        ds: DatasetFacts(
            node=name,
            text=fold(" ".join(_texts(graph, ds, DCT.title, DCT.description, DCAT.keyword))),
            themes=_iris(graph, ds, DCAT.theme),
            publishers=_iris(graph, ds, DCT.publisher),
            spatial=_iris(graph, ds, DCT.spatial),
        )
        for ds in datasets
    }
    return NodeCatalog(graph, catalogs, datasets, facts, _now())


class CatalogUnion:
    """See the module docstring. ``sources`` are ``(node name, catalog URL or None)``."""

    def __init__(
        self,
        sources: Sequence[tuple[str, str | None]],
        *,
        http: httpx.AsyncClient,
        timeout: float = 10.0,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.sources = tuple(sources)
        self.http, self.timeout, self.max_bytes = http, timeout, max_bytes
        self.nodes: dict[str, NodeCatalog] = {}
        self.health_of = {
            name: CatalogHealth(state="pending" if url else "off") for name, url in sources
        }

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.sources]

    async def refresh(self) -> None:
        """Fetch every node's catalog, concurrently; each failure is kept in its health."""
        await asyncio.gather(*(self._check(n, u) for n, u in self.sources if u))

    async def _fetch(self, url: str) -> tuple[bytes, str]:
        async with self.http.stream("GET", url, headers={"Accept": ACCEPT}) as response:
            if response.status_code != 200:
                raise GatewayError(f"HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise GatewayError(f"the answer is larger than {self.max_bytes} bytes")
            return bytes(body), response.headers.get("content-type", "")

    async def _check(self, name: str, url: str) -> None:
        health = self.health_of[name]
        health.checked_at = _now()
        try:
            try:
                body, content_type = await asyncio.wait_for(self._fetch(url), self.timeout)
            except (TimeoutError, httpx.TimeoutException) as exc:
                raise GatewayError(f"no answer within {self.timeout:g} s") from exc
            except httpx.HTTPError as exc:
                raise GatewayError(f"connection failed ({type(exc).__name__})") from exc
            found = await asyncio.to_thread(parse_catalog, name, body, content_type, url)
        except Exception as exc:  # anything a node does must not stop the others
            why = str(exc) if isinstance(exc, GatewayError) else f"{type(exc).__name__}"
            health.state = "stale" if name in self.nodes else "failed"
            health.error = f"catalog {url}: {why}"
            kept = "serving its last good catalog" if name in self.nodes else "no catalog yet"
            log.warning("node %s: %s; %s", name, health.error, kept)
            return
        self.nodes[name] = found
        health.state, health.error, health.fetched_at = "ok", None, found.fetched_at

    def conflicts(self) -> dict[URIRef, list[str]]:
        """Dataset IRIs published by more than one node, with the nodes."""
        owners: dict[URIRef, list[str]] = {}
        for name in self.names:
            for ds in self.nodes[name].datasets if name in self.nodes else ():
                owners.setdefault(ds, []).append(name)
        return {ds: names for ds, names in owners.items() if len(names) > 1}

    def problems(self) -> list[str]:
        """Every reason the union is incomplete or old, in words."""
        out = []
        for name in self.names:
            health = self.health_of[name]
            if health.state == "stale":
                out.append(
                    f"node {name!r}: {health.error}; serving its catalog of {health.fetched_at}"
                )
            elif health.state == "failed":
                out.append(f"node {name!r}: {health.error}; its datasets are missing")
        for ds, names in sorted(self.conflicts().items()):
            out.append(f"dataset <{ds}> is published by {' and '.join(names)}: neither is served")
        return out

    def search(
        self, params: Iterable[tuple[str, str]], *, iri: str = "urn:guichet:catalog"
    ) -> Graph:
        """The union catalog at ``iri`` with the datasets the query ``params`` ask for;
        :class:`~._catalog_search.CatalogQueryError` names a bad parameter."""
        return self.union(parse_search(params, nodes=self.names), iri=iri)

    def union(self, search: CatalogSearch, *, iri: str) -> Graph:
        out = Graph()
        for prefix, ns in PREFIXES.items():
            out.bind(prefix, ns)
        root = URIRef(iri)
        out.add((root, RDF.type, DCAT.Catalog))
        out.add((root, DCT.title, Literal(TITLE, lang="fr")))
        for problem in self.problems():
            out.add((root, GUI.catalogProblem, Literal(problem)))
        conflicts = self.conflicts()
        everything = frozenset(n for c in self.nodes.values() for n in (*c.datasets, *c.catalogs))
        for name in self.names:
            node = self.nodes.get(name)
            if node is None:
                continue
            for catalog in node.catalogs:
                out.add((root, DCAT.catalog, catalog))
                out.add((catalog, DCT.identifier, Literal(name)))
                for p in (RDF.type, DCT.title, DCT.publisher, DCT.description):
                    for o in node.graph.objects(catalog, p):
                        out.add((catalog, p, o))
                for service in node.graph.objects(catalog, DCAT.service):
                    out.add((catalog, DCAT.service, service))
                    for triple in ontology.closure(node.graph, service, everything):
                        out.add(triple)
            for ds, catalog in node.datasets.items():
                if ds in conflicts or not node.facts[ds].matches(search):
                    continue
                out.add((root, DCAT.dataset, ds))
                out.add((catalog, DCAT.dataset, ds))
                for triple in ontology.closure(node.graph, ds, everything - {ds}):
                    out.add(triple)
        return out

    def health(self) -> dict[str, Any]:
        states = {h.state for h in self.health_of.values()} - {"off"}
        return {
            "status": "ok" if states <= {"ok"} and not self.conflicts() else "degraded",
            "problems": self.problems(),
            "nodes": [
                {
                    "name": name,
                    "url": url,
                    "state": self.health_of[name].state,
                    "error": self.health_of[name].error,
                    "datasets": len(self.nodes[name].datasets) if name in self.nodes else 0,
                    "checkedAt": self.health_of[name].checked_at,
                    "fetchedAt": self.health_of[name].fetched_at,
                }
                for name, url in self.sources
            ],
        }


def to_jsonld(graph: Graph) -> dict[str, Any]:
    """The graph as JSON-LD compacted with the standard prefixes (as a node's catalog)."""
    expanded = json.loads(graph.serialize(format="json-ld"))
    compacted: dict[str, Any] = jsonld.compact(
        expanded, {"@context": dict(PREFIXES)}, options={"documentLoader": ontology.document_loader}
    )
    return compacted


def to_turtle(graph: Graph) -> str:
    text: str = graph.serialize(format="turtle")
    return text


class CatalogEndpoint:
    """``GET /catalog``: the union, searched by the query parameters; JSON-LD or Turtle by
    the Accept header (406 otherwise), 400 naming a bad parameter."""

    def __init__(self, union: CatalogUnion) -> None:
        self.union = union

    async def handle(self, request: Request) -> Response:
        media = negotiate(request.headers.get("accept"))
        if media is None:
            return error_response(
                406,
                f"the catalog is served as {JSONLD} or {TURTLE}",
                "NOT_ACCEPTABLE",
                current_request_id(),
            )
        iri = str(request.url.replace(query=""))
        try:
            graph = self.union.search(request.query_params.multi_items(), iri=iri)
        except CatalogQueryError as exc:
            body = error_body(str(exc), BAD_REQUEST, current_request_id())
            body["errors"][0]["extensions"]["parameter"] = exc.parameter
            return JSONResponse(body, status_code=400, headers={"Vary": "Accept"})
        headers = {"Vary": "Accept"}
        if media == TURTLE:
            return Response(
                to_turtle(graph), media_type="text/turtle; charset=utf-8", headers=headers
            )
        return JSONResponse(to_jsonld(graph), media_type=JSONLD, headers=headers)

"""The data space's catalog page (``/catalog``, on the gateway's console): every dataset of
every node with its node, publisher, themes, areas and policy (in words and in JSON-LD),
searched like the gateway's ``/catalog``. The console reads the catalog through a port,
:class:`DataSpaceCatalog` (the gateway passes its union of the nodes' catalogs), as the
same RDF graph the gateway serves; each problem of the union (a node's catalog not
fetched, two nodes publishing one dataset IRI) is shown on the page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from pyld import jsonld
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node
from starlette.requests import Request
from starlette.responses import Response

import ontology
from connector.console import render
from connector.console.core import Console
from connector.console.sessions import Session
from connector.errors import QueryError
from policies import PolicyError, policies_from_graph
from policies.explain import Lang, explain
from policies.vocab import areas_graph
from policies.vocab import communes as vocab_communes

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
GUI = Namespace("https://w3id.org/guichet/ontology#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
FIELDS = ("q", "node", "publisher", "theme", "commune")


class DataSpaceCatalog(Protocol):
    """The port: the data space's catalog with the datasets ``params`` (the gateway's
    ``/catalog`` query parameters) ask for; ``QueryError`` naming a bad parameter."""

    def search(self, params: Iterable[tuple[str, str]]) -> Graph: ...


@dataclass(frozen=True)
class PolicyView:
    iri: str
    sentences: tuple[tuple[str, str, str], ...]  # rule, kind, text
    document: str
    error: str = ""


@dataclass(frozen=True)
class DatasetView:
    iri: str
    node: str
    title: str
    description: str
    publishers: tuple[str, ...]
    keywords: tuple[str, ...]
    themes: tuple[str, ...]
    areas: tuple[str, ...]
    policies: tuple[PolicyView, ...]


def local_name(iri: str) -> str:
    return re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri


@cache
def area_labels() -> dict[str, str]:
    graph = areas_graph()
    return {str(s): str(o) for s, o in graph.subject_objects(RDFS.label) if isinstance(s, URIRef)}


@cache
def communes() -> list[tuple[str, str]]:
    """``(INSEE code, "name (code)")`` of the agglomeration's communes
    (``policies/data/communes.csv``), by name."""
    found = [(code, f"{name} ({code})") for code, name in vocab_communes()]
    return sorted(found, key=lambda c: c[1].lower())


def _text(graph: Graph, subject: Node, predicate: URIRef, lang: str) -> str:
    values = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
    chosen = [o for o in values if o.language == lang] or values
    return str(sorted(chosen, key=str)[0]) if chosen else ""


def policy_view(graph: Graph, policy: Node, stop: set[Node], lang: Lang) -> PolicyView:
    part = Graph()
    for triple in ontology.closure(graph, policy, stop):
        part.add(triple)
    expanded = json.loads(part.serialize(format="json-ld"))
    try:
        framed: Any = jsonld.frame(
            expanded,
            {"@context": ODRL_CONTEXT, "@id": str(policy)},
            {"documentLoader": ontology.document_loader},
        )
        framed.pop("@context", None)
        document = json.dumps(framed, indent=2, ensure_ascii=False)
    except jsonld.JsonLdError:
        document = json.dumps(expanded, indent=2, ensure_ascii=False)
    try:
        found = policies_from_graph(part, source=str(policy))
    except PolicyError as exc:
        return PolicyView(str(policy), (), document, error=str(exc))
    sentences = tuple((s.rule, s.kind, s.text) for p in found for s in explain(p, lang=lang))
    return PolicyView(str(policy), sentences, document)


def dataset_views(graph: Graph, lang: Lang) -> list[DatasetView]:
    """The datasets of the union catalog ``graph``, by node then title."""
    roots = [
        c for c in graph.subjects(RDF.type, DCAT.Catalog) if (None, DCAT.catalog, c) not in graph
    ]
    listed = {ds for root in roots for ds in graph.objects(root, DCAT.dataset)}
    node_of = {
        ds: str(graph.value(c, DCT.identifier) or "")
        for c in graph.subjects(DCAT.dataset, None)
        if c not in roots
        for ds in graph.objects(c, DCAT.dataset)
    }
    stop: set[Node] = {*listed, *graph.subjects(RDF.type, DCAT.Catalog)}
    views = []
    for ds in listed:
        views.append(
            DatasetView(
                iri=str(ds),
                node=node_of.get(ds, ""),
                title=_text(graph, ds, DCT.title, lang) or str(ds),
                description=_text(graph, ds, DCT.description, lang),
                publishers=tuple(sorted(str(p) for p in graph.objects(ds, DCT.publisher))),
                keywords=tuple(sorted(str(k) for k in graph.objects(ds, DCAT.keyword))),
                themes=tuple(sorted(str(t) for t in graph.objects(ds, DCAT.theme))),
                areas=tuple(
                    sorted(
                        area_labels().get(str(a), str(a)) for a in graph.objects(ds, DCT.spatial)
                    )
                ),
                policies=tuple(
                    policy_view(graph, p, stop - {p}, lang)
                    for p in sorted(graph.objects(ds, ODRL.hasPolicy), key=str)
                ),
            )
        )
    return sorted(views, key=lambda v: (v.node, v.title.lower()))


def problems(graph: Graph) -> list[str]:
    return sorted(str(o) for o in graph.objects(None, GUI.catalogProblem))


class CatalogPage:
    def __init__(self, console: Console, catalog: DataSpaceCatalog) -> None:
        self.console, self.catalog = console, catalog

    async def page(self, request: Request, session: Session) -> Response:
        lang: Lang = "en" if render.language(request) == "en" else "fr"
        asked = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        chosen = [(k, v) for k, v in asked if v.strip()]  # an empty form field: any
        form = {name: request.query_params.get(name, "") for name in FIELDS}
        everything = self.catalog.search([])
        error: tuple[str, str] | None = None
        try:
            graph = self.catalog.search(chosen)
        except QueryError as exc:
            error, graph = (str(getattr(exc, "parameter", "")), str(exc)), None
        all_views = dataset_views(everything, lang)
        views = dataset_views(graph, lang) if graph is not None else []
        publishers = sorted({p for v in all_views for p in v.publishers})
        themes = sorted({t for v in all_views for t in v.themes})
        nodes = sorted({v.node for v in all_views if v.node})
        options = {
            "node": [(n, n) for n in nodes],
            "publisher": [(p, local_name(p)) for p in publishers],
            "theme": [(t, local_name(t)) for t in themes],
            "commune": communes(),
        }
        for key in ("node", "publisher", "theme", "commune"):
            if form[key] and form[key] not in dict(options[key]):
                options[key].append((form[key], form[key]))
        return self.console.page(
            request,
            "catalog.html",
            {
                "datasets": views,
                "total": len(all_views),
                "form": form,
                "options": options,
                "search_error": error,
                "catalog_problems": problems(graph if graph is not None else everything),
                "local_name": local_name,
            },
            session=session,
            status=400 if error else 200,
        )

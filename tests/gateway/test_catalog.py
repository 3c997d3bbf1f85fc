"""The data space's catalog on the gateway (``/catalog``): the union of the demo nodes'
DCAT catalogs, read back as RDF (rdflib) and compared with each node's own catalog;
search by words, theme, publisher, commune and node; bad parameters refused by name."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pyld import jsonld
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

import ontology
from tests.gateway.conftest import BOUYGUES, NODES, GatewayCaller, GatewayFactory

pytestmark = pytest.mark.anyio

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
GUI = Namespace("https://w3id.org/guichet/ontology#")
DS = "https://guichet.agglo-larochelle.fr/datasets/"
ALL = {
    "cda/registre-batiments",
    "cda/consommations-energie",
    "cda/bilans-carbone",
    "cda/declarations-environnementales",
    "cda/facteurs-emission",
    "atmo/mesures-salles",
    "atmo/capteurs-salles",
    "bouygues/metres",
    "bouygues/operations",
    "bouygues/bilans-carbone-operations",
}
ROOT = URIRef("http://gw/catalog")


def turtle(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def from_jsonld(doc: Any) -> Graph:
    expanded = jsonld.expand(doc, {"documentLoader": ontology.document_loader})
    return Graph().parse(data=json.dumps(expanded), format="json-ld")


async def catalog(gw: GatewayCaller, **params: str) -> Graph:
    r = await gw.client.get("/catalog", params=params, headers={"Accept": "text/turtle"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/turtle")
    return turtle(r.text)


def datasets(graph: Graph) -> set[str]:
    return {str(d).removeprefix(DS) for d in graph.objects(ROOT, DCAT.dataset)}


def described(graph: Graph, start: URIRef) -> Graph:
    """What ``graph`` says of ``start`` and of what it points to, but catalogs and other
    datasets."""
    stop = {*graph.subjects(RDF.type, DCAT.Catalog), *graph.subjects(RDF.type, DCAT.Dataset)}
    out, todo, seen = Graph(), [start], {start}
    while todo:
        for s, p, o in graph.triples((todo.pop(), None, None)):
            out.add((s, p, o))
            if o not in seen and o not in stop:
                seen.add(o)
                todo.append(o)
    return out


async def node_catalog(gw: GatewayCaller, name: str) -> Graph:
    transport = httpx.ASGITransport(app=gw.router.apps[name])
    async with httpx.AsyncClient(transport=transport, base_url="http://n") as c:
        r = await c.get("/catalog", headers={"Accept": "text/turtle"})
    return turtle(r.text)


async def test_the_union_keeps_each_dataset_its_iri_publisher_policy_and_node(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway()
    union = await catalog(gw)
    assert (ROOT, RDF.type, DCAT.Catalog) in union
    assert datasets(union) == ALL
    for name in NODES:
        own = await node_catalog(gw, name)
        (node_cat,) = own.subjects(RDF.type, DCAT.Catalog)
        # the node's catalog is one catalog of the union, named with the gateway's name
        assert (ROOT, DCAT.catalog, node_cat) in union
        assert (node_cat, DCT.identifier, Literal(name)) in union
        assert set(union.objects(node_cat, DCT.publisher)) == set(
            own.objects(node_cat, DCT.publisher)
        )
        for ds in own.objects(node_cat, DCAT.dataset):
            assert (node_cat, DCAT.dataset, ds) in union
            # all the node says of the dataset, its policy and rules, and nothing more
            assert isomorphic(described(own, ds), described(union, ds)), ds
            # one policy per dataset (a Set), and the demo's one Offer beside its Set
            policies = list(union.objects(ds, ODRL.hasPolicy))
            assert len(policies) == (2 if ds == URIRef(DS + "cda/consommations-energie") else 1)
            for policy in policies:
                assert len(list(union.objects(policy, ODRL.permission))) > 0
            assert len(list(union.objects(ds, DCAT.distribution))) == 1
    # the publisher each dataset names, not the node's
    metres = URIRef(DS + "bouygues/metres")
    assert set(union.objects(metres, DCT.publisher)) == {URIRef(BOUYGUES)}


async def test_json_ld_and_turtle_carry_the_same_triples(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway()
    for params in ({}, {"q": "énergie", "commune": "17300"}):
        r = await gw.client.get("/catalog", params=params)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/ld+json")
        assert r.headers["vary"] == "Accept"
        assert isomorphic(from_jsonld(r.json()), await catalog(gw, **params))


@pytest.mark.parametrize(
    ("accept", "status", "media"),
    [
        (None, 200, "application/ld+json"),
        ("*/*", 200, "application/ld+json"),
        ("application/json", 200, "application/ld+json"),
        ("text/turtle", 200, "text/turtle"),
        ("application/ld+json;q=0.5, text/turtle", 200, "text/turtle"),
        ("text/*", 200, "text/turtle"),
        ("text/html", 406, None),
        ("application/xml", 406, None),
    ],
)
async def test_content_negotiation_is_the_nodes(
    make_gateway: GatewayFactory, accept: str | None, status: int, media: str | None
) -> None:
    gw = await make_gateway()
    headers = {"Accept": accept} if accept else {}
    r = await gw.client.get("/catalog", headers=headers)
    transport = httpx.ASGITransport(app=gw.router.apps["cda"])
    async with httpx.AsyncClient(transport=transport, base_url="http://n") as c:
        node = await c.get("/catalog", headers=headers)
    assert (r.status_code, node.status_code) == (status, status)
    if media:
        assert r.headers["content-type"].startswith(media)
        assert node.headers["content-type"].startswith(media)
    else:
        assert "text/turtle" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("params", "found"),
    [
        # words: case and accents ignored, every word must appear
        (
            {"q": "energie"},
            {"cda/consommations-energie", "cda/bilans-carbone", "cda/facteurs-emission"},
        ),
        ({"q": "ÉNERGIE  DPE"}, {"cda/bilans-carbone", "cda/facteurs-emission"}),
        ({"q": "co2 école"}, {"atmo/mesures-salles"}),
        # the example of the issue: words and the commune of La Rochelle
        ({"q": "energie", "commune": "17300"}, {"cda/consommations-energie", "cda/bilans-carbone"}),
        # La Rochelle: its own datasets and the agglomeration's (the EPCI holds it)
        (
            {"commune": "17300"},
            ALL - {"cda/declarations-environnementales", "cda/facteurs-emission"},
        ),
        # Angoulins: only what covers the whole agglomeration
        (
            {"commune": "17010"},
            {"cda/registre-batiments", "cda/consommations-energie", "cda/bilans-carbone"},
        ),
        ({"commune": "79191"}, set()),  # Niort: outside the data space
        (
            {"theme": "ENER"},
            {"cda/consommations-energie", "cda/bilans-carbone", "cda/facteurs-emission"},
        ),
        (
            {"theme": "http://publications.europa.eu/resource/authority/data-theme/HEAL"},
            {"atmo/mesures-salles"},
        ),
        (
            {"publisher": BOUYGUES},
            {"bouygues/metres", "bouygues/operations", "bouygues/bilans-carbone-operations"},
        ),
        ({"node": "atmo"}, {"atmo/mesures-salles", "atmo/capteurs-salles"}),
        ({"node": "atmo", "theme": "ENER"}, set()),
        ({"q": "zzzz introuvable"}, set()),
        ({"q": "'; DROP TABLE datasets; --"}, set()),
        ({"q": "<script>alert(1)</script>"}, set()),
        ({"q": "} . <urn:x> <urn:y> <urn:z> ."}, set()),
        ({"publisher": "https://guichet.agglo-larochelle.fr/participants/nobody"}, set()),
    ],
)
async def test_search(
    make_gateway: GatewayFactory, params: dict[str, str], found: set[str]
) -> None:
    gw = await make_gateway()
    graph = await catalog(gw, **params)
    assert datasets(graph) == found
    # the nodes' catalogs are listed whatever the search, each with what it matched only
    assert len(set(graph.objects(ROOT, DCAT.catalog))) == 3
    listed = {
        str(d).removeprefix(DS)
        for c in graph.objects(ROOT, DCAT.catalog)
        for d in graph.objects(c, DCAT.dataset)
    }
    assert listed == found
    if "q" in params and not found:  # nothing of the words comes back into the answer
        assert not any(params["q"] in str(term) for triple in graph for term in triple)


@pytest.mark.parametrize(
    ("query", "parameter", "says"),
    [
        ("format=turtle", "format", "unknown parameter 'format'"),
        ("x=1", "x", "unknown parameter 'x'"),
        ("q=a&q=b", "q", "parameter 'q' is given 2 times"),
        ("q=", "q", "parameter 'q' is empty"),
        ("q=%20%20", "q", "parameter 'q' is empty"),
        ("q=" + "a" * 201, "q", "longer than 200 characters"),
        ("q=a%00b", "q", "control characters"),
        ("commune=La%20Rochelle", "commune", "INSEE commune code"),
        ("commune=17300%27%20OR%201%3D1", "commune", "INSEE commune code"),
        ("commune=173000", "commune", "INSEE commune code"),
        ("publisher=cda", "publisher", "must be an http(s) or urn IRI"),
        ("publisher=javascript:alert(1)", "publisher", "must be an http(s) or urn IRI"),
        ("publisher=http://a%20b", "publisher", "must be an http(s) or urn IRI"),
        ("theme=%3Cscript%3E", "theme", "must be an IRI or a theme code"),
        ("node=nowhere", "node", "no node 'nowhere'; the nodes are cda, atmo, bouygues"),
    ],
)
async def test_a_bad_parameter_is_a_400_naming_it(
    make_gateway: GatewayFactory, query: str, parameter: str, says: str
) -> None:
    gw = await make_gateway()
    for accept in ("text/turtle", "application/ld+json"):
        r = await gw.client.get(f"/catalog?{query}", headers={"Accept": accept})
        assert r.status_code == 400
        (error,) = r.json()["errors"]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert error["extensions"]["parameter"] == parameter
        assert says in error["message"]
        assert "Traceback" not in r.text


async def test_health_lists_each_nodes_catalog(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway()
    health = (await gw.client.get("/health")).json()
    report = health["catalog"]
    assert report["status"] == "ok"
    assert report["problems"] == []
    assert [(n["name"], n["url"], n["state"], n["datasets"]) for n in report["nodes"]] == [
        ("cda", "http://cda/catalog", "ok", 5),
        ("atmo", "http://atmo/catalog", "ok", 2),
        ("bouygues", "http://bouygues/catalog", "ok", 3),
    ]


async def test_a_node_down_keeps_its_last_catalog_and_is_named(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway()
    gw.router.down.add("atmo")
    await gw.app.state.gateway.refresh()
    graph = await catalog(gw)
    assert datasets(graph) == ALL  # atmo's last good catalog still serves
    (problem,) = graph.objects(ROOT, GUI.catalogProblem)
    assert str(problem).startswith("node 'atmo': catalog http://atmo/catalog: connection failed")
    assert "serving its catalog of" in str(problem)
    report = (await gw.client.get("/health")).json()["catalog"]
    assert report["status"] == "degraded"
    assert {n["name"]: n["state"] for n in report["nodes"]} == {
        "cda": "ok",
        "atmo": "stale",
        "bouygues": "ok",
    }
    # back up: fresh again, the problem gone
    gw.router.down.clear()
    await gw.app.state.gateway.refresh()
    assert list((await catalog(gw)).objects(ROOT, GUI.catalogProblem)) == []
    assert (await gw.client.get("/health")).json()["catalog"]["status"] == "ok"

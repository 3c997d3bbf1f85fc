"""The node's HTTP faces through its ASGI app: linked data, catalog, health, GraphQL."""

from __future__ import annotations

import json

import httpx
import pytest
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

import ontology
from connector.app import create_app
from connector.config import NodeConfig

pytestmark = pytest.mark.anyio

BOT = "https://w3id.org/bot#"
GUI = "https://w3id.org/guichet/ontology#"
BASE = "http://127.0.0.1:8199"


def client(config: NodeConfig) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config)), base_url=BASE)


async def test_entity_iri_dereferences_to_turtle(tiny_config) -> None:
    async with client(tiny_config) as c:
        r = await c.get("/id/building/PG46-YY6Y-JW8N", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    s = URIRef(f"{BASE}/id/building/PG46YY6YJW8N")
    assert (s, RDF.type, URIRef(BOT + "Building")) in g
    assert (s, URIRef(GUI + "floorArea"), Literal(1450.0)) in g
    assert (s, URIRef(BOT + "hasSpace"), URIRef(f"{BASE}/id/space/PG46YY6YJW8N/RDC/CP")) in g


async def test_jsonld_and_turtle_faces_carry_the_same_triples(tiny_config) -> None:
    iri = f"{BASE}/id/space/PG46YY6YJW8N/RDC/CP"
    async with client(tiny_config) as c:
        r = await c.get("/id/space/PG46YY6YJW8N/RDC/CP", headers={"Accept": "application/ld+json"})
        ttl = await c.get("/id/space/PG46YY6YJW8N/RDC/CP", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    doc = r.json()
    assert doc["@context"] == ontology.CONTEXT_IRI
    assert doc["@id"] == iri
    expanded = jsonld.expand(doc, {"documentLoader": ontology.document_loader})
    from_jsonld = Graph().parse(data=json.dumps(expanded), format="json-ld")
    from_turtle = Graph().parse(data=ttl.text, format="turtle")
    assert isomorphic(from_jsonld, from_turtle)
    assert (
        URIRef(iri),
        URIRef(GUI + "inBuilding"),
        URIRef(f"{BASE}/id/building/PG46YY6YJW8N"),
    ) in from_turtle
    assert (
        URIRef(iri),
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("Classe de CP"),
    ) in from_turtle


async def test_unknown_entity_and_bad_key(tiny_config) -> None:
    async with client(tiny_config) as c:
        missing = await c.get("/id/building/PG46YY6YJW8M")
        bad = await c.get("/id/building/nope")
        kind = await c.get("/id/castle/1")
        refused = await c.get("/id/building/PG46YY6YJW8N", headers={"Accept": "image/png"})
    assert missing.status_code == 404
    assert missing.json() == {"error": "no Building with rnbId 'PG46YY6YJW8M'"}
    assert bad.status_code == 400
    assert "invalid RNB id 'nope'" in bad.json()["error"]
    assert kind.status_code == 404
    assert refused.status_code == 406


async def test_health_reports_each_source(tiny_config) -> None:
    async with client(tiny_config) as c:
        r = await c.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert [(s["name"], s["ok"]) for s in body["sources"]] == [("ville", True)]


async def test_graphql_over_http_and_errors_are_not_500(tiny_config) -> None:
    async with client(tiny_config) as c:
        ok = await c.post(
            "/graphql", json={"query": '{ building(rnbId: "PG46YY6YJW8N") { name } }'}
        )
        syntax = await c.post("/graphql", json={"query": "{ building( }"})
        ide = await c.get("/graphql", headers={"Accept": "text/html"})
    assert ok.status_code == 200
    assert ok.json() == {"data": {"building": {"name": "École des Salines"}}}
    assert syntax.status_code in (200, 400)
    assert syntax.json()["errors"][0]["message"].startswith("Syntax Error")
    assert ide.status_code == 200
    assert "graphiql" in ide.text.lower()

"""What a node actually serves conforms to the SHACL shapes of ``ontology/shapes.ttl``."""

from __future__ import annotations

import httpx
import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef

import ontology
from connector.app import create_app

pytestmark = pytest.mark.anyio

PATHS = [
    "/id/building/PG46YY6YJW8N",
    "/id/space/PG46YY6YJW8N/RDC/CP",
    "/id/sensor/S-CP-CO2",
    "/id/observation/3",
    "/id/energy-use/E1",
]


async def served_graph(config) -> Graph:
    g = Graph()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(config)), base_url="http://127.0.0.1:8199"
    ) as c:
        for path in PATHS:
            r = await c.get(path, headers={"Accept": "text/turtle"})
            assert r.status_code == 200, (path, r.text)
            g.parse(data=r.text, format="turtle")
    return g


async def test_served_entities_conform_to_the_shapes(tiny_config) -> None:
    g = await served_graph(tiny_config)
    conforms, _, text = validate(g, shacl_graph=ontology.shapes_graph())
    assert conforms, text


async def test_the_shapes_catch_a_bad_rnb_id_in_served_data(tiny_config) -> None:
    g = await served_graph(tiny_config)
    building = URIRef("http://127.0.0.1:8199/id/building/PG46YY6YJW8N")
    rnb = URIRef("https://w3id.org/guichet/ontology#rnbId")
    g.set((building, rnb, Literal("PG46-YY6Y-JW8O")))
    conforms, report, _ = validate(g, shacl_graph=ontology.shapes_graph())
    assert not conforms
    sh = "http://www.w3.org/ns/shacl#"
    focus = {o for o in report.objects(None, URIRef(sh + "focusNode"))}
    assert focus == {building}

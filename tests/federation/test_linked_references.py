"""Linked data across nodes: a room at Atmo's node names its building by the IRI the
building has at its owner (the agglomeration's node, ``[node.references]``), and that
IRI dereferences there, to the building the register holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from rdflib import RDFS, Graph, URIRef

from tests.federation.stack import Stack


def _base(stack: Stack, node: str) -> str:
    return stack.urls[node].removesuffix("/graphql")


def _turtle(url: str, token: str) -> Graph:
    r = httpx.get(
        url, headers={"Accept": "text/turtle", "Authorization": f"Bearer {token}"}, timeout=30
    )
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return Graph().parse(data=r.text, format="turtle")


def test_a_room_links_its_building_where_the_building_dereferences(
    stack: Stack,
    tokens: dict[str, str],
    demo_db: dict[str, Any],
    query_node: Callable[..., dict[str, Any]],
) -> None:
    token = tokens["carbon"]
    body = query_node("atmo", "{ spaces(first: 1) { nodes { id } } }", token=token)
    (space,) = body["data"]["spaces"]["nodes"]
    rnb = space["id"].split("/")[0]
    room = f"{_base(stack, 'atmo')}/id/space/{space['id']}"
    g = _turtle(room, token)
    mentioned = {str(t) for triple in g for t in triple if isinstance(t, URIRef)}
    buildings = {iri for iri in mentioned if "/id/building/" in iri}
    assert buildings == {f"{_base(stack, 'cda')}/id/building/{rnb}"}, sorted(mentioned)
    building = _turtle(buildings.pop(), token)
    names = {str(o) for o in building.objects(None, RDFS.label)}
    expected = {
        row["nom"]
        for row in demo_db["cda"].execute("SELECT id_rnb, nom FROM batiments")
        if row["id_rnb"].replace("-", "") == rnb
    }
    assert names == expected and len(expected) == 1

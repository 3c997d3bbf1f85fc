"""The data space's catalog end to end on 127.0.0.1: the three demo nodes and the gateway as
real processes; a node stopped keeps its last catalog in the union and is named."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from connector.demo.generate import DemoPaths
from tests.gateway.test_process import start_open_space, stop

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
GUI = Namespace("https://w3id.org/guichet/ontology#")
Procs = dict[str, subprocess.Popen[bytes]]


@pytest.fixture
def space(demo: DemoPaths) -> Iterator[tuple[str, dict[str, str], Procs]]:
    procs: Procs = {}
    try:
        gateway, urls = start_open_space(demo, procs)
        deadline = time.monotonic() + 30
        while httpx.get(f"{gateway}/health").json()["catalog"]["status"] != "ok":
            assert time.monotonic() < deadline, "the gateway never read the nodes' catalogs"
            time.sleep(0.2)
        yield gateway, urls, procs
    finally:
        stop(procs)


def turtle(url: str, **params: str) -> Graph:
    r = httpx.get(url, params=params, headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200, r.text
    return Graph().parse(data=r.text, format="turtle")


def test_the_gateway_serves_the_nodes_catalogs_as_one(
    space: tuple[str, dict[str, str], Procs],
) -> None:
    gateway, urls, procs = space
    root = URIRef(f"{gateway}/catalog")
    union = turtle(f"{gateway}/catalog")
    served = set(union.objects(root, DCAT.dataset))
    own = {name: turtle(f"{url}/catalog") for name, url in urls.items()}
    assert served == {ds for g in own.values() for ds in g.subjects(ODRL.hasPolicy, None)}
    assert len(served) == 10
    for name, graph in own.items():
        (catalog,) = graph.subjects(DCAT.dataset, None, unique=True)
        assert (catalog, DCT.identifier, Literal(name)) in union
        for ds, policy in graph.subject_objects(ODRL.hasPolicy):
            assert (catalog, DCAT.dataset, ds) in union
            assert (ds, ODRL.hasPolicy, policy) in union
            assert set(graph.objects(ds, DCT.publisher)) == set(union.objects(ds, DCT.publisher))

    # the example of the README
    found = turtle(f"{gateway}/catalog", q="energie", commune="17300")
    assert {str(d).rsplit("/", 1)[-1] for d in found.objects(root, DCAT.dataset)} == {
        "consommations-energie",
        "bilans-carbone",
    }
    bad = httpx.get(f"{gateway}/catalog", params={"commune": "La Rochelle"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"]["parameter"] == "commune"

    # atmo stops: its datasets stay (its last good catalog), and it is named
    procs["atmo"].terminate()
    procs["atmo"].wait(timeout=15)
    deadline = time.monotonic() + 15
    while True:
        report = httpx.get(f"{gateway}/health").json()["catalog"]
        states = {n["name"]: n["state"] for n in report["nodes"]}
        if states["atmo"] == "stale" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert states == {"cda": "ok", "atmo": "stale", "bouygues": "ok"}
    assert report["status"] == "degraded"
    after = turtle(f"{gateway}/catalog")
    assert set(after.objects(root, DCAT.dataset)) == served
    (problem,) = after.objects(root, GUI.catalogProblem)
    assert str(problem).startswith(
        f"node 'atmo': catalog {urls['atmo']}/catalog: connection failed"
    )
    # the GraphQL side keeps serving the others
    r = httpx.post(f"{gateway}/graphql", json={"query": "{ buildings { totalCount } }"}, timeout=30)
    assert r.json()["data"]["buildings"]["totalCount"] > 0

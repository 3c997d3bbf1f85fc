"""Nodes that do not answer with a good catalog, behind ``httpx.MockTransport`` (the
gateway's HTTP port): garbage, errors, things that are not DCAT catalogs, remote contexts,
oversize or slow answers, two nodes publishing one dataset IRI, a node speaking of
another's dataset. Each is named; the others keep serving."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from connector.errors import ConfigError
from connector.gateway import create_gateway_app
from connector.gateway._catalog import CatalogUnion, to_jsonld, to_turtle
from connector.gateway._catalog_search import CatalogSearch

pytestmark = pytest.mark.anyio

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
GUI = Namespace("https://w3id.org/guichet/ontology#")
ROOT = URIRef("urn:test:catalog")
Handler = Callable[[httpx.Request], httpx.Response]


def catalog_ttl(node: str, *datasets: str, extra: str = "") -> str:
    listed = ", ".join(f"<https://ex.org/ds/{d}>" for d in datasets) or "<https://ex.org/none>"
    described = "".join(
        f"""
<https://ex.org/ds/{d}> a dcat:Dataset ; dct:title "{d} de {node}" ;
    dct:publisher <https://ex.org/party/{node}> ;
    odrl:hasPolicy <https://ex.org/policy/{node}/{d}> .
<https://ex.org/policy/{node}/{d}> a odrl:Set ;
    odrl:permission [ odrl:action odrl:read ; odrl:target <https://ex.org/ds/{d}> ] .
"""
        for d in datasets
    )
    return f"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix odrl: <http://www.w3.org/ns/odrl/2/> .
<http://{node}/catalog> a dcat:Catalog ; dct:title "{node}" ; dcat:dataset {listed} .
{described}{extra}"""


def ttl(text: str) -> httpx.Response:
    return httpx.Response(200, text=text, headers={"content-type": "text/turtle"})


class Nodes:
    """Per host, the handler of the next requests; every request is recorded."""

    def __init__(self, **handlers: Handler) -> None:
        self.handlers = handlers
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(str(request.url))
        return self.handlers[request.url.host](request)


async def union_over(nodes: Nodes, **options: Any) -> CatalogUnion:
    http = httpx.AsyncClient(transport=httpx.MockTransport(nodes))
    union = CatalogUnion(
        [(name, f"http://{name}/catalog") for name in nodes.handlers], http=http, **options
    )
    await union.refresh()
    return union


def served(union: CatalogUnion, search: CatalogSearch | None = None) -> set[str]:
    graph = union.union(search or CatalogSearch(), iri=str(ROOT))
    return {str(d).rsplit("/", 1)[-1] for d in graph.objects(ROOT, DCAT.dataset)}


def problems(union: CatalogUnion) -> list[str]:
    graph = union.union(CatalogSearch(), iri=str(ROOT))
    return sorted(str(p) for p in graph.objects(ROOT, GUI.catalogProblem))


def states(union: CatalogUnion) -> dict[str, tuple[str, str | None]]:
    return {n["name"]: (n["state"], n["error"]) for n in union.health()["nodes"]}


GOOD = {"good": lambda r: ttl(catalog_ttl("good", "a"))}


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (httpx.Response(500, text="Internal Server Error"), "HTTP 500"),
        (httpx.Response(404, json={"error": "not found"}), "HTTP 404"),
        (
            httpx.Response(
                200, content=b"\x00\xff garbage", headers={"content-type": "application/json"}
            ),
            "not valid JSON-LD",
        ),
        (ttl("this is @prefix not turtle <<<"), "not valid Turtle"),
        (
            httpx.Response(200, text="<html>hello</html>", headers={"content-type": "text/html"}),
            "answered text/html",
        ),
        (httpx.Response(200, content=b"{}"), "answered no content type"),
        (httpx.Response(200, json={"data": {"a": 1}}), "holds no dcat:Catalog"),
        (
            httpx.Response(
                200,
                json={"@id": "https://ex.org/me", "@type": "http://xmlns.com/foaf/0.1/Person"},
                headers={"content-type": "application/ld+json"},
            ),
            "holds no dcat:Catalog",
        ),
        (
            httpx.Response(
                200,
                json={"@context": "https://evil.example/context.jsonld", "@type": "Catalog"},
                headers={"content-type": "application/ld+json"},
            ),
            "refused to load JSON-LD document 'https://evil.example/context.jsonld'",
        ),
        (ttl(catalog_ttl("bad") + "\n" + "# padding\n" * 5000), "larger than 20000 bytes"),
    ],
)
async def test_a_node_answering_no_catalog_is_named_and_the_others_serve(
    answer: httpx.Response, why: str
) -> None:
    nodes = Nodes(**GOOD, bad=lambda r: answer)
    union = await union_over(nodes, max_bytes=20_000)
    state, error = states(union)["bad"]
    assert state == "failed"
    assert error is not None and error.startswith("catalog http://bad/catalog: ")
    assert why in error
    assert served(union) == {"a"}
    assert problems(union) == [f"node 'bad': {error}; its datasets are missing"]
    assert union.health()["status"] == "degraded"
    assert not any("evil.example" in url for url in nodes.asked)


async def test_a_node_down_or_slow_is_named() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return ttl(catalog_ttl("slow", "s"))

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == "slow":
            return await slow(request)
        return {"down": down, "good": GOOD["good"]}[request.url.host](request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    union = CatalogUnion(
        [
            ("good", "http://good/catalog"),
            ("down", "http://down/catalog"),
            ("slow", "http://slow/catalog"),
        ],
        http=http,
        timeout=0.2,
    )
    await union.refresh()
    assert states(union) == {
        "good": ("ok", None),
        "down": ("failed", "catalog http://down/catalog: connection failed (ConnectError)"),
        "slow": ("failed", "catalog http://slow/catalog: no answer within 0.2 s"),
    }
    assert served(union) == {"a"}


async def test_a_node_failing_after_a_good_catalog_keeps_serving_it() -> None:
    answers = {"flaky": ttl(catalog_ttl("flaky", "f1", "f2"))}
    union = await union_over(Nodes(**GOOD, flaky=lambda r: answers["flaky"]))
    assert served(union) == {"a", "f1", "f2"}
    answers["flaky"] = httpx.Response(503, text="maintenance")
    await union.refresh()
    assert served(union) == {"a", "f1", "f2"}
    assert states(union)["flaky"] == ("stale", "catalog http://flaky/catalog: HTTP 503")
    fetched = union.health()["nodes"][1]["fetchedAt"]
    assert problems(union) == [
        f"node 'flaky': catalog http://flaky/catalog: HTTP 503; serving its catalog of {fetched}"
    ]
    answers["flaky"] = ttl(catalog_ttl("flaky", "f1"))  # back, with one dataset less
    await union.refresh()
    assert served(union) == {"a", "f1"}
    assert problems(union) == []


async def test_two_nodes_publishing_one_dataset_iri_serve_neither_and_say_so() -> None:
    union = await union_over(
        Nodes(
            one=lambda r: ttl(catalog_ttl("one", "shared", "mine")),
            two=lambda r: ttl(catalog_ttl("two", "shared", "yours")),
        )
    )
    assert served(union) == {"mine", "yours"}
    assert problems(union) == [
        "dataset <https://ex.org/ds/shared> is published by one and two: neither is served"
    ]
    assert union.health()["status"] == "degraded"
    assert union.health()["problems"] == problems(union)


async def test_a_node_cannot_speak_for_another_nodes_dataset() -> None:
    # "evil" lists its own dataset but also gives cda's dataset a laxer policy and title
    extra = """
<https://ex.org/ds/registre> dct:title "hijacked" ; odrl:hasPolicy <https://ex.org/policy/evil> .
<https://ex.org/ds/e> dct:relation <https://ex.org/ds/registre> .
"""
    union = await union_over(
        Nodes(
            cda=lambda r: ttl(catalog_ttl("cda", "registre")),
            evil=lambda r: ttl(catalog_ttl("evil", "e", extra=extra)),
        )
    )
    graph = union.union(CatalogSearch(), iri=str(ROOT))
    registre = URIRef("https://ex.org/ds/registre")
    assert set(graph.objects(registre, DCT.title)) == {Literal("registre de cda")}
    assert set(graph.objects(registre, ODRL.hasPolicy)) == {
        URIRef("https://ex.org/policy/cda/registre")
    }
    # evil's own dataset keeps its link, as a link
    assert (URIRef("https://ex.org/ds/e"), DCT.relation, registre) in graph


async def test_a_catalog_in_json_ld_with_the_nodes_prefixes_is_read() -> None:
    doc = {
        "@context": {"dcat": str(DCAT), "dct": str(DCT)},
        "@id": "http://j/catalog",
        "@type": "dcat:Catalog",
        "dcat:dataset": [{"@id": "https://ex.org/ds/j", "@type": "dcat:Dataset", "dct:title": "J"}],
    }
    union = await union_over(
        Nodes(
            j=lambda r: httpx.Response(
                200, json=doc, headers={"content-type": "application/ld+json"}
            )
        )
    )
    assert served(union) == {"j"}
    graph = union.union(CatalogSearch(words=("j",)), iri=str(ROOT))
    # both serialisations of the union read back as the same graph
    again = Graph().parse(data=to_turtle(graph), format="turtle")
    assert len(again) == len(graph)
    assert to_jsonld(graph)["@graph"]


async def test_a_subgraph_without_a_catalog_is_off_not_failing() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(GOOD["good"]))
    union = CatalogUnion([("good", "http://good/catalog"), ("apollo", None)], http=http)
    await union.refresh()
    assert states(union) == {"good": ("ok", None), "apollo": ("off", None)}
    assert union.health()["status"] == "ok"


async def test_the_supergraph_config_moves_or_turns_off_a_catalog(tmp_path: Path) -> None:
    config = tmp_path / "supergraph.toml"
    config.write_text(
        '[subgraphs.good]\nrouting_url = "http://good/graphql"\n'
        'catalog_url = "http://good/elsewhere/catalog.ttl"\n'
        '[subgraphs.apollo]\nrouting_url = "http://apollo/graphql"\ncatalog_url = false\n'
        '[subgraphs.plain]\nrouting_url = "http://plain:8101/graphql"\n',
        encoding="utf-8",
    )
    nodes = Nodes(**GOOD, plain=lambda r: httpx.Response(500))
    async with httpx.AsyncClient(transport=httpx.MockTransport(nodes)) as http:
        app = create_gateway_app(supergraph=config, http_client=http)
        await app.state.gateway.catalog.refresh()
        report = app.state.gateway.health()["catalog"]
    assert [(n["name"], n["url"], n["state"]) for n in report["nodes"]] == [
        ("good", "http://good/elsewhere/catalog.ttl", "ok"),
        ("apollo", None, "off"),
        ("plain", "http://plain:8101/catalog", "failed"),
    ]
    assert nodes.asked == ["http://good/elsewhere/catalog.ttl", "http://plain:8101/catalog"]


def test_a_bad_catalog_url_in_the_supergraph_config_is_named(tmp_path: Path) -> None:
    config = tmp_path / "supergraph.toml"
    config.write_text(
        '[subgraphs.a]\nrouting_url = "http://a/graphql"\ncatalog_url = "ftp://a/catalog"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        create_gateway_app(supergraph=config)
    assert (
        "subgraphs.a.catalog_url: expected an http(s) URL or false, got 'ftp://a/catalog'"
        in str(err.value)
    )

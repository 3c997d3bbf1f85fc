"""The JSON-LD context agrees with the model, round-trips, and is served offline."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pyld import jsonld
from pyld.jsonld import JsonLdError
from rdflib import Graph
from rdflib.compare import isomorphic

from connector.model import ENTITIES, PREFIXES, expand
from ontology import CONTEXT_IRI, ODRL_CONTEXT_IRI, ONTOLOGY_DIR, context, document_loader

OPTIONS = {"documentLoader": document_loader}


def _triples(doc: Any) -> Graph:
    """The RDF of a JSON-LD document, converted by pyld with our loader."""
    nquads = jsonld.to_rdf(doc, {**OPTIONS, "format": "application/n-quads"})
    return Graph().parse(data=nquads, format="nt")  # no named graphs: N-Quads is N-Triples


def _expand(curie: str, prefixes: dict[str, str]) -> str:
    prefix, _, local = curie.partition(":")
    return prefixes[prefix] + local if prefix in prefixes else curie


def test_context_declares_the_model_prefixes() -> None:
    ctx = context()["@context"]
    assert ctx["@version"] == 1.1
    for prefix, namespace in PREFIXES.items():
        assert ctx[prefix] == namespace


def test_context_has_no_vocab_and_does_not_alias_id() -> None:
    ctx = context()["@context"]
    assert "@vocab" not in ctx
    assert "id" not in ctx
    for name in ENTITIES:
        assert ctx[name]["@context"].get("id", {}).get("@id") != "@id"


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_type_scoped_context_maps_each_field_to_the_model_iri(name: str) -> None:
    entity = ENTITIES[name]
    term = context()["@context"][name]
    assert _expand(term["@id"], PREFIXES) == expand(entity.iri)
    scoped: dict[str, Any] = term["@context"]
    assert set(scoped) == set(entity.field_names) | {r.name for r in entity.relations}
    for field in entity.fields:
        definition = scoped[field.name]
        assert _expand(definition["@id"], PREFIXES) == expand(field.iri), field.name
        if field.ref:
            assert definition["@type"] == "@id", field.name
        if field.type == "DateTime":
            assert definition["@type"] == "xsd:dateTime", field.name
    for relation in entity.relations:
        assert scoped[relation.name] == {"@id": relation.iri, "@type": "@id", "@container": "@set"}


def test_same_field_name_maps_to_different_iris_by_type() -> None:
    ctx = context()["@context"]
    assert ctx["Building"]["@context"]["rnbId"]["@id"] == "gui:rnbId"
    assert ctx["Space"]["@context"]["rnbId"]["@id"] == "gui:inBuilding"
    assert ctx["Sensor"]["@context"]["unit"]["@id"] == "qudt:unit"
    assert ctx["MaterialLine"]["@context"]["unit"]["@id"] == "gui:quantityUnit"


def test_context_returns_a_fresh_copy() -> None:
    first = context()
    first["@context"].clear()
    assert "Building" in context()["@context"]


# ---- document loader -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [CONTEXT_IRI, "https://w3id.org/guichet/context", "http://w3id.org/guichet/context.jsonld"],
)
def test_loader_serves_our_context(url: str) -> None:
    remote = document_loader(url)
    on_disk = json.loads((ONTOLOGY_DIR / "context.jsonld").read_text(encoding="utf-8"))
    assert remote["document"] == on_disk
    assert remote["documentUrl"] == CONTEXT_IRI
    assert remote["contentType"] == "application/ld+json"


def test_loader_serves_the_odrl_context() -> None:
    remote = document_loader("http://www.w3.org/ns/odrl.jsonld")
    assert remote["documentUrl"] == ODRL_CONTEXT_IRI
    assert remote["document"]["@context"]["Policy"] == "odrl:Policy"


@pytest.mark.parametrize(
    "url", ["http://example.org/x", "https://schema.org/", "file:///etc/passwd"]
)
def test_loader_refuses_any_other_url_naming_it(url: str) -> None:
    with pytest.raises(JsonLdError) as info:
        document_loader(url, {})
    assert url in str(info.value)
    assert "never fetches" in str(info.value)
    assert info.value.code == "loading document failed"


def test_expanding_a_document_with_an_unknown_remote_context_fails_without_fetching() -> None:
    doc = {"@context": "http://example.org/x", "@id": "http://example.org/a", "name": "a"}
    with pytest.raises(JsonLdError) as info:
        jsonld.expand(doc, OPTIONS)
    # pyld wraps the loader's error; the cause is our refusal, so nothing was fetched
    cause = info.value.__cause__
    while cause is not None and "never fetches" not in str(cause):
        cause = cause.__cause__
    assert cause is not None
    assert "http://example.org/x" in str(cause)


def test_odrl_policy_expands_with_the_bundled_odrl_context() -> None:
    # ODRL Information Model 2.2, Example 1 (a Set policy permitting use of an asset)
    policy = {
        "@context": "http://www.w3.org/ns/odrl.jsonld",
        "@type": "Set",
        "uid": "http://example.com/policy:1010",
        "permission": [{"target": "http://example.com/asset:9898.movie", "action": "use"}],
    }
    expected = """
        @prefix odrl: <http://www.w3.org/ns/odrl/2/> .
        <http://example.com/policy:1010> a odrl:Set ;
            odrl:permission [
                odrl:target <http://example.com/asset:9898.movie> ;
                odrl:action odrl:use
            ] .
    """
    assert isomorphic(_triples(policy), Graph().parse(data=expected, format="turtle"))


# ---- a Building document round-trips ---------------------------------------------------

BUILDING = "https://agglo.example/building/2X4KHP5C7G1N"
ROOM = "https://agglo.example/space/2X4KHP5C7G1N/R1/101"

SAMPLE: dict[str, Any] = {
    "@context": CONTEXT_IRI,
    "@id": BUILDING,
    "@type": "Building",
    "rnbId": "2X4KHP5C7G1N",
    "name": "École Jean Macé",
    "inseeCode": "17300",
    "yearBuilt": 1932,
    "floorArea": 1250.5,
    "location": "POINT(-1.1517 46.1591)",
    "spaces": [
        {
            "@id": ROOM,
            "@type": "Space",
            "id": "2X4KHP5C7G1N/R1/101",
            "rnbId": BUILDING,
            "name": "Salle 101",
            "area": 54.5,
            "capacity": 30,
        }
    ],
}

# Written by hand from the ontology terms. JSON numbers become xsd:integer / xsd:double in
# canonical form (JSON-LD 1.1 API, "Object to RDF Conversion"): 1250.5 -> "1.2505E3".
EXPECTED_TRIPLES = """
@prefix gui: <https://w3id.org/guichet/ontology#> .
@prefix bot: <https://w3id.org/bot#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://agglo.example/building/2X4KHP5C7G1N> a bot:Building ;
    gui:rnbId "2X4KHP5C7G1N" ;
    rdfs:label "École Jean Macé" ;
    gui:inseeCode "17300" ;
    gui:yearBuilt "1932"^^xsd:integer ;
    gui:floorArea "1.2505E3"^^xsd:double ;
    geo:asWKT "POINT(-1.1517 46.1591)"^^geo:wktLiteral ;
    bot:hasSpace <https://agglo.example/space/2X4KHP5C7G1N/R1/101> .

<https://agglo.example/space/2X4KHP5C7G1N/R1/101> a bot:Space ;
    gui:spaceId "2X4KHP5C7G1N/R1/101" ;
    gui:inBuilding <https://agglo.example/building/2X4KHP5C7G1N> ;
    rdfs:label "Salle 101" ;
    gui:floorArea "5.45E1"^^xsd:double ;
    gui:capacity "30"^^xsd:integer .
"""


def test_sample_building_converts_to_the_expected_triples() -> None:
    expected = Graph().parse(data=EXPECTED_TRIPLES, format="turtle")
    assert set(_triples(SAMPLE)) == set(expected)


def test_sample_building_expands_then_compacts_back_to_itself() -> None:
    expanded = jsonld.expand(SAMPLE, OPTIONS)
    assert expanded[0]["https://w3id.org/bot#hasSpace"][0][
        "https://w3id.org/guichet/ontology#inBuilding"
    ] == [{"@id": BUILDING}]
    assert jsonld.compact(expanded, CONTEXT_IRI, OPTIONS) == SAMPLE


def test_rdf_to_json_ld_and_back_keeps_the_triples() -> None:
    nquads = jsonld.to_rdf(SAMPLE, {**OPTIONS, "format": "application/n-quads"})
    from_rdf = jsonld.from_rdf(nquads, {"format": "application/n-quads"})
    compacted = jsonld.compact(from_rdf, CONTEXT_IRI, OPTIONS)
    nodes = {node["@id"]: node for node in compacted["@graph"]}
    assert nodes[BUILDING]["@type"] == "Building"
    assert nodes[ROOM]["@type"] == "Space"
    assert nodes[ROOM]["rnbId"] == BUILDING  # the Space-scoped term, not gui:rnbId
    assert isomorphic(_triples(compacted), Graph().parse(data=EXPECTED_TRIPLES, format="turtle"))

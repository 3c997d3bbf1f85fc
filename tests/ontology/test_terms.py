"""Every IRI Guichet uses is defined in ontology/, and our own terms are documented."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef

from connector.model import ENTITIES, GUICHET, PREFIXES, XSD_TYPES, expand
from ontology import ONTOLOGY_DIR, defined_terms, load_graph, shapes_graph

GUI = GUICHET
BOT = "https://w3id.org/bot#"
SOSA = "http://www.w3.org/ns/sosa/"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
QUDT_KIND = "http://qudt.org/vocab/quantitykind/"
QUDT_UNIT = "http://qudt.org/vocab/unit/"


def model_iris() -> Iterator[str]:
    for entity in ENTITIES.values():
        yield entity.iri
        for field in entity.fields:
            yield field.iri
            if field.unit:
                yield field.unit
        for relation in entity.relations:
            yield relation.iri


@pytest.mark.parametrize("curie", sorted(set(model_iris())))
def test_every_model_iri_is_defined(curie: str) -> None:
    assert expand(curie) in defined_terms()


def test_every_unit_of_the_converter_is_defined() -> None:
    with (ONTOLOGY_DIR / "units.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert rows
    for row in rows:
        assert expand(row["unit"]) in defined_terms(), row["unit"]
        assert QUDT_KIND + row["quantity_kind"] in defined_terms(), row["quantity_kind"]


def _iris(graph: Graph) -> set[str]:
    return {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}


def _context_iris(node: Any, prefixes: dict[str, str]) -> Iterator[str]:
    """Expanded IRIs the context maps its terms to, and the datatypes it coerces to."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in prefixes or key.startswith("@"):
            continue
        if isinstance(value, str):
            yield _expand(value, prefixes)
            continue
        yield _expand(value["@id"], prefixes)
        coerced = value.get("@type")
        if coerced and not coerced.startswith("@"):
            yield _expand(coerced, prefixes)
        yield from _context_iris(value.get("@context"), prefixes)


def _expand(curie: str, prefixes: dict[str, str]) -> str:
    prefix, _, local = curie.partition(":")
    return prefixes[prefix] + local if prefix in prefixes else curie


def _context() -> dict[str, Any]:
    ctx = json.loads((ONTOLOGY_DIR / "context.jsonld").read_text("utf-8"))["@context"]
    assert isinstance(ctx, dict)
    return ctx


def test_no_dangling_gui_term_in_ontology_shapes_or_context() -> None:
    ctx = _context()
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    used = (
        _iris(Graph().parse(ONTOLOGY_DIR / "guichet.ttl"))
        | _iris(shapes_graph())
        | set(_context_iris(ctx, prefixes))
    )
    gui_terms = {iri for iri in used if iri.startswith(GUI)}
    assert len(gui_terms) > 50
    assert gui_terms - defined_terms() == set()


def test_every_context_term_and_type_is_defined() -> None:
    ctx = _context()
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    used = set(_context_iris(ctx, prefixes))
    assert "http://www.opengis.net/ont/geosparql#wktLiteral" in used
    assert used - defined_terms() == set()


def test_every_shape_path_and_target_is_defined() -> None:
    shapes = shapes_graph()
    sh = "http://www.w3.org/ns/shacl#"
    used = {str(o) for p in ("path", "targetClass") for o in shapes.objects(None, URIRef(sh + p))}
    assert used - defined_terms() == set()


def _own_terms() -> set[URIRef]:
    graph = Graph().parse(ONTOLOGY_DIR / "guichet.ttl")
    return {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(GUI)}


def test_own_terms_are_labelled_in_english_and_french_and_defined_by_us() -> None:
    graph = load_graph(standards=False)
    ontology = URIRef("https://w3id.org/guichet/ontology")
    for term in _own_terms():
        languages = {
            lit.language for lit in graph.objects(term, RDFS.label) if isinstance(lit, Literal)
        }
        assert {"en", "fr"} <= languages, term
        assert (term, RDFS.isDefinedBy, ontology) in graph, term


def test_own_classes_and_properties_have_comments_in_both_languages() -> None:
    graph = load_graph(standards=False)
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    declared = {s for k in kinds for s in graph.subjects(RDF.type, k) if str(s).startswith(GUI)}
    assert len(declared) > 60
    for term in declared:
        languages = {
            lit.language for lit in graph.objects(term, RDFS.comment) if isinstance(lit, Literal)
        }
        assert {"en", "fr"} <= languages, term


@pytest.mark.parametrize(
    ("subject", "predicate", "obj"),
    [
        (GUI + "MaterialLine", RDFS.subClassOf, PROV + "Entity"),
        (GUI + "CarbonAssessment", RDFS.subClassOf, PROV + "Entity"),
        (GUI + "IndoorAirReport", RDFS.subClassOf, PROV + "Entity"),
        (GUI + "ProductDeclaration", RDFS.subClassOf, PROV + "Entity"),
        (GUI + "Re2020Lot", RDFS.subClassOf, str(SKOS.Concept)),
        (GUI + "rnbId", RDFS.subPropertyOf, DCTERMS + "identifier"),
        (GUI + "rnbId", RDFS.domain, BOT + "Building"),
        (GUI + "hostsSensor", RDFS.subPropertyOf, BOT + "containsElement"),
        (GUI + "hasObservation", RDFS.subPropertyOf, SOSA + "isFeatureOfInterestOf"),
        (GUI + "floorArea", GUI + "quantityKind", QUDT_KIND + "Area"),
        (GUI + "floorArea", GUI + "canonicalUnit", QUDT_UNIT + "M2"),
        (GUI + "finalEnergy", GUI + "canonicalUnit", QUDT_UNIT + "KiloW-HR"),
        (GUI + "gwpA4", GUI + "lifeCycleModule", GUI + "moduleA4"),
        (GUI + "hasMaterialLine", OWL.inverseOf, GUI + "forBuilding"),
    ],
)
def test_alignment_to_the_standards(subject: str, predicate: str, obj: str) -> None:
    assert (URIRef(subject), URIRef(predicate), URIRef(obj)) in load_graph(standards=False)


@pytest.mark.parametrize(
    ("prop", "inverse_of"),
    [("inBuilding", BOT + "hasSpace"), ("locatedIn", BOT + "containsElement")],
)
def test_link_refines_the_inverse_of_a_bot_property(prop: str, inverse_of: str) -> None:
    graph = load_graph(standards=False)
    supers = list(graph.objects(URIRef(GUI + prop), RDFS.subPropertyOf))
    assert any((s, OWL.inverseOf, URIRef(inverse_of)) in graph for s in supers)


def test_re2020_lots_are_the_13_numbered_concepts() -> None:
    graph = load_graph(standards=False)
    scheme = URIRef(GUI + "re2020Lots")
    lots = set(graph.subjects(SKOS.inScheme, scheme))
    notations = {graph.value(lot, SKOS.notation) for lot in lots}
    assert notations == {Literal(n) for n in range(1, 14)}
    assert set(graph.objects(scheme, SKOS.hasTopConcept)) == lots
    lot8 = URIRef(GUI + "lot8")
    assert str(graph.value(lot8, SKOS.prefLabel)).startswith(("CVC", "HVAC"))


def test_life_cycle_modules_of_en_15804() -> None:
    graph = load_graph(standards=False)
    scheme = URIRef(GUI + "lifeCycleModules")
    notations = {str(graph.value(m, SKOS.notation)) for m in graph.subjects(SKOS.inScheme, scheme)}
    assert notations == {"A1-A3", "A4", "A5", "B", "C", "D"}


def test_standards_are_in_the_full_graph_only() -> None:
    sensor = (URIRef(SOSA + "Sensor"), RDF.type, OWL.Class)
    assert sensor in load_graph()
    assert sensor not in load_graph(standards=False)


def test_load_graph_returns_an_independent_copy() -> None:
    first = load_graph(standards=False)
    first.remove((None, None, None))
    assert len(first) == 0
    assert len(load_graph(standards=False)) > 500


def test_every_xsd_type_of_the_model_is_defined() -> None:
    for curie in set(XSD_TYPES.values()):
        assert expand(curie) in defined_terms(), curie


def test_prefixes_of_the_model_are_not_undefined_namespaces() -> None:
    # each namespace the model writes IRIs in has at least one defined term
    used = {iri.partition(":")[0] for iri in model_iris()}
    for prefix in used:
        assert any(t.startswith(PREFIXES[prefix]) for t in defined_terms()), prefix


@pytest.mark.parametrize(
    "iri",
    [
        BOT + "Building",
        SOSA + "Sensor",
        "http://www.w3.org/ns/ssn/System",
        "http://www.w3.org/ns/dcat#Dataset",
        "http://www.w3.org/ns/odrl/2/Policy",
        PROV + "Entity",
    ],
)
def test_each_bundled_standard_is_loaded(iri: str) -> None:
    assert iri in defined_terms()

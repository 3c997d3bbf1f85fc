"""SHACL shapes: they follow the model, accept good data and name what is wrong in bad data."""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from connector.model import ENTITIES, XSD_TYPES, expand
from ontology import CONTEXT_IRI, shapes_graph
from tests.ontology.test_context import ROOM, SAMPLE, _triples

SH = Namespace("http://www.w3.org/ns/shacl#")
GUI = Namespace("https://w3id.org/guichet/ontology#")
SOSA = Namespace("http://www.w3.org/ns/sosa/")
EX = Namespace("https://agglo.example/")

VALID = """
@prefix gui: <https://w3id.org/guichet/ontology#> .
@prefix bot: <https://w3id.org/bot#> .
@prefix sosa: <http://www.w3.org/ns/sosa/> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://agglo.example/> .

ex:b1 a bot:Building ;
    gui:rnbId "2X4KHP5C7G1N" ;
    rdfs:label "École Jean Macé" ;
    gui:inseeCode "17300" ;
    gui:uai "0170001A" ;
    gui:yearBuilt 1932 ;
    gui:floorArea 1250.5 ;
    geo:asWKT "POINT(-1.1517 46.1591)"^^geo:wktLiteral ;
    bot:hasSpace ex:s1 ;
    gui:hasMaterialLine ex:ml1 .

ex:s1 a bot:Space ;
    gui:spaceId "2X4KHP5C7G1N/R1/101" ;
    gui:inBuilding ex:b1 ;
    gui:capacity 30 ;
    gui:floorArea "54.5"^^xsd:double ;
    gui:hostsSensor ex:c1 .

ex:c1 a sosa:Sensor ;
    gui:sensorId "c1" ;
    gui:locatedIn ex:s1 ;
    sosa:observes "co2" ;
    qudt:unit unit:PPM .

ex:o1 a sosa:Observation ;
    gui:observationId "o1" ;
    sosa:madeBySensor ex:c1 ;
    sosa:hasFeatureOfInterest ex:s1 ;
    sosa:observedProperty "co2" ;
    sosa:resultTime "2024-01-15T08:00:00Z"^^xsd:dateTime ;
    qudt:numericValue 812.0 ;
    qudt:unit "unit:PPM" .

ex:p1 a gui:ProductDeclaration ;
    gui:declarationId "12345" ;
    gui:referenceServiceLife 50 ;
    gui:gwpA1A3 "215.3"^^xsd:decimal .

ex:ml1 a gui:MaterialLine ;
    gui:materialLineId "ml1" ;
    gui:forBuilding ex:b1 ;
    gui:re2020Lot 3 ;
    gui:product ex:p1 ;
    gui:quantity 120 ;
    gui:quantityUnit "m3" .
"""


def _graph() -> Graph:
    return Graph().parse(data=VALID, format="turtle")


def _violations(data: Graph) -> set[tuple[Node, Node, Node]]:
    conforms, report, _ = validate(data, shacl_graph=shapes_graph())
    found = {
        (
            report.value(r, SH.focusNode),
            report.value(r, SH.resultPath),
            report.value(r, SH.sourceConstraintComponent),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }
    assert conforms == (not found)
    return {(f, p, c) for f, p, c in found if f is not None and p is not None and c is not None}


def test_valid_graph_conforms() -> None:
    assert _violations(_graph()) == set()


def _replace(graph: Graph, subject: URIRef, path: URIRef, value: Node | None) -> Graph:
    graph.remove((subject, path, None))
    if value is not None:
        graph.add((subject, path, value))
    return graph


ORDER = (SH.MinInclusiveConstraintComponent, SH.MaxInclusiveConstraintComponent)


@pytest.mark.parametrize(
    ("focus", "path", "value", "components"),
    [
        # RNB ids never contain the letter O (alphabet 1-9, A-Z without I, L, O, U)
        (EX.b1, GUI.rnbId, Literal("2X4KHP5C7G1O"), {SH.PatternConstraintComponent}),
        (EX.b1, GUI.rnbId, Literal("2X4K-HP5C-7G1N"), {SH.PatternConstraintComponent}),
        (EX.b1, GUI.rnbId, None, {SH.MinCountConstraintComponent}),
        (EX.o1, SOSA.resultTime, None, {SH.MinCountConstraintComponent}),
        (EX.o1, SOSA.resultTime, Literal("yesterday"), {SH.DatatypeConstraintComponent}),
        (EX.s1, GUI.inBuilding, Literal("2X4KHP5C7G1N"), {SH.NodeKindConstraintComponent}),
        (EX.ml1, GUI.re2020Lot, Literal(14), {SH.MaxInclusiveConstraintComponent}),
        (EX.ml1, GUI.re2020Lot, Literal(0), {SH.MinInclusiveConstraintComponent}),
        # a string is not an integer, and cannot be compared with the bounds either
        (EX.ml1, GUI.re2020Lot, Literal("3"), {SH.DatatypeConstraintComponent, *ORDER}),
        (EX.p1, GUI.referenceServiceLife, Literal(0), {SH.MinExclusiveConstraintComponent}),
        (EX.b1, GUI.floorArea, Literal(-3.0), {SH.MinExclusiveConstraintComponent}),
        (
            EX.b1,
            GUI.floorArea,
            Literal("big"),
            {SH.OrConstraintComponent, SH.MinExclusiveConstraintComponent},
        ),
        (EX.b1, GUI.inseeCode, Literal("173"), {SH.PatternConstraintComponent}),
    ],
)
def test_bad_value_is_reported_on_its_node_and_path(
    focus: URIRef, path: URIRef, value: Node | None, components: set[URIRef]
) -> None:
    data = _replace(_graph(), focus, path, value)
    assert _violations(data) == {(focus, path, c) for c in components}


def test_two_values_for_a_single_valued_field_are_reported() -> None:
    data = _graph()
    data.add((EX.ml1, GUI.re2020Lot, Literal(4)))
    assert _violations(data) == {(EX.ml1, GUI.re2020Lot, SH.MaxCountConstraintComponent)}


@pytest.mark.parametrize(("icone", "ok"), [(0, True), (5, True), (6, False), (-1, False)])
def test_icone_index_is_0_to_5(icone: int, ok: bool) -> None:
    data = _graph()
    report = EX.r1
    data.add((report, RDF.type, GUI.IndoorAirReport))
    data.add((report, GUI.reportedSpace, EX.s1))
    data.add((report, GUI.iconeIndex, Literal(icone)))
    assert (_violations(data) == set()) is ok


# ---- the shapes follow the model ------------------------------------------------------


def _property_shapes(entity_iri: str) -> dict[str, Node]:
    shapes = shapes_graph()
    (node_shape,) = shapes.subjects(SH.targetClass, URIRef(entity_iri))
    return {str(shapes.value(p, SH.path)): p for p in shapes.objects(node_shape, SH.property)}


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_one_node_shape_per_entity_with_a_property_shape_per_field(name: str) -> None:
    entity = ENTITIES[name]
    shapes = shapes_graph()
    by_path = _property_shapes(expand(entity.iri))
    expected_paths = {expand(f.iri) for f in entity.fields} | {
        expand(r.iri) for r in entity.relations
    }
    assert set(by_path) == expected_paths
    for field in entity.fields:
        shape = by_path[expand(field.iri)]
        assert str(shapes.value(shape, SH.name)) == field.name
        min_count = shapes.value(shape, SH.minCount)
        assert (min_count == Literal(1)) == field.required, field.name
        assert shapes.value(shape, SH.maxCount) == Literal(1), field.name
        datatype = shapes.value(shape, SH.datatype)
        if field.ref:
            assert shapes.value(shape, SH.nodeKind) == SH.IRI, field.name
        elif field.type in ("ID", "String", "RnbId", "Int", "DateTime", "Boolean") and (
            field.iri not in ("qudt:unit", "geo:asWKT")
        ):
            assert datatype == URIRef(expand(XSD_TYPES[field.type])), field.name


def test_json_ld_written_with_our_context_conforms() -> None:
    observation = {
        "@context": CONTEXT_IRI,
        "@id": "https://atmo.example/observation/o1",
        "@type": "Observation",
        "id": "o1",
        "sensorId": "https://atmo.example/sensor/c1",
        "spaceId": ROOM,
        "observedProperty": "co2",
        "resultTime": "2024-01-15T08:00:00Z",
        "value": 812,
        "unit": "unit:PPM",
    }
    data = _triples(SAMPLE) + _triples(observation)
    assert _violations(data) == set()


def test_json_ld_missing_a_required_field_is_reported() -> None:
    space = {k: v for k, v in SAMPLE["spaces"][0].items() if k != "id"}
    data = _triples({**space, "@context": CONTEXT_IRI})
    assert _violations(data) == {(URIRef(ROOM), GUI.spaceId, SH.MinCountConstraintComponent)}

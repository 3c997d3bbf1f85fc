"""CSV and JSON-LD (PROV-O) exports of hand-built entries, against output written by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import rdflib
from pyld import jsonld
from rdflib import DCTERMS, RDF, BNode, Literal, URIRef

from connector.audit import StoredEntry, export_csv, export_jsonld

GUI = rdflib.Namespace("https://w3id.org/guichet/ontology#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
BASE = "https://atmo.example/"  # the trailing slash is dropped
UNIV = "https://guichet.example/participants/univ"
RULE = "https://guichet.example/policies/atmo#hourly"
DPV_RESEARCH = "https://w3id.org/dpv#AcademicResearch"
# the IRI the node's /catalog publishes for each dataset id; "metres" has none here (a
# dataset since removed from the configuration, say)
DATASETS = {"mesures-salles": "https://guichet.example/datasets/atmo/mesures-salles"}
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
ODRL_ATTRIBUTE = "http://www.w3.org/ns/odrl/2/attribute"

ENTRIES = [
    StoredEntry(
        seq=1,
        time=datetime(2026, 11, 26, 9, 30, 0, 250000, tzinfo=UTC),
        node="atmo",
        party=UNIV,
        client_id="univ-app",
        purpose=DPV_RESEARCH,
        operation_hash="1" * 64,
        operation_name="Hourly",
        datasets=("mesures-salles", "https://guichet.example/datasets/capteurs"),
        decision="permit",
        rule=RULE,
        reason='agrégats "horaires", min. 5',
        duties=("aggregate", ODRL_ATTRIBUTE),
        rows_returned=24,
        details={"minGroup": 5},
        prev_hash="0" * 64,
        hash="a" * 64,
    ),
    StoredEntry(
        seq=2,
        time=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        node="atmo",
        party="https://guichet.example/participants/public",
        client_id=None,
        purpose=None,
        operation_hash="2" * 64,
        operation_name=None,
        datasets=("metres",),
        decision="deny",
        rule=None,
        reason="no permission\nfor the public",
        duties=(),
        rows_returned=None,
        details={},
        prev_hash="a" * 64,
        hash="b" * 64,
    ),
]


def test_csv() -> None:
    expected = (
        "seq,time,node,party,client_id,purpose,operation_hash,operation_name,datasets,"
        "decision,rule,reason,duties,rows_returned,details,prev_hash,hash\r\n"
        "1,2026-11-26T09:30:00.250000Z,atmo,https://guichet.example/participants/univ,"
        "univ-app,https://w3id.org/dpv#AcademicResearch," + "1" * 64 + ",Hourly,"
        "mesures-salles https://guichet.example/datasets/capteurs,permit,"
        "https://guichet.example/policies/atmo#hourly,"
        '"agrégats ""horaires"", min. 5",'
        "aggregate http://www.w3.org/ns/odrl/2/attribute,24,"
        '"{""minGroup"":5}",' + "0" * 64 + "," + "a" * 64 + "\r\n"
        "2,2026-11-26T10:00:00.000000Z,atmo,https://guichet.example/participants/public,,,"
        + "2"
        * 64
        + ",,metres,deny,,"
        '"no permission\nfor the public",,,{},' + "a" * 64 + "," + "b" * 64 + "\r\n"
    )
    assert export_csv(ENTRIES) == expected


def test_csv_of_nothing_is_the_header() -> None:
    assert export_csv([]).count("\r\n") == 1


def test_jsonld_triples() -> None:
    document = export_jsonld(ENTRIES, BASE, DATASETS)
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    e1 = URIRef("https://atmo.example/audit/1")
    e2 = URIRef("https://atmo.example/audit/2")
    metres = graph.value(e2, PROV.used)
    assert isinstance(metres, BNode)  # no IRI is made up for a dataset without one
    univ = URIRef(UNIV)
    public = URIRef("https://guichet.example/participants/public")
    when = rdflib.XSD.dateTime
    expected = {
        (e1, RDF.type, PROV.Activity),
        (e1, PROV.startedAtTime, Literal("2026-11-26T09:30:00.250000Z", datatype=when)),
        (e1, PROV.wasAssociatedWith, univ),
        (univ, RDF.type, PROV.Agent),
        (e1, PROV.used, URIRef("https://guichet.example/datasets/atmo/mesures-salles")),
        (e1, PROV.used, URIRef("https://guichet.example/datasets/capteurs")),
        (e1, GUI.sequenceNumber, Literal(1)),
        (e1, GUI.node, Literal("atmo")),
        (e1, GUI.decision, Literal("permit")),
        (e1, GUI.rule, URIRef(RULE)),
        (e1, GUI.reason, Literal('agrégats "horaires", min. 5')),
        (e1, GUI.purpose, URIRef(DPV_RESEARCH)),
        (e1, GUI.clientId, Literal("univ-app")),
        (e1, GUI.operationHash, Literal("1" * 64)),
        (e1, GUI.operationName, Literal("Hourly")),
        (e1, GUI.rowsReturned, Literal(24)),
        (e1, GUI.duty, Literal("aggregate")),
        (e1, GUI.duty, URIRef(ODRL_ATTRIBUTE)),
        (e1, GUI.details, Literal('{"minGroup":5}')),
        (e1, GUI.entryHash, Literal("a" * 64)),
        (e1, GUI.previousHash, Literal("0" * 64)),
        (e2, RDF.type, PROV.Activity),
        (e2, PROV.startedAtTime, Literal("2026-11-26T10:00:00.000000Z", datatype=when)),
        (e2, PROV.wasAssociatedWith, public),
        (public, RDF.type, PROV.Agent),
        (e2, PROV.used, metres),
        (metres, RDF.type, DCAT.Dataset),
        (metres, DCTERMS.identifier, Literal("metres")),
        (e2, GUI.sequenceNumber, Literal(2)),
        (e2, GUI.node, Literal("atmo")),
        (e2, GUI.decision, Literal("deny")),
        (e2, GUI.reason, Literal("no permission\nfor the public")),
        (e2, GUI.operationHash, Literal("2" * 64)),
        (e2, GUI.entryHash, Literal("b" * 64)),
        (e2, GUI.previousHash, Literal("a" * 64)),
    }
    assert set(graph) == expected


def test_jsonld_expands_with_pyld_to_the_same_terms() -> None:
    expanded = jsonld.expand(export_jsonld(ENTRIES, BASE, DATASETS))
    assert expanded[0]["http://www.w3.org/ns/prov#used"] == [
        {"@id": "https://guichet.example/datasets/atmo/mesures-salles"},
        {"@id": "https://guichet.example/datasets/capteurs"},
    ]
    node = expanded[1]
    assert node["@id"] == "https://atmo.example/audit/2"
    assert node["@type"] == ["http://www.w3.org/ns/prov#Activity"]
    assert node["https://w3id.org/guichet/ontology#decision"] == [{"@value": "deny"}]
    assert node["http://www.w3.org/ns/prov#used"] == [
        {
            "@type": ["http://www.w3.org/ns/dcat#Dataset"],
            "http://purl.org/dc/terms/identifier": [{"@value": "metres"}],
        }
    ]

"""The bundled vocabulary files: present, parseable, documented, read from the package."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, URIRef

from ontology import ONTOLOGY_DIR

STANDARDS = ONTOLOGY_DIR / "standards"

# Ontology IRI each bundled file declares (read from the standards' own documentation).
STANDARD_ONTOLOGIES = {
    "bot.ttl": "https://w3id.org/bot#",
    "sosa-2017.ttl": "http://www.w3.org/ns/sosa/",
    "ssn-2017.ttl": "http://www.w3.org/ns/ssn/",
    "dcat3.ttl": "http://www.w3.org/ns/dcat",
    "odrl22.ttl": "http://www.w3.org/ns/odrl/2/",
    "prov-o.ttl": "http://www.w3.org/ns/prov-o#",
}


@pytest.mark.parametrize("name", sorted(STANDARD_ONTOLOGIES))
def test_standard_ontology_parses_and_declares_itself(name: str) -> None:
    graph = Graph().parse(STANDARDS / name, format="turtle")
    assert (URIRef(STANDARD_ONTOLOGIES[name]), RDF.type, OWL.Ontology) in graph


@pytest.mark.parametrize("name", ["guichet.ttl", "external-terms.ttl", "shapes.ttl"])
def test_own_turtle_files_parse(name: str) -> None:
    assert len(Graph().parse(ONTOLOGY_DIR / name, format="turtle")) > 0


def test_guichet_ttl_declares_its_ontology() -> None:
    graph = Graph().parse(ONTOLOGY_DIR / "guichet.ttl", format="turtle")
    assert (URIRef("https://w3id.org/guichet/ontology"), RDF.type, OWL.Ontology) in graph


def test_odrl_context_is_the_official_one() -> None:
    ctx = json.loads((STANDARDS / "odrl.context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert ctx["odrl"] == "http://www.w3.org/ns/odrl/2/"
    assert ctx["uid"] == "@id"
    assert ctx["permission"] == {"@type": "@id", "@id": "odrl:permission"}


def test_sources_lists_every_bundled_file_with_origin_and_licence() -> None:
    text = (STANDARDS / "SOURCES.md").read_text(encoding="utf-8")
    rows = {
        cells[0]: cells[1:]
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("| File")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    bundled = {p.name for p in STANDARDS.iterdir() if p.suffix in (".ttl", ".jsonld")}
    assert set(rows) == bundled
    for name, (origin, licence) in rows.items():
        assert origin and licence, name
    assert rows["bot.ttl"][0].startswith(
        "w3c-lbd-cg/bot @ 43e6432dc4320274e2022b7d94d1cc7ecce8009f"
    )
    assert rows["dcat3.ttl"][1] == "CC BY 4.0 (in file)"


def test_package_code_reads_nothing_outside_the_package() -> None:
    for source in Path(ONTOLOGY_DIR).glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"/work/|shared/data|https?://[^\"']*\.ttl", text), source.name

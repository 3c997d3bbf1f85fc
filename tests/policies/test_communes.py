"""The agglomeration's communes: their one list (``policies/data/communes.csv``) and the
policy's areas built from it."""

from __future__ import annotations

import pytest
from rdflib import RDF, RDFS, SKOS, Literal, URIRef

from policies import PolicyError
from policies.vocab import AREA, DCT, GP, areas_graph, communes, parse_communes

EPCI = URIRef(AREA + "epci-241700434")

# The 28 member communes of the CA de La Rochelle (SIREN 241700434), each code read in the
# "Code commune" of the commune's Wikipedia infobox (pages cited row by row in
# policies/data/communes.csv; 13 of them also in INSEE's 2018 census table), written here
# by hand, not read from that file. Bourgneuf's 17059 is the one code no page confirmed.
COG = {
    "17010": "Angoulins",
    "17028": "Aytré",
    "17059": "Bourgneuf",
    "17094": "Châtelaillon-Plage",
    "17109": "Clavette",
    "17136": "Croix-Chapeau",
    "17142": "Dompierre-sur-Mer",
    "17153": "Esnandes",
    "17190": "L'Houmeau",
    "17193": "La Jarne",
    "17194": "La Jarrie",
    "17200": "Lagord",
    "17222": "Marsilly",
    "17245": "Montroy",
    "17264": "Nieul-sur-Mer",
    "17274": "Périgny",
    "17291": "Puilboreau",
    "17300": "La Rochelle",
    "17315": "Saint-Christophe",
    "17373": "Saint-Médard-d'Aunis",
    "17391": "Saint-Rogatien",
    "17407": "Sainte-Soulle",
    "17413": "Saint-Vivien",
    "17414": "Saint-Xandre",
    "17420": "Salles-sur-Mer",
    "17443": "Thairé",
    "17466": "Vérines",
    "17483": "Yves",
}


def test_the_list_is_the_28_communes_of_the_cog() -> None:
    assert dict(communes()) == COG
    # codes once wrong: Sainte-Radegonde (17389) and Saint-Sulpice-de-Royan (17409) are
    # outside the agglomeration
    assert not {"17389", "17409"} & dict(communes()).keys()


def test_the_policy_areas_are_the_list() -> None:
    graph = areas_graph()
    areas = {
        str(graph.value(area, SKOS.notation)): str(graph.value(area, RDFS.label))
        for area in graph.subjects(RDF.type, URIRef(GP + "Commune"))
    }
    assert areas == COG
    for code in COG:
        area = URIRef(f"{AREA}commune-{code}")
        assert (area, URIRef(DCT + "isPartOf"), EPCI) in graph
        assert (area, SKOS.notation, Literal(code)) in graph
    assert len(set(graph.subjects(URIRef(DCT + "isPartOf"), EPCI))) == 28


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code_insee,nom,source\n17300,La Rochelle\n", "x.csv, line 2: expected 'code_insee"),
        ("17300,,src\n", "x.csv, line 1: expected"),
        ("1730,La Rochelle,src\n", "x.csv, line 1: expected"),
        ("17300,La Rochelle,a\n# note\n17300,La Rochelle,b\n", "x.csv, line 3: commune 17300"),
        ("# only a comment\n", "x.csv: no commune listed"),
    ],
)
def test_a_wrong_list_is_refused_with_its_line(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message.replace("(", r"\(")):
        parse_communes(text, "x.csv")


def test_comments_and_header_are_skipped() -> None:
    text = "# source\ncode_insee,nom,source\n2A004,Ajaccio,page\n17300,La Rochelle,page\n"
    assert parse_communes(text, "x.csv") == (("17300", "La Rochelle"), ("2A004", "Ajaccio"))

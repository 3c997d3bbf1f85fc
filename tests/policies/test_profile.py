"""The city profile's bundled data: DPV purposes, the agglomeration's communes, recipients."""

from __future__ import annotations

import pytest

from policies import Iri, State
from policies.profile import containers, is_a, is_part_of, superclasses
from policies.vocab import AREA, DPV, GP, profile_superclasses, profile_types

EPCI = AREA + "epci-241700434"


def test_the_agglomeration_has_28_communes() -> None:
    # CA de La Rochelle: 28 member communes (see policies/data/SOURCES.md).
    communes = [a for a, kinds in profile_types().items() if GP + "Commune" in kinds]
    assert len(communes) == 28
    assert all(EPCI in containers(c, State()) for c in communes)
    assert AREA + "commune-17300" in communes  # La Rochelle


@pytest.mark.parametrize(
    ("child", "parent"),
    [  # edges read in DPV 2.0 purposes-owl.ttl
        ("AcademicResearch", "ResearchAndDevelopment"),
        ("ScientificResearch", "ResearchAndDevelopment"),
        ("CombatClimateChange", "PublicBenefit"),
        ("ImprovePublicServices", "PublicBenefit"),
        ("TargetedAdvertising", "Marketing"),  # via PersonalisedAdvertising, Advertising
        ("CommercialResearch", "CommercialPurpose"),
    ],
)
def test_dpv_purpose_hierarchy(child: str, parent: str) -> None:
    assert DPV + parent in superclasses(DPV + child, State())
    assert DPV + child not in superclasses(DPV + parent, State())
    assert DPV + "Purpose" in profile_superclasses()[DPV + child]


def test_is_a_and_is_part_of_over_areas_and_state_facts() -> None:
    la_rochelle, epci = Iri(AREA + "commune-17300"), Iri(EPCI)
    assert is_part_of(la_rochelle, epci, State())
    assert not is_part_of(epci, la_rochelle, State())
    assert is_a(la_rochelle, Iri(GP + "Commune"), State())
    assert is_a(la_rochelle, Iri(AREA + "department-17"), State())  # through the EPCI
    party = Iri("http://example.com/univ")
    state = State(
        types=frozenset({(party.value, GP + "University")}),
        subclass_of=frozenset({(GP + "University", "http://example.com/Funded")}),
    )
    assert is_a(party, Iri(GP + "PublicBody"), state)
    assert is_a(party, Iri("http://example.com/Funded"), state)
    assert not is_a(party, Iri(GP + "Company"), state)

"""Requests (FORCE and ODRL forms) and the state of the world read from RDF."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from policies import Iri, Lit, PolicyError, UsageCount
from policies.vocab import DPV, GP, ODRL, REPORT, XSD

from .support import EX, ttl_request, ttl_state


def test_force_evaluation_request() -> None:
    request = ttl_request("""
<urn:r> a sotw:EvaluationRequest ; sotw:requestedAction odrl:read ;
  sotw:requestingParty ex:alice ; sotw:requestedTarget ex:x ;
  sotw:requestParameter [ sotw:value dpv:ScientificResearch ; sotw:describesFeature sotw:Purpose ],
    [ sotw:value "PT1H"^^xsd:duration ; sotw:describesFeature sotw:AggregationLevel ],
    [ sotw:value area:commune-17300 ; sotw:describesFeature odrl:spatial ] .
""")
    assert (request.iri, request.party, request.action, request.target) == (
        "urn:r",
        EX + "alice",
        ODRL + "read",
        EX + "x",
    )
    assert request.parameters == {
        ODRL + "purpose": (Iri(DPV + "ScientificResearch"),),
        GP + "aggregationLevel": (Lit("PT1H", XSD + "duration"),),
        ODRL + "spatial": (Iri("https://w3id.org/guichet/area/commune-17300"),),
    }


def test_odrl_request_form() -> None:
    request = ttl_request("""
ex:req a odrl:Request ; odrl:permission [ odrl:assignee ex:bob ; odrl:action odrl:aggregate ;
  odrl:target ex:x ;
  odrl:constraint [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:eq ;
                    odrl:rightOperand dpv:AcademicResearch ] ] .
""")
    assert (request.party, request.action, request.target) == (
        EX + "bob",
        ODRL + "aggregate",
        EX + "x",
    )
    assert request.parameters == {ODRL + "purpose": (Iri(DPV + "AcademicResearch"),)}


def test_request_without_request_node_is_refused() -> None:
    with pytest.raises(PolicyError, match="no sotw:EvaluationRequest nor odrl:Request"):
        ttl_request("ex:a ex:b ex:c .")


def test_state_of_the_world() -> None:
    state = ttl_state(
        """
<urn:s> a sotw:SotW ; sotw:currentTime ex:now .
ex:now dct:issued "2024-02-12T11:20:10Z"^^xsd:dateTime .
ex:agreement dct:issued "2024-01-01T00:00:00Z"^^xsd:dateTime .
ex:alice odrl:partOf ex:researchers ; a gui:Researcher .
[] a sotw:UsageCount ; sotw:party ex:alice ; sotw:target ex:x ; sotw:count 7 ;
   sotw:period "P1D"^^xsd:duration .
[] a report:DutyReport ; report:rule ex:duty ; report:deonticState report:Violated .
ex:limit rdf:value 10 .
""".replace("rdf:value", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#value>")
    )
    utc = UTC
    assert state.iri == "urn:s"
    assert state.now == datetime(2024, 2, 12, 11, 20, 10, tzinfo=utc)
    assert state.agreement_dates[EX + "agreement"] == datetime(2024, 1, 1, tzinfo=utc)
    assert (EX + "alice", EX + "researchers") in state.part_of
    assert (EX + "alice", GP + "Researcher") in state.types
    assert state.counters == (
        UsageCount(count=7, party=EX + "alice", target=EX + "x", period="P1D"),
    )
    assert state.duty_states == {EX + "duty": REPORT + "Violated"}
    assert state.values[EX + "limit"] == (Lit("10", XSD + "integer"),)


def test_bad_state_values_are_named() -> None:
    with pytest.raises(PolicyError, match="'yesterday' is not an xsd:dateTime"):
        ttl_state('<urn:s> sotw:currentTime "yesterday" .')
    with pytest.raises(PolicyError, match="sotw:UsageCount without a whole sotw:count"):
        ttl_state("[] a sotw:UsageCount ; sotw:count -1 .")

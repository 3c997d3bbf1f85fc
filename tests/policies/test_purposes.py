"""Purpose constraints follow DPV's class hierarchy, on classes and on purpose instances.

Cases in the FORCE test suite's form (SolidLabResearch/ODRL-Test-Suite): policy, request and
state in Turtle. Subclass facts are those of policies/data/dpv-purposes.ttl (DPV 2.0):
  AcademicResearch ⊂ ResearchAndDevelopment                       (line 12)
  CommercialResearch ⊂ CommercialPurpose, ResearchAndDevelopment  (line 17)
  Advertising ⊂ Marketing                                         (line 14)
  TargetedAdvertising ⊂ PersonalisedAdvertising ⊂ Advertising     (lines 98, 67)
  AccountManagement ⊂ Purpose                                     (line 13)
"""

from __future__ import annotations

import pytest

from policies import evaluate

from .support import ttl_policies, ttl_request, ttl_state

EMPTY_STATE = "<urn:uuid:sotw> a sotw:SotW ."


def policy(operator: str, *purposes: str) -> str:
    right = ", ".join(f"dpv:{p}" for p in purposes)
    return f"""
<urn:uuid:p> a odrl:Set ; odrl:permission <urn:uuid:r> .
<urn:uuid:r> a odrl:Permission ; odrl:assignee ex:alice ; odrl:action odrl:read ;
  odrl:target ex:x ; odrl:constraint <urn:uuid:c> .
<urn:uuid:c> a odrl:Constraint ; odrl:leftOperand odrl:purpose ;
  odrl:operator odrl:{operator} ; odrl:rightOperand {right} .
"""


def request(*purposes: str, instance_of: str | None = None) -> str:
    values = ["ex:purpose"] if instance_of else [f"dpv:{p}" for p in purposes]
    params = ", ".join(
        f"[ a sotw:RequestParameter ; sotw:value {v} ; sotw:describesFeature sotw:Purpose ]"
        for v in values
    )
    typed = f"ex:purpose a dpv:{instance_of} ." if instance_of else ""
    return f"""
<urn:uuid:req> a sotw:EvaluationRequest ; sotw:requestedAction odrl:read ;
  sotw:requestingParty ex:alice ; sotw:requestedTarget ex:x ; sotw:requestParameter {params} .
{typed}
"""


CASES = [
    # the suite's 074 (happy) and an unhappy twin: isA on a purpose instance
    (
        "074 instance isA",
        policy("isA", "AccountManagement"),
        request(instance_of="AccountManagement"),
        "permit",
    ),
    (
        "instance of another class",
        policy("isA", "AccountManagement"),
        request(instance_of="Marketing"),
        "deny",
    ),
    (
        "instance isA a superclass",
        policy("isA", "Purpose"),
        request(instance_of="AccountManagement"),
        "permit",
    ),
    # eq: the class itself or an instance of exactly that class, not of a subclass
    (
        "eq on an instance",
        policy("eq", "AccountManagement"),
        request(instance_of="AccountManagement"),
        "permit",
    ),
    ("eq is not isA", policy("eq", "Purpose"), request(instance_of="AccountManagement"), "deny"),
    ("eq on a subclass", policy("eq", "Marketing"), request("Advertising"), "deny"),
    # the suite's 076/077
    (
        "076 noneOf happy",
        policy("isNoneOf", "AccountManagement", "DataQualityManagement"),
        request("Marketing"),
        "permit",
    ),
    (
        "077 noneOf bad",
        policy("isNoneOf", "AccountManagement", "DataQualityManagement"),
        request("AccountManagement"),
        "deny",
    ),
    # the hierarchy: a narrower purpose of a banned one is banned, of an allowed one allowed
    ("noneOf a superclass", policy("isNoneOf", "Marketing"), request("Advertising"), "deny"),
    (
        "noneOf, three levels up",
        policy("isNoneOf", "Marketing"),
        request("TargetedAdvertising"),
        "deny",
    ),
    (
        "noneOf, an instance",
        policy("isNoneOf", "Marketing"),
        request(instance_of="Advertising"),
        "deny",
    ),
    (
        "anyOf a superclass",
        policy("isAnyOf", "ResearchAndDevelopment", "PublicBenefit"),
        request("AcademicResearch"),
        "permit",
    ),
    (
        "anyOf, none above",
        policy("isAnyOf", "ResearchAndDevelopment", "PublicBenefit"),
        request("Advertising"),
        "deny",
    ),
    (
        "allOf both parents",
        policy("isAllOf", "ResearchAndDevelopment", "CommercialPurpose"),
        request("CommercialResearch"),
        "permit",
    ),
    (
        "allOf one parent only",
        policy("isAllOf", "ResearchAndDevelopment", "CommercialPurpose"),
        request("AcademicResearch"),
        "deny",
    ),
]


@pytest.mark.parametrize(
    ("name", "policy_ttl", "request_ttl", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_purpose_case(name: str, policy_ttl: str, request_ttl: str, expected: str) -> None:
    report = evaluate(ttl_policies(policy_ttl), ttl_request(request_ttl), ttl_state(EMPTY_STATE))
    assert report.decision == expected, report.reason


def test_an_instance_typed_in_the_state_of_the_world() -> None:
    untyped = request(instance_of="Advertising").replace("ex:purpose a dpv:Advertising .", "")
    state = EMPTY_STATE + "\nex:purpose a dpv:Advertising ."
    report = evaluate(
        ttl_policies(policy("isNoneOf", "Marketing")), ttl_request(untyped), ttl_state(state)
    )
    assert report.decision == "deny"
    unknown = evaluate(
        ttl_policies(policy("isNoneOf", "Marketing")), ttl_request(untyped), ttl_state(EMPTY_STATE)
    )
    # as for any purpose outside the taxonomy: an instance of no known class is none of them
    assert unknown.decision == "permit"

"""Cases transcribed from the FORCE ODRL evaluator test suite (SolidLabResearch/ODRL-Test-Suite,
data/documentation/testcase-NNN-*.md): policy, request and state of the world in Turtle, and
the activation state the suite's expected compliance report gives (Active ⇒ permit).

Prefixes are shortened, descriptions dropped. Where a case is adapted it says how.
"""

from __future__ import annotations

import pytest

from policies import evaluate
from policies.vocab import REPORT

from .support import ttl_policies, ttl_request, ttl_state

ALICE_READ_X = """
<urn:uuid:req> a sotw:EvaluationRequest ;
  sotw:requestedAction odrl:read ; sotw:requestingParty ex:alice ; sotw:requestedTarget ex:x ;
  sotw:requestParameter [ a sotw:RequestParameter ;
    sotw:value "2024-02-12T11:20:10.999Z"^^xsd:dateTime ;
    sotw:describesFeature sotw:TemporalData ] .
"""
BOB_READ_X = ALICE_READ_X.replace("ex:alice", "ex:bob")
ALICE_SELL_X = ALICE_READ_X.replace("odrl:read", "odrl:sell")
EMPTY_STATE = "<urn:uuid:sotw> a sotw:SotW ."

EVERYBODY_USE = """
<urn:uuid:p8> a odrl:Set ; odrl:permission <urn:uuid:r8> .
<urn:uuid:r8> a odrl:Permission ; odrl:action odrl:use .
"""
ONLY_ALICE_USE = """
<urn:uuid:p16> a odrl:Set ; odrl:permission <urn:uuid:r16> .
<urn:uuid:r16> a odrl:Permission ; odrl:assignee ex:alice ; odrl:action odrl:use .
"""
DUTY = """
<urn:uuid:p60> a odrl:Set ; odrl:permission <urn:uuid:r60> .
<urn:uuid:r60> a odrl:Permission ; odrl:assignee ex:alice ; odrl:action odrl:read ;
  odrl:target ex:x ; odrl:duty <urn:uuid:d60> .
<urn:uuid:d60> a odrl:Duty ; odrl:action odrl:compensate .
"""


def duty_state(deontic: str) -> str:
    return f"""
<urn:uuid:sotw> a sotw:SotW ; sotw:existingReport <urn:uuid:old> .
<urn:uuid:old> a report:PolicyReport ; report:policy <urn:uuid:p60> ;
  report:ruleReport <urn:uuid:dr> .
<urn:uuid:dr> a report:DutyReport ; report:attemptState report:Attempted ;
  report:rule <urn:uuid:d60> ; report:performanceState report:Performed ;
  report:deonticState report:{deontic} .
"""


PARTY_COLLECTION_2024 = """
<urn:uuid:p65> a odrl:Set ; odrl:permission <urn:uuid:r65> .
<urn:uuid:r65> a odrl:Permission ; odrl:assignee ex:partyCollection ; odrl:action odrl:read ;
  odrl:target ex:x ; odrl:constraint <urn:uuid:c65> .
<urn:uuid:c65> a odrl:LogicalConstraint ; odrl:and <urn:uuid:c65a>, <urn:uuid:c65b> .
<urn:uuid:c65b> a odrl:Constraint ; odrl:leftOperand odrl:dateTime ; odrl:operator odrl:gt ;
  odrl:rightOperand "2024-01-01T00:00:00.000Z"^^xsd:dateTime .
<urn:uuid:c65a> a odrl:Constraint ; odrl:leftOperand odrl:dateTime ; odrl:operator odrl:lt ;
  odrl:rightOperand "2024-12-31T23:59:59.000Z"^^xsd:dateTime .
ex:partyCollection a odrl:PartyCollection .
"""


def collection_state(now: str) -> str:
    # adapted: membership written as an odrl:partOf fact (the suite's own form is not used here)
    return f"""
<urn:uuid:sotw> a sotw:SotW ; sotw:currentTime ex:currentTime .
ex:currentTime dct:issued "{now}"^^xsd:dateTime .
ex:alice odrl:partOf ex:partyCollection .
"""


ON_DATE = """
<urn:uuid:p69> a odrl:Set ; odrl:permission <urn:uuid:r69> .
<urn:uuid:r69> a odrl:Permission ; odrl:assignee ex:alice ; odrl:action odrl:read ;
  odrl:target ex:x ; odrl:constraint <urn:uuid:c69> .
<urn:uuid:c69> odrl:leftOperand odrl:dateTime ; odrl:operator odrl:eq ;
  odrl:rightOperand "2024-02-12"^^xsd:date .
"""
AT_MIDNIGHT = ALICE_READ_X.replace("2024-02-12T11:20:10.999Z", "2024-02-12T00:00:00Z")
NEXT_DAY = ALICE_READ_X.replace("2024-02-12T11:20:10.999Z", "2024-02-13T00:00:00Z")

PURPOSE = """
<urn:uuid:p70> a odrl:Set ; odrl:permission <urn:uuid:r70> .
<urn:uuid:r70> a odrl:Permission ; odrl:assignee ex:alice ; odrl:action odrl:read ;
  odrl:target ex:x ; odrl:constraint <urn:uuid:c70> .
<urn:uuid:c70> a odrl:Constraint ; odrl:leftOperand odrl:purpose ; odrl:operator odrl:eq ;
  odrl:rightOperand dpv:AccountManagement .
"""


def with_parameter(value: str, feature: str) -> str:
    return (
        ALICE_READ_X.rstrip().removesuffix(".")
        + f""", [ a sotw:RequestParameter ;
    sotw:value {value} ; sotw:describesFeature sotw:{feature} ] .
"""
    )


CHANNEL = """
<urn:uuid:p78> a odrl:Set ; odrl:permission <urn:uuid:r78> .
<urn:uuid:r78> a odrl:Permission ; odrl:assignee ex:alice ; odrl:action odrl:read ;
  odrl:target ex:x ; odrl:constraint <urn:uuid:c78> .
<urn:uuid:c78> a odrl:Constraint ; odrl:leftOperand odrl:deliveryChannel ;
  odrl:operator odrl:eq ; odrl:rightOperand <https://podpro.dev/id> .
"""
COMPACT = """
<urn:uuid:p82> a odrl:Set ; odrl:action odrl:read ; odrl:permission <urn:uuid:r82> .
<urn:uuid:r82> a odrl:Permission ; odrl:target ex:x ; odrl:assignee ex:alice .
"""

CASES = [
    ("008 everybody may use: Bob reads", EVERYBODY_USE, BOB_READ_X, EMPTY_STATE, "permit"),
    ("016 only Alice may use: Bob reads", ONLY_ALICE_USE, BOB_READ_X, EMPTY_STATE, "deny"),
    ("016 only Alice may use: Alice reads", ONLY_ALICE_USE, ALICE_READ_X, EMPTY_STATE, "permit"),
    ("010 use does not cover sell", ONLY_ALICE_USE, ALICE_SELL_X, EMPTY_STATE, "deny"),
    ("060 duty fulfilled", DUTY, ALICE_READ_X, duty_state("Fulfilled"), "permit"),
    ("061 duty violated", DUTY, ALICE_READ_X, duty_state("Violated"), "deny"),
    (
        "065 collection member in 2024",
        PARTY_COLLECTION_2024,
        ALICE_READ_X,
        collection_state("2024-02-12T11:20:10.999Z"),
        "permit",
    ),
    (
        "067 collection member in 2025",
        PARTY_COLLECTION_2024,
        ALICE_READ_X,
        collection_state("2025-02-12T11:20:10.999Z"),
        "deny",
    ),
    (
        "065 not a member",
        PARTY_COLLECTION_2024,
        BOB_READ_X,
        collection_state("2024-02-12T11:20:10.999Z"),
        "deny",
    ),
    ("069 dateTime eq xsd:date", ON_DATE, AT_MIDNIGHT, EMPTY_STATE, "permit"),
    ("069 the next day", ON_DATE, NEXT_DAY, EMPTY_STATE, "deny"),
    (
        "070 purpose happy",
        PURPOSE,
        with_parameter("dpv:AccountManagement", "Purpose"),
        EMPTY_STATE,
        "permit",
    ),
    ("071 purpose bad", PURPOSE, with_parameter("dpv:Marketing", "Purpose"), EMPTY_STATE, "deny"),
    (
        "078 delivery channel happy",
        CHANNEL,
        with_parameter("<https://podpro.dev/id>", "DeliveryChannel"),
        EMPTY_STATE,
        "permit",
    ),
    (
        "079 delivery channel bad",
        CHANNEL,
        with_parameter("<https://example.org/other>", "DeliveryChannel"),
        EMPTY_STATE,
        "deny",
    ),
    ("082 compact happy", COMPACT, ALICE_READ_X, EMPTY_STATE, "permit"),
    ("083 compact bad", COMPACT, BOB_READ_X, EMPTY_STATE, "deny"),
]


@pytest.mark.parametrize(
    ("name", "policy", "request_ttl", "state", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_force_case(name: str, policy: str, request_ttl: str, state: str, expected: str) -> None:
    report = evaluate(ttl_policies(policy), ttl_request(request_ttl), ttl_state(state))
    assert report.decision == expected, report.reason


def test_duty_report_carries_the_deontic_state() -> None:
    report = evaluate(
        ttl_policies(DUTY), ttl_request(ALICE_READ_X), ttl_state(duty_state("Fulfilled"))
    )
    (rule,) = report.policies[0].rules
    (duty,) = rule.conditions
    assert (duty.rule, duty.deontic, duty.performance) == (
        "urn:uuid:d60",
        REPORT + "Fulfilled",
        REPORT + "Performed",
    )
    assert report.duties == ()  # already fulfilled: nothing left to do
    pending = evaluate(ttl_policies(DUTY), ttl_request(ALICE_READ_X), ttl_state(EMPTY_STATE))
    assert [d.rule for d in pending.duties] == ["urn:uuid:d60"]


def test_premise_reports_follow_the_suite() -> None:
    report = evaluate(
        ttl_policies(PURPOSE),
        ttl_request(with_parameter("dpv:AccountManagement", "Purpose")),
        ttl_state(EMPTY_STATE),
    )
    (rule,) = report.policies[0].rules
    assert [p.kind for p in rule.premises] == ["target", "party", "action", "constraint"]
    assert all(p.satisfied for p in rule.premises)
    assert (rule.active, rule.attempted, rule.rule) == (True, True, "urn:uuid:r70")

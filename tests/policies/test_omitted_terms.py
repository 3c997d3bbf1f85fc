"""The ODRL CG formal semantics for omitted terms, and action inclusion from the ODRL 2.2
vocabulary's own triples.

Formal semantics (https://w3c.github.io/odrl/formal-semantics/, Semantics of Permissions):
the requested action must "belong to the permitted class of actions with the correct target
and assignee (when they are specified)". Cases are written as the FORCE test suite writes
them: policy, request and state of the world in Turtle.
"""

from __future__ import annotations

from importlib import resources

import pytest
from rdflib import RDF, SKOS, Graph, URIRef

from policies import codes, evaluate
from policies.vocab import ODRL

from .support import ttl_policies, ttl_request, ttl_state

EMPTY_STATE = "<urn:uuid:sotw> a sotw:SotW ."


def asking(action: str, party: str = "ex:alice", target: str = "ex:x") -> str:
    return f"""
<urn:uuid:req> a sotw:EvaluationRequest ; sotw:requestedAction {action} ;
  sotw:requestingParty {party} ; sotw:requestedTarget {target} .
"""


NO_ACTION = """
<urn:uuid:p1> a odrl:Set ; odrl:permission <urn:uuid:r1> .
<urn:uuid:r1> a odrl:Permission ; odrl:assignee ex:alice ; odrl:target ex:x .
"""
# read, with no target and no assignee: any asset, any party
BARE = """
<urn:uuid:p2> a odrl:Set ; odrl:permission <urn:uuid:r2> .
<urn:uuid:r2> a odrl:Permission ; odrl:action odrl:read .
"""
# a prohibition without action: Bob may do nothing with x
BAN = """
<urn:uuid:p3> a odrl:Set ; odrl:permission <urn:uuid:r3> ; odrl:prohibition <urn:uuid:f3> .
<urn:uuid:r3> a odrl:Permission ; odrl:action odrl:read ; odrl:target ex:x .
<urn:uuid:f3> a odrl:Prohibition ; odrl:target ex:x ; odrl:assignee ex:bob .
"""
NO_ACTION_UNKNOWN_OPERAND = """
<urn:uuid:p4> a odrl:Set ; odrl:permission <urn:uuid:r4> .
<urn:uuid:r4> a odrl:Permission ; odrl:target ex:x ;
  odrl:constraint [ odrl:leftOperand ex:weather ; odrl:operator odrl:eq ;
                    odrl:rightOperand "sunny" ] .
"""
UNKNOWN_ACTION = """
<urn:uuid:p5> a odrl:Set ; odrl:permission <urn:uuid:r5> .
<urn:uuid:r5> a odrl:Permission ; odrl:action ex:teleport ; odrl:target ex:x .
"""

CASES = [
    ("no action: Alice reads x", NO_ACTION, asking("odrl:read"), "permit"),
    ("no action: Alice sells x", NO_ACTION, asking("odrl:sell"), "permit"),
    ("no action: Alice reads y", NO_ACTION, asking("odrl:read", target="ex:y"), "deny"),
    ("no action: Bob reads x", NO_ACTION, asking("odrl:read", party="ex:bob"), "deny"),
    ("bare: Bob reads y", BARE, asking("odrl:read", "ex:bob", "ex:y"), "permit"),
    ("bare: Bob modifies y", BARE, asking("odrl:modify", "ex:bob", "ex:y"), "deny"),
    ("bare ban: Alice reads x", BAN, asking("odrl:read"), "permit"),
    ("bare ban: Bob reads x", BAN, asking("odrl:read", party="ex:bob"), "deny"),
    ("no action, unknown left operand", NO_ACTION_UNKNOWN_OPERAND, asking("odrl:read"), "deny"),
    ("an unknown action covers nothing", UNKNOWN_ACTION, asking("odrl:read"), "deny"),
]


@pytest.mark.parametrize(
    ("name", "policy", "request_ttl", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_omitted_terms(name: str, policy: str, request_ttl: str, expected: str) -> None:
    report = evaluate(ttl_policies(policy), ttl_request(request_ttl), ttl_state(EMPTY_STATE))
    assert report.decision == expected, report.reason


def test_an_omitted_action_is_reported_as_any_action_not_as_not_understood() -> None:
    report = evaluate(
        ttl_policies(NO_ACTION), ttl_request(asking("odrl:sell")), ttl_state(EMPTY_STATE)
    )
    (rule,) = report.policies[0].rules
    action = next(p for p in rule.premises if p.kind == "action")
    assert (action.satisfied, action.fatal, action.reason) == (
        True,
        "",
        "the rule applies to any action",
    )
    refused = evaluate(
        ttl_policies(NO_ACTION_UNKNOWN_OPERAND),
        ttl_request(asking("odrl:read")),
        ttl_state(EMPTY_STATE),
    )
    assert refused.code == codes.NOT_UNDERSTOOD  # a term not understood still means deny
    assert "unknown left operand" in refused.reason


def _vocabulary() -> Graph:
    """The bundled ODRL 2.2 vocabulary, read here directly (not through policies.vocab)."""
    graph = Graph()
    text = resources.files("policies.data").joinpath("odrl22.ttl").read_text(encoding="utf-8")
    return graph.parse(data=text, format="turtle")


VOCABULARY = _vocabulary()
INCLUDED_IN = sorted(VOCABULARY.subject_objects(URIRef(ODRL + "includedIn")))
ACTIONS = set(VOCABULARY.subjects(RDF.type, URIRef(ODRL + "Action")))
EXACT = sorted(
    (a, b) for a, b in VOCABULARY.subject_objects(SKOS.exactMatch) if a in ACTIONS and b in ACTIONS
)


def _decide(permitted: str, asked: str) -> str:
    policy = f"""
<urn:uuid:p> a odrl:Set ; odrl:permission [ odrl:action <{permitted}> ; odrl:target ex:x ] .
"""
    return evaluate(
        ttl_policies(policy), ttl_request(asking(f"<{asked}>")), ttl_state(EMPTY_STATE)
    ).decision


def test_every_included_in_triple_of_the_vocabulary_is_followed() -> None:
    assert len(INCLUDED_IN) > 40  # read and aggregate under use, sell under transfer...
    for action, broader in INCLUDED_IN:
        assert _decide(str(broader), str(action)) == "permit", (action, broader)
    # inclusion goes one way: a permission to read is no permission to use
    assert (URIRef(ODRL + "read"), URIRef(ODRL + "use")) in INCLUDED_IN
    assert _decide(ODRL + "read", ODRL + "use") == "deny"
    assert (URIRef(ODRL + "sell"), URIRef(ODRL + "use")) not in INCLUDED_IN
    assert _decide(ODRL + "use", ODRL + "sell") == "deny"  # sell is under transfer


def test_deprecated_actions_match_their_replacement_both_ways() -> None:
    # odrl22.ttl: ":write ... owl:deprecated true ; skos:exactMatch :modify"
    assert (URIRef(ODRL + "write"), URIRef(ODRL + "modify")) in EXACT
    for old, new in EXACT:
        assert _decide(str(new), str(old)) == "permit", (old, new)
        assert _decide(str(old), str(new)) == "permit", (old, new)
    assert _decide(ODRL + "use", ODRL + "write") == "permit"  # write = modify, under use

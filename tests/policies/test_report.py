"""Report serialisation: FORCE compliance-report Turtle and JSON-LD carry the same graph."""

from __future__ import annotations

import json

from rdflib import RDF, Literal, URIRef
from rdflib.compare import isomorphic

from policies import Iri, Policy, Report, State, evaluate, parse_text
from policies.report_rdf import report_graph
from policies.vocab import DPV, GP, ODRL, REPORT

from .support import EX, at, jsonld_policy, req

CR = REPORT


def sample() -> tuple[Policy, Report]:
    policy = jsonld_policy(
        {
            "@type": "Set",
            "uid": EX + "p",
            "permission": [
                {
                    "uid": EX + "r",
                    "target": EX + "x",
                    "action": "use",
                    "constraint": [
                        {
                            "or": {
                                "@list": [
                                    {
                                        "leftOperand": "purpose",
                                        "operator": "eq",
                                        "rightOperand": {"@id": DPV + "Marketing"},
                                    },
                                    {
                                        "leftOperand": "dateTime",
                                        "operator": "lt",
                                        "rightOperand": {
                                            "@value": "2024-06-01+02:00",
                                            "@type": "xsd:date",
                                        },
                                    },
                                ]
                            }
                        }
                    ],
                    "duty": [
                        {"uid": EX + "d", "action": "attribute", "attributedParty": EX + "atmo"}
                    ],
                }
            ],
        }
    )
    return policy, evaluate(
        policy, req(purpose=(Iri(DPV + "Marketing"),)), at("2024-07-01T00:00:00+00:00")
    )


def test_turtle_report_structure() -> None:
    _, report = sample()
    graph = parse_text(report.to_turtle(), fmt="turtle")
    (decision,) = graph.subjects(RDF.type, URIRef(GP + "Decision"))
    assert graph.value(decision, URIRef(GP + "outcome")) == URIRef(GP + "Permit")
    assert graph.value(decision, URIRef(GP + "decidingRule")) == URIRef(EX + "r")
    (policy_report,) = graph.subjects(RDF.type, URIRef(CR + "PolicyReport"))
    assert graph.value(policy_report, URIRef(CR + "policy")) == URIRef(EX + "p")
    (rule_report,) = graph.objects(policy_report, URIRef(CR + "ruleReport"))
    assert graph.value(rule_report, URIRef(CR + "activationState")) == URIRef(CR + "Active")
    kinds = {
        graph.value(p, RDF.type) for p in graph.objects(rule_report, URIRef(CR + "premiseReport"))
    }
    assert kinds == {
        URIRef(CR + k) for k in ("TargetReport", "PartyReport", "ActionReport", "ConstraintReport")
    }
    (logical,) = graph.subjects(URIRef(CR + "constraintLogicalOperand"), URIRef(ODRL + "or"))
    assert len(list(graph.objects(logical, URIRef(CR + "premiseReport")))) == 2
    # the date keeps its zone in the report (rdflib would normalise it away)
    assert Literal(
        "2024-06-01+02:00",
        datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"),
        normalize=False,
    ) in set(graph.objects(None, URIRef(CR + "constraintRightOperand")))
    (duty_report,) = graph.objects(rule_report, URIRef(CR + "conditionReport"))
    assert graph.value(duty_report, RDF.type) == URIRef(CR + "DutyReport")
    assert graph.value(duty_report, URIRef(CR + "deonticState")) == URIRef(CR + "NonSet")


def test_jsonld_report_is_the_same_graph() -> None:
    _, report = sample()
    from_jsonld = parse_text(report.to_jsonld(), fmt="json-ld")
    assert json.loads(report.to_jsonld())
    assert isomorphic(from_jsonld, report_graph(report))


def test_deny_report_has_no_deciding_rule_and_says_why() -> None:
    policy, _ = sample()
    late = at("2024-07-01T00:00:00+00:00")
    report = evaluate(policy, req(party=None, action="read"), late)
    graph = report_graph(report)
    (decision,) = graph.subjects(RDF.type, URIRef(GP + "Decision"))
    assert graph.value(decision, URIRef(GP + "outcome")) == URIRef(GP + "Deny")
    assert graph.value(decision, URIRef(GP + "decidingRule")) is None
    assert "the request gives no odrl:purpose" in report.reason


def test_obligation_and_prohibition_states_follow_the_state_of_the_world() -> None:
    policy = jsonld_policy(
        {
            "@type": "Set",
            "uid": EX + "p",
            "permission": [{"uid": EX + "r", "target": EX + "x", "action": "read"}],
            "obligation": [{"uid": EX + "o", "action": "inform", "assignee": EX + "alice"}],
            "prohibition": [{"uid": EX + "n", "target": EX + "x", "action": "sell"}],
        }
    )
    # nothing reported: the obligation is NonSet, its performance Unknown; the
    # prohibition gets no deontic state at all
    graph = report_graph(evaluate(policy, req(action="read"), State()))
    obligation = graph.value(None, URIRef(CR + "rule"), URIRef(EX + "o"), any=False)
    assert graph.value(obligation, URIRef(CR + "deonticState")) == URIRef(CR + "NonSet")
    assert graph.value(obligation, URIRef(CR + "performanceState")) == URIRef(CR + "Unknown")
    prohibition = graph.value(None, URIRef(CR + "rule"), URIRef(EX + "n"), any=False)
    assert graph.value(prohibition, URIRef(CR + "deonticState")) is None
    # reported: the obligation fulfilled (performance follows), the prohibition violated
    state = State(
        duty_states={EX + "o": CR + "Fulfilled", EX + "n": CR + "Violated"},
    )
    graph = report_graph(evaluate(policy, req(action="read"), state))
    obligation = graph.value(None, URIRef(CR + "rule"), URIRef(EX + "o"), any=False)
    assert graph.value(obligation, URIRef(CR + "deonticState")) == URIRef(CR + "Fulfilled")
    assert graph.value(obligation, URIRef(CR + "performanceState")) == URIRef(CR + "Performed")
    prohibition = graph.value(None, URIRef(CR + "rule"), URIRef(EX + "n"), any=False)
    assert graph.value(prohibition, URIRef(CR + "deonticState")) == URIRef(CR + "Violated")
    # a reported performance state wins over the one derived from the deontic state
    state = State(
        duty_states={EX + "o": CR + "Violated"},
        performance_states={EX + "o": CR + "Performed"},
    )
    graph = report_graph(evaluate(policy, req(action="read"), state))
    obligation = graph.value(None, URIRef(CR + "rule"), URIRef(EX + "o"), any=False)
    assert graph.value(obligation, URIRef(CR + "performanceState")) == URIRef(CR + "Performed")

"""Property: the compact, expanded and Turtle forms of one policy give the same model and
the same report (Hypothesis generates the policies and the requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld
from rdflib.compare import isomorphic

from policies import (
    Iri,
    Request,
    State,
    UsageCount,
    document_loader,
    evaluate,
    jsonld_to_graph,
    parse_policies,
    policies_from_graph,
)
from policies.report_rdf import report_graph
from policies.vocab import DPV, ODRL, XSD

from .support import CONTEXT, EX

ACTIONS = ["use", "read", "aggregate", "distribute", "sell", "transfer"]
PURPOSES = ["ScientificResearch", "AcademicResearch", "ResearchAndDevelopment", "Marketing"]
PARTIES = [EX + "alice", EX + "bob"]

purpose = st.sampled_from(PURPOSES).map(lambda p: {"@id": DPV + p})
simple_constraint = st.one_of(
    st.builds(
        lambda op, p: {"leftOperand": "purpose", "operator": op, "rightOperand": p},
        st.sampled_from(["eq", "neq", "isA"]),
        purpose,
    ),
    st.builds(
        lambda op, ps: {"leftOperand": "purpose", "operator": op, "rightOperand": ps},
        st.sampled_from(["isAnyOf", "isNoneOf", "isAllOf"]),
        st.lists(purpose, min_size=1, max_size=3, unique_by=lambda d: d["@id"]),
    ),
    st.builds(
        lambda op, day: {
            "leftOperand": "dateTime",
            "operator": op,
            "rightOperand": {"@value": f"2024-06-{day:02d}", "@type": XSD + "date"},
        },
        st.sampled_from(["lt", "lteq", "gt", "gteq", "eq"]),
        st.integers(1, 30),
    ),
    st.builds(
        lambda op, n: {
            "leftOperand": "count",
            "operator": op,
            "rightOperand": {"@value": str(n), "@type": XSD + "integer"},
        },
        st.sampled_from(["lt", "lteq", "gt", "gteq"]),
        st.integers(0, 6),
    ),
)
constraint = st.one_of(
    simple_constraint,
    st.builds(
        lambda op, items: {op: {"@list": items}},
        st.sampled_from(["and", "or", "xone", "andSequence"]),
        st.lists(simple_constraint, min_size=2, max_size=3),
    ),
)


@st.composite
def rules(draw: st.DrawFn, kind: str, compact_target: bool) -> dict[str, Any]:
    rule: dict[str, Any] = {"action": draw(st.sampled_from(ACTIONS))}
    if draw(st.booleans()):
        rule["uid"] = EX + f"{kind}-{draw(st.integers(0, 9))}"
    if not compact_target:
        rule["target"] = EX + draw(st.sampled_from(["x", "y"]))
    if draw(st.booleans()):
        rule["assignee"] = draw(st.sampled_from(PARTIES))
    items = draw(st.lists(constraint, max_size=2))
    if items:
        rule["constraint"] = items
    if kind == "permission" and draw(st.booleans()):
        rule["duty"] = [{"action": draw(st.sampled_from(["attribute", "anonymize", "inform"]))}]
    return rule


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    compact_target = draw(st.booleans())
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": draw(st.sampled_from(["Set", "Offer", "Agreement"])),
        "uid": EX + "policy",
        "assigner": EX + "city",
        "permission": draw(st.lists(rules("permission", compact_target), min_size=1, max_size=3)),
    }
    if compact_target:
        document["target"] = EX + "x"
    prohibitions = draw(st.lists(rules("prohibition", compact_target), max_size=2))
    if prohibitions:
        document["prohibition"] = prohibitions
    conflict = draw(st.sampled_from([None, "perm", "prohibit", "invalid"]))
    if conflict:
        document["conflict"] = conflict
    return document


requests = st.builds(
    lambda action, party, target, purposes: Request(
        party=party,
        action=ODRL + action,
        target=EX + target,
        parameters={ODRL + "purpose": tuple(Iri(DPV + p) for p in purposes)} if purposes else {},
    ),
    st.sampled_from(ACTIONS),
    st.sampled_from([*PARTIES, None]),
    st.sampled_from(["x", "y"]),
    st.lists(st.sampled_from(PURPOSES), max_size=2, unique=True),
)
states = st.builds(
    lambda day, count: State(
        now=datetime.fromisoformat(f"2024-06-{day:02d}T12:00:00+00:00"),
        counters=(UsageCount(count=count),),
    ),
    st.integers(1, 30),
    st.integers(0, 6),
)


@settings(max_examples=80, deadline=None)
@given(policies(), requests, states)
def test_compact_expanded_and_turtle_forms_give_the_same_report(
    document: dict[str, Any], request: Request, state: State
) -> None:
    expanded = jsonld.expand(document, {"documentLoader": document_loader})
    compact_graph = jsonld_to_graph(document)
    from_compact = policies_from_graph(compact_graph)
    from_expanded = policies_from_graph(jsonld_to_graph(expanded))
    from_turtle = parse_policies(compact_graph.serialize(format="turtle"), fmt="turtle")
    assert from_compact == from_expanded == from_turtle
    reports = [evaluate(p, request, state) for p in (from_compact, from_expanded, from_turtle)]
    assert reports[0] == reports[1] == reports[2]
    assert isomorphic(report_graph(reports[0]), report_graph(reports[1]))

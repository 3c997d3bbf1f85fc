"""Truth tables of the POE evaluator logic (nitmws/odrl-wprofile-evaltest1,
evaluator/evaluationLogic.md, by an ODRL 2.2 editor), applied to our rule reports.

Permission: a constraint Not-Satisfied → the permission does not exist (inactive); an action
refinement Not-Satisfied → Not-Allowed; a duty Not-Fulfilled → Not-Allowed; else Allowed.
Prohibition: a constraint Not-Satisfied → does not exist; action exercised → Violated.

One deliberate difference: a duty with no report yet is, for us, a duty to perform with the
permit (the node carries it out), not a reason to refuse; a duty reported Violated refuses.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from policies import Iri, State, evaluate
from policies.vocab import DPV, REPORT

from .support import EX, jsonld_policy, req

SCI = {
    "leftOperand": "purpose",
    "operator": "eq",
    "rightOperand": {"@id": DPV + "ScientificResearch"},
}
ACADEMIC = {
    "leftOperand": "purpose",
    "operator": "isA",
    "rightOperand": {"@id": DPV + "ResearchAndDevelopment"},
}


def permission(duty: bool) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "uid": EX + "perm",
        "target": EX + "x",
        "constraint": [SCI],
        "action": [{"rdf:value": {"@id": "odrl:use"}, "refinement": [ACADEMIC]}],
    }
    if duty:
        rule["duty"] = [{"uid": EX + "duty", "action": "inform"}]
    return {"@type": "Set", "uid": EX + "p", "permission": [rule]}


# (constraint satisfied, refinement satisfied, duty state) → Allowed?
TABLE = [
    (c, r, d, c and r and d != "Violated")
    for c, r, d in product([True, False], [True, False], [None, "Fulfilled", "Violated", "none"])
]


def purposes_for(constraint: bool, refinement: bool) -> tuple[Iri, ...]:
    # ScientificResearch satisfies both (the refinement is made to fail for (True, False));
    # AcademicResearch is research but not ScientificResearch; Marketing is neither.
    if constraint:
        return (Iri(DPV + "ScientificResearch"),)
    if refinement:
        return (Iri(DPV + "AcademicResearch"),)
    return (Iri(DPV + "Marketing"),)


@pytest.mark.parametrize(("constraint", "refinement", "duty", "allowed"), TABLE)
def test_permission_truth_table(
    constraint: bool, refinement: bool, duty: str | None, allowed: bool
) -> None:
    document = permission(duty != "none")
    if constraint and not refinement:
        document["permission"][0]["action"][0]["refinement"] = [
            {**ACADEMIC, "rightOperand": {"@id": DPV + "Marketing"}}
        ]
    states = {EX + "duty": REPORT + duty} if duty not in (None, "none") else {}
    request = req(purpose=purposes_for(constraint, refinement))
    report = evaluate(jsonld_policy(document), request, State(duty_states=states))
    assert report.permitted is allowed
    (rule,) = report.policies[0].rules
    premises = {p.kind: p.satisfied for p in rule.premises}
    assert premises["constraint"] is constraint
    assert premises["action"] is refinement


@pytest.mark.parametrize(
    ("constraint", "exercised", "violated"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_prohibition_truth_table(constraint: bool, exercised: bool, violated: bool) -> None:
    policy = jsonld_policy(
        {
            "@type": "Set",
            "uid": EX + "p",
            "conflict": "prohibit",
            "permission": [{"target": EX + "x", "action": "use"}],
            "prohibition": [
                {"uid": EX + "no", "target": EX + "x", "action": "distribute", "constraint": [SCI]}
            ],
        }
    )
    purpose = "ScientificResearch" if constraint else "Marketing"
    request = req("distribute" if exercised else "read", purpose=(Iri(DPV + purpose),))
    report = evaluate(policy, request, State())
    prohibition = next(r for r in report.policies[0].rules if r.kind == "prohibition")
    assert prohibition.active is violated
    assert report.permitted is not violated

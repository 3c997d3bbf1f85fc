"""Reason codes: each way a decision comes out has its code, and a refusal for want of a
permission names the permission that came closest and what it lacked."""

from __future__ import annotations

from typing import Any

import pytest

from policies import Iri, State, evaluate
from policies.vocab import DPV

from .support import EX, jsonld_policy, req

PURPOSE = {"leftOperand": "purpose", "operator": "isA", "rightOperand": {"@id": DPV + "Marketing"}}


def policy(**rules: Any) -> dict[str, Any]:
    return {"@type": "Set", "uid": EX + "policy", **rules}


def rule(uid: str, **more: Any) -> dict[str, Any]:
    return {"uid": EX + uid, "target": EX + "x", "action": "read", **more}


@pytest.mark.parametrize(
    ("document", "code", "rule_iri", "closest"),
    [
        (policy(permission=[rule("p")]), "permitted", EX + "p", None),
        (
            policy(permission=[rule("p")], prohibition=[rule("q")], conflict="prohibit"),
            "prohibited",
            EX + "q",
            None,
        ),
        (policy(permission=[rule("p")], prohibition=[rule("q")]), "conflict", EX + "q", None),
        (policy(permission=[rule("p", assignee=EX + "bob")]), "not-assignee", None, EX + "p"),
        (
            policy(permission=[rule("p", constraint=[PURPOSE])]),
            "constraint-failed:purpose",
            None,
            EX + "p",
        ),
        # a permission about another target is not "close": plain closed world
        (policy(permission=[{**rule("p"), "target": EX + "y"}]), "no-permission", None, None),
        (
            policy(permission=[rule("p", constraint=[{**PURPOSE, "operator": "nope"}])]),
            "not-understood",
            EX + "p",
            None,
        ),
    ],
)
def test_each_outcome_has_its_code(
    document: dict[str, Any], code: str, rule_iri: str | None, closest: str | None
) -> None:
    research = req(purpose=(Iri(DPV + "ScientificResearch"),))
    report = evaluate(jsonld_policy(document), research, State())
    assert (report.code, report.rule, report.closest) == (code, rule_iri, closest)


def test_no_policy() -> None:
    assert evaluate([], req(), State()).code == "no-policy"


def test_the_closest_permission_is_one_granted_to_the_caller() -> None:
    """A permission for another party comes first in the policy, but the one granted to
    the caller is closer: its failed condition is what the caller lacked."""
    document = policy(
        permission=[
            rule("staff", assignee=EX + "bob"),
            rule("research", constraint=[PURPOSE]),
        ]
    )
    report = evaluate(jsonld_policy(document), req(), State())
    assert (report.code, report.closest) == ("constraint-failed:purpose", EX + "research")

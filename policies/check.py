"""Validate parsed policies: name every problem with the file and the offending term."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .decision import merge_inherited
from .loader import UNRESOLVED_BASE
from .model import Constraint, Policy, Rule, iter_constraints
from .vocab import (
    CONFLICT_TERMS,
    GP,
    KNOWN_PROFILES,
    ODRL,
    OPERATORS,
    SUPPORTED_LEFT_OPERANDS,
    odrl_terms,
)


@dataclass(frozen=True)
class Issue:
    """One problem: in which file, which term, what is wrong."""

    file: str
    term: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.file}: {self.term}: {self.message}"


def term_name(iri: str) -> str:
    """A policy term as an author wrote it: ``odrl:read``, ``gui:role``, an unresolved
    ``'name'`` or the full IRI."""
    if iri.startswith(UNRESOLVED_BASE):
        return repr(iri.removeprefix(UNRESOLVED_BASE))
    for prefix, short in ((ODRL, "odrl:"), (GP, "gui:")):
        if iri.startswith(prefix):
            return short + iri.removeprefix(prefix)
    return iri


def _constraint_issues(node: Constraint, where: str) -> list[tuple[str, str]]:
    found = []
    if not node.left:
        found.append((node.iri, f"constraint in {where} has no leftOperand"))
    elif node.left not in SUPPORTED_LEFT_OPERANDS:
        known = node.left in odrl_terms("LeftOperand")
        what = "is not supported by this evaluator" if known else "is not a known left operand"
        found.append((term_name(node.left), f"left operand in {where} {what}"))
    if not node.operator:
        found.append((node.iri, f"constraint in {where} has no operator"))
    elif node.operator not in OPERATORS:
        found.append((term_name(node.operator), f"operator in {where} is not an ODRL operator"))
    if not node.right and not node.right_reference:
        found.append((node.iri, f"constraint in {where} has no rightOperand"))
    return found


def _rule_issues(rule: Rule, policy: Policy) -> list[tuple[str, str]]:
    where = f"{rule.kind} {rule.iri}"
    found = []
    actions = odrl_terms("Action")
    if not rule.action.iri and rule.kind not in ("permission", "prohibition"):
        found.append((rule.iri, f"{rule.kind} has no action: nothing says what must be done"))
    elif rule.action.iri and rule.action.iri not in actions and not rule.action.iri.startswith(GP):
        found.append((term_name(rule.action.iri), f"action of {where} is not an ODRL action"))
    offer_like = policy.type in (ODRL + "Offer", ODRL + "Agreement")
    if offer_like and rule.kind != "duty" and rule.assigner is None:
        found.append((rule.iri, f"{rule.kind} of an {term_name(policy.type)} needs an assigner"))
    if policy.type == ODRL + "Agreement" and rule.kind != "duty" and rule.assignee is None:
        found.append((rule.iri, f"{rule.kind} of an odrl:Agreement needs an assignee"))
    nodes = list(rule.constraints) + list(rule.action.refinements)
    for holder in (rule.target, rule.assignee):
        if holder is not None:
            nodes.extend(holder.refinements)
    for node in iter_constraints(tuple(nodes)):
        found.extend(_constraint_issues(node, where))
    for duty in rule.duties:
        found.extend(_rule_issues(duty, policy))
    return found


def check_policy(policy: Policy) -> list[Issue]:
    """Every problem in one policy (its file name comes from ``policy.source``)."""
    found: list[tuple[str, str]] = []
    if not policy.type:
        found.append((policy.iri, "policy has no type (odrl:Set, odrl:Offer or odrl:Agreement)"))
    if not policy.rules:
        found.append((policy.iri, "policy has no permission, prohibition or obligation"))
    for profile in policy.profiles:
        if profile not in KNOWN_PROFILES:
            found.append((profile, "unknown profile: policies using it are denied"))
    if policy.conflict is not None and policy.conflict not in CONFLICT_TERMS:
        found.append(
            (
                term_name(policy.conflict),
                "conflict must be odrl:perm, odrl:prohibit or odrl:invalid",
            )
        )
    for rule in policy.rules:
        found.extend(_rule_issues(rule, policy))
    unique = dict.fromkeys(found)
    return [Issue(policy.source or "<document>", term, message) for term, message in unique]


def check_policies(policies: Sequence[Policy]) -> list[Issue]:
    """Problems in each policy, and ``inheritFrom`` cycles or missing parents among them."""
    pool = {p.iri: p for p in policies}
    issues = [issue for policy in policies for issue in check_policy(policy)]
    for policy in policies:
        merged = merge_inherited(policy, pool)
        if isinstance(merged, str) and ("inheritFrom" in merged or "inherits" in merged):
            issues.append(Issue(policy.source or "<document>", policy.iri, merged))
    return issues

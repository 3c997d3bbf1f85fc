"""Reason codes: a stable, language-free name for why a decision came out as it did.

The English ``reason`` of a report is for people and may change wording; the code is for
programs and translations (the DPD console words each code in French and English):

==============================  =======================================================
``permitted``                   an active permission allows the request
``prohibited``                  an active prohibition forbids it
``prohibition-undecided``       a prohibition might apply, but lacks information
``conflict``                    a permission and a prohibition both apply (``invalid``)
``not-understood``              a term, profile or ``inheritFrom`` is not understood
``no-policy``                   no policy was given
``no-permission``               no permission applies (closed world)
``not-assignee``                the permissions about this use name other parties
``constraint-failed:<operand>`` the closest permission's constraint on ``<operand>``
                                (the left operand's local name, e.g. ``purpose``) fails
``duty-violated``               the closest permission's duty was violated
==============================  =======================================================

For the last four, :func:`closest_permission` also names that permission, so a refusal
shows a rule as a permit does.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import Constraint, ConstraintNode, Rule
from .report import RuleReport
from .rules import short

PERMITTED = "permitted"
PROHIBITED = "prohibited"
PROHIBITION_UNDECIDED = "prohibition-undecided"
CONFLICT = "conflict"
NOT_UNDERSTOOD = "not-understood"
NO_POLICY = "no-policy"
NO_PERMISSION = "no-permission"
NOT_ASSIGNEE = "not-assignee"
CONSTRAINT_FAILED = "constraint-failed"
DUTY_VIOLATED = "duty-violated"

_SCOPE = ("target", "action")
"""Premises a permission must meet to be about this request at all."""


def _operand(node: ConstraintNode) -> str:
    if isinstance(node, Constraint):
        return short(node.left)
    return _operand(node.operands[0]) if node.operands else "constraint"


def closest_permission(pairs: Sequence[tuple[Rule, RuleReport]]) -> tuple[str | None, str]:
    """The permission that came closest to allowing the request, and the code of what it
    lacked: among the permissions about this target and action, the first (in the
    parser's order: by IRI, RDF keeping none) granted to the caller, else the first
    granted to another party; without any, ``(None, "no-permission")``."""
    about = [
        (rule, report)
        for rule, report in pairs
        if rule.kind == "permission"
        and all(p.satisfied for p in report.premises if p.kind in _SCOPE)
    ]
    for rule, report in about:
        if all(p.satisfied for p in report.premises if p.kind == "party"):
            checked = [p for p in report.premises if p.kind == "constraint"]
            for node, premise in zip(rule.constraints, checked, strict=False):
                if not premise.satisfied:  # checked follows rule.constraints' order
                    return rule.iri, f"{CONSTRAINT_FAILED}:{_operand(node)}"
            return rule.iri, DUTY_VIOLATED
    if about:
        return about[0][0].iri, NOT_ASSIGNEE
    return None, NO_PERMISSION

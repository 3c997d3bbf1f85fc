"""The evaluation report, shaped after the FORCE Compliance Report Model.

``Report`` (the decision) → ``PolicyReport`` per policy → ``RuleReport`` per atomic
rule (attempt and activation states; duty reports as conditions) → ``PremiseReport``
for target, party, action and each constraint (satisfaction state). Serialisation to
RDF lives in :mod:`policies.report_rdf`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .model import ConstraintNode, RuleKind, Term

PremiseKind = Literal["target", "party", "action", "constraint"]
Decision = Literal["permit", "deny"]
Outcome = Literal["permit", "deny", "not-applicable"]


@dataclass(frozen=True)
class PremiseReport:
    """Whether one premise of a rule holds.

    ``unknown`` says why it could not be decided (missing information: counted as
    unsatisfied); ``fatal`` says why it is not understood (the decision is deny).
    """

    kind: PremiseKind
    satisfied: bool
    reason: str = ""
    unknown: str = ""
    fatal: str = ""
    constraint: str | None = None
    left: tuple[Term, ...] = ()
    operator: str | None = None
    right: tuple[Term, ...] = ()
    logical: str | None = None
    premises: tuple[PremiseReport, ...] = ()


@dataclass(frozen=True)
class DutyToPerform:
    """A duty the caller must carry out when it acts on a permit: the duty's action and
    its constraints (e.g. ``odrl:anonymize``, ``odrl:attribute``, ``odrl:inform``)."""

    rule: str
    action: str
    constraints: tuple[ConstraintNode, ...] = ()
    refinements: tuple[ConstraintNode, ...] = ()
    target: str | None = None
    policy: str = ""
    parties: tuple[tuple[str, str], ...] = ()
    """Parties by function, e.g. ``(odrl:attributedParty, the party to credit)``."""


@dataclass(frozen=True)
class RuleReport:
    """One atomic rule: ``active`` when every premise holds (and, for a permission, no
    duty is violated)."""

    kind: RuleKind
    rule: str
    active: bool
    attempted: bool
    premises: tuple[PremiseReport, ...] = ()
    conditions: tuple[RuleReport, ...] = ()
    deontic: str | None = None
    performance: str | None = None
    reason: str = ""

    @property
    def fatal(self) -> str:
        """The first reason this rule is not understood, or ``""``."""
        for premise in _walk(self.premises):
            if premise.fatal:
                return premise.fatal
        for condition in self.conditions:
            if condition.fatal:
                return condition.fatal
        return ""

    @property
    def unknown(self) -> str:
        """Why the rule might hold but cannot be decided, or ``""``."""
        if any(not p.satisfied and not p.unknown for p in self.premises):
            return ""
        return next((p.unknown for p in self.premises if p.unknown), "")


def _walk(premises: tuple[PremiseReport, ...]) -> list[PremiseReport]:
    found: list[PremiseReport] = []
    for premise in premises:
        found.append(premise)
        found.extend(_walk(premise.premises))
    return found


@dataclass(frozen=True)
class PolicyReport:
    """One policy's outcome for the request, with a report per rule."""

    policy: str
    outcome: Outcome
    reason: str
    rule: str | None = None
    rules: tuple[RuleReport, ...] = ()
    duties: tuple[DutyToPerform, ...] = ()
    code: str = ""
    """The reason code (:mod:`policies.codes`)."""
    closest: str | None = None
    """Not applicable: the permission that came closest (what it lacked is in ``code``)."""


@dataclass(frozen=True)
class Report:
    """The decision for one request: permit or deny, the deciding rule, a reason in
    English, the duties that come with a permit, and every policy's report."""

    decision: Decision
    reason: str
    request: str
    rule: str | None = None
    policy: str | None = None
    duties: tuple[DutyToPerform, ...] = ()
    policies: tuple[PolicyReport, ...] = ()
    created: str | None = None
    code: str = ""
    """The reason code (:mod:`policies.codes`): stable, for programs and translations."""
    closest: str | None = None
    """A deny for want of a permission: the permission that came closest, if any."""

    @property
    def permitted(self) -> bool:
        return self.decision == "permit"

    def to_turtle(self) -> str:
        """The report in Turtle (FORCE compliance-report vocabulary plus ``gui:`` decision)."""
        from .report_rdf import report_graph

        text: str = report_graph(self).serialize(format="turtle")
        return text

    def to_jsonld(self) -> str:
        """The report in JSON-LD (expanded, sorted)."""
        from .report_rdf import report_jsonld

        return report_jsonld(self)

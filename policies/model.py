"""The frozen policy model: what a parsed ODRL 2.2 policy is, independent of its syntax.

Rules are atomic (one action, at most one target, one assignee); a compact policy is
expanded when it is parsed. Nodes without an IRI get a stable ``urn:guichet:`` name
computed from their content, so the compact and expanded forms of one policy give
equal models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

RuleKind = Literal["permission", "prohibition", "obligation", "duty"]


@dataclass(frozen=True, order=True)
class Iri:
    """An IRI value (a right operand, a request parameter...)."""

    value: str

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class Lit:
    """A literal value: lexical form, datatype IRI (``None`` for a plain string) and language."""

    lexical: str
    datatype: str | None = None
    language: str | None = None

    def __str__(self) -> str:
        return self.lexical


Term: TypeAlias = Iri | Lit


@dataclass(frozen=True)
class Constraint:
    """``leftOperand operator rightOperand`` (or a ``rightOperandReference``)."""

    iri: str
    left: str
    operator: str
    right: tuple[Term, ...] = ()
    right_reference: tuple[str, ...] = ()
    unit: str | None = None


@dataclass(frozen=True)
class LogicalConstraint:
    """``and``, ``or``, ``xone`` or ``andSequence`` over other constraints."""

    iri: str
    operator: str
    operands: tuple[ConstraintNode, ...]


ConstraintNode: TypeAlias = Constraint | LogicalConstraint


@dataclass(frozen=True)
class Action:
    iri: str
    refinements: tuple[ConstraintNode, ...] = ()


@dataclass(frozen=True)
class Asset:
    """A target; a collection when ``collection`` (membership is ``odrl:partOf`` in the state)."""

    iri: str
    collection: bool = False
    refinements: tuple[ConstraintNode, ...] = ()


@dataclass(frozen=True)
class Party:
    """An assignee or assigner; a collection when ``collection``."""

    iri: str
    collection: bool = False
    refinements: tuple[ConstraintNode, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One atomic rule. ``duties`` are a permission's duties, a prohibition's remedies or a
    duty's consequences, following the kind."""

    iri: str
    kind: RuleKind
    action: Action
    target: Asset | None = None
    assignee: Party | None = None
    assigner: Party | None = None
    constraints: tuple[ConstraintNode, ...] = ()
    duties: tuple[Rule, ...] = ()
    functions: tuple[tuple[str, str], ...] = ()
    """Other parties by function: ``(odrl:attributedParty, party IRI)``..."""


@dataclass(frozen=True)
class Policy:
    """A Set, Offer or Agreement with its atomic rules (``inheritFrom`` not yet merged)."""

    iri: str
    type: str
    rules: tuple[Rule, ...]
    profiles: tuple[str, ...] = ()
    conflict: str | None = None
    inherit_from: tuple[str, ...] = ()
    source: str = field(default="", compare=False)

    @property
    def permissions(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == "permission")

    @property
    def prohibitions(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == "prohibition")

    @property
    def obligations(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == "obligation")


def iter_constraints(nodes: tuple[ConstraintNode, ...]) -> list[Constraint]:
    """Every plain constraint under ``nodes``, depth first."""
    found: list[Constraint] = []
    for node in nodes:
        if isinstance(node, LogicalConstraint):
            found.extend(iter_constraints(node.operands))
        else:
            found.append(node)
    return found


def rule_constraints(rule: Rule) -> list[Constraint]:
    """Every constraint and refinement of a rule and of its duties."""
    nodes = list(rule.constraints) + list(rule.action.refinements)
    for holder in (rule.target, rule.assignee):
        if holder is not None:
            nodes.extend(holder.refinements)
    found = iter_constraints(tuple(nodes))
    for duty in rule.duties:
        found.extend(rule_constraints(duty))
    return found

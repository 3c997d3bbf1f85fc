"""Evaluate one atomic rule against a request: premise reports and the rule report."""

from __future__ import annotations

from .model import (
    Action,
    Asset,
    Constraint,
    ConstraintNode,
    Iri,
    LogicalConstraint,
    Party,
    Rule,
    Term,
)
from .operators import OPERATORS, apply
from .profile import Context, containers, resolve
from .report import DutyToPerform, PremiseKind, PremiseReport, RuleReport
from .vocab import CLASS_LEFT_OPERANDS, REPORT, action_ancestors

_FULFILLED = REPORT + "Fulfilled"
_VIOLATED = REPORT + "Violated"


def short(iri: str | None) -> str:
    """A readable name for an IRI: its last segment."""
    if not iri:
        return "(none)"
    for separator in ("#", "/", ":"):
        if separator in iri.rstrip(separator):
            return iri.rstrip(separator).rsplit(separator, 1)[1]
    return iri


def _show(value: Term) -> str:
    return short(value.value) if isinstance(value, Iri) else value.lexical


def _constraint(node: Constraint, ctx: Context) -> PremiseReport:
    def report(
        satisfied: bool = False,
        *,
        left: tuple[Term, ...] = (),
        right: tuple[Term, ...] = node.right,
        reason: str = "",
        unknown: str = "",
        fatal: str = "",
    ) -> PremiseReport:
        return PremiseReport(
            kind="constraint",
            satisfied=satisfied,
            constraint=node.iri,
            operator=node.operator or None,
            left=left,
            right=right,
            reason=reason,
            unknown=unknown,
            fatal=fatal,
        )

    if node.operator not in OPERATORS:
        return report(fatal=f"unknown operator {short(node.operator)} in constraint {node.iri}")
    resolved = resolve(node.left, ctx)
    if resolved.fatal:
        return report(fatal=f"{resolved.fatal} in constraint {node.iri}")
    right: list[Term] = list(node.right)
    for reference in node.right_reference:
        values = ctx.state.values.get(reference, ())
        if not values:
            return report(
                left=resolved.values,
                unknown="the state of the world gives no "
                f"value for the right operand reference {reference}",
            )
        right.extend(values)
    if resolved.missing:
        return report(right=tuple(right), unknown=resolved.missing)
    classes = node.left in CLASS_LEFT_OPERANDS
    outcome = apply(node.operator, resolved.values, tuple(right), ctx.state, classes=classes)
    if isinstance(outcome, str):
        return report(left=resolved.values, right=tuple(right), unknown=outcome)
    shown = ", ".join(_show(v) for v in resolved.values)
    wanted = ", ".join(_show(v) for v in right)
    verdict = "holds" if outcome else "does not hold"
    reason = f"{short(node.left)} {shown} {short(node.operator)} {wanted} {verdict}"
    return report(outcome, left=resolved.values, right=tuple(right), reason=reason)


def _logical(node: LogicalConstraint, ctx: Context) -> PremiseReport:
    children = tuple(evaluate_constraint(child, ctx) for child in node.operands)
    states = [
        True if c.satisfied else (None if c.unknown and not c.fatal else False) for c in children
    ]
    op = short(node.operator)
    result: bool | None
    if op in ("and", "andSequence"):
        result = False if False in states else (None if None in states else True)
    elif op == "or":
        result = True if True in states else (None if None in states else False)
    else:
        result = None if None in states else states.count(True) == 1
    unknown = "" if result is not None else next(c.unknown for c in children if c.unknown)
    return PremiseReport(
        kind="constraint",
        satisfied=bool(result),
        constraint=node.iri,
        logical=node.operator,
        premises=children,
        unknown=unknown,
        reason=f"{op} of {len(children)} constraints {'holds' if result else 'does not hold'}",
    )


def evaluate_constraint(node: ConstraintNode, ctx: Context) -> PremiseReport:
    """The premise report of one (logical) constraint."""
    if isinstance(node, LogicalConstraint):
        return _logical(node, ctx)
    return _constraint(node, ctx)


def _refined(
    kind: PremiseKind,
    matched: bool,
    reason: str,
    refinements: tuple[ConstraintNode, ...],
    ctx: Context,
) -> PremiseReport:
    children = tuple(evaluate_constraint(r, ctx) for r in refinements)
    satisfied = matched and all(c.satisfied for c in children)
    unknown = ""
    if matched and not satisfied and all(c.satisfied or c.unknown for c in children):
        unknown = next(c.unknown for c in children if c.unknown)
    fatal = next((c.fatal for c in children if c.fatal), "")
    return PremiseReport(
        kind=kind,
        satisfied=satisfied,
        reason=reason,
        premises=children,
        unknown=unknown,
        fatal=fatal,
    )


def _target(target: Asset | None, ctx: Context) -> PremiseReport:
    asked = ctx.request.target
    if target is None:
        return PremiseReport(kind="target", satisfied=True, reason="the rule applies to any asset")
    matched = asked is not None and (
        asked == target.iri or target.iri in containers(asked, ctx.state)
    )
    reason = f"{short(asked)} {'is' if matched else 'is not'} {short(target.iri)}"
    if matched and asked != target.iri:
        reason = f"{short(asked)} is part of {short(target.iri)}"
    return _refined("target", matched, reason, target.refinements, ctx)


def _party(assignee: Party | None, ctx: Context) -> PremiseReport:
    asked = ctx.request.party
    if assignee is None:
        return PremiseReport(kind="party", satisfied=True, reason="the rule applies to any party")
    matched = asked is not None and (
        asked == assignee.iri or assignee.iri in containers(asked, ctx.state)
    )
    who = short(asked) if asked else "an anonymous caller"
    reason = f"{who} {'is' if matched else 'is not'} {short(assignee.iri)}"
    if matched and asked != assignee.iri:
        reason = f"{who} is a member of {short(assignee.iri)}"
    return _refined("party", matched, reason, assignee.refinements, ctx)


def _action(action: Action, ctx: Context) -> PremiseReport:
    asked = ctx.request.action
    if not action.iri:  # ODRL CG formal semantics: an omitted action is any action
        return PremiseReport(kind="action", satisfied=True, reason="the rule applies to any action")
    matched = asked == action.iri or action.iri in action_ancestors().get(asked, ())
    reason = f"{short(asked)} {'is within' if matched else 'is not within'} {short(action.iri)}"
    return _refined("action", matched, reason, action.refinements, ctx)


_PERFORMANCE = {_FULFILLED: REPORT + "Performed", _VIOLATED: REPORT + "Unperformed"}


def _states(rule: str, ctx: Context) -> tuple[str, str]:
    """The deontic and performance states of a duty or obligation: as the state of the
    world reports them, else NonSet; the performance follows the deontic state when the
    report does not give it (Fulfilled: Performed, Violated: Unperformed, else Unknown)."""
    deontic = ctx.state.duty_states.get(rule, REPORT + "NonSet")
    performance = ctx.state.performance_states.get(rule) or _PERFORMANCE.get(
        deontic, REPORT + "Unknown"
    )
    return deontic, performance


def _duty(duty: Rule, ctx: Context) -> RuleReport:
    premises = [_party(duty.assignee, ctx)] if duty.assignee else []
    premises.extend(evaluate_constraint(c, ctx) for c in duty.constraints)
    deontic, performance = _states(duty.iri, ctx)
    active = all(p.satisfied or p.unknown for p in premises)
    consequences = tuple(_duty(c, ctx) for c in duty.duties) if deontic == _VIOLATED else ()
    return RuleReport(
        kind="duty",
        rule=duty.iri,
        active=active,
        attempted=duty.iri in ctx.state.duty_states,
        premises=tuple(premises),
        conditions=consequences,
        deontic=deontic,
        performance=performance,
        reason=f"duty to {short(duty.action.iri)}"
        + (" was violated" if deontic == _VIOLATED else ""),
    )


def evaluate_rule(rule: Rule, ctx: Context) -> RuleReport:
    """The report of one permission, prohibition or obligation for the request."""
    premises: list[PremiseReport] = [_party(rule.assignee, ctx)]
    if rule.kind != "obligation":  # an obligation's target and action are what must be done
        premises = [_target(rule.target, ctx), *premises, _action(rule.action, ctx)]
    premises.extend(evaluate_constraint(c, ctx) for c in rule.constraints)
    conditions = tuple(_duty(d, ctx) for d in rule.duties)
    satisfied = all(p.satisfied for p in premises)
    violated = [c for c in conditions if _unremedied(c) and rule.kind == "permission"]
    active = satisfied and not violated
    failing = next((p for p in premises if not p.satisfied), None)
    if failing is not None:
        reason = failing.fatal or failing.unknown or failing.reason
        reason = f"inactive: {reason}"
    elif violated:
        reason = f"inactive: its duty {violated[0].rule} was violated"
    else:
        reason = "active: " + "; ".join(p.reason for p in premises if p.reason)
    deontic = performance = None
    if rule.kind == "obligation":
        deontic, performance = _states(rule.iri, ctx)
    elif rule.iri in ctx.state.duty_states:  # a prohibition the state reports on
        deontic = ctx.state.duty_states[rule.iri]
    return RuleReport(
        kind=rule.kind,
        rule=rule.iri,
        active=active,
        attempted=True,
        premises=tuple(premises),
        conditions=conditions,
        deontic=deontic,
        performance=performance,
        reason=reason,
    )


def _unremedied(duty: RuleReport) -> bool:
    """A violated duty whose consequences are not all fulfilled (ODRL: fulfilling the
    consequences of a violated duty makes up for it)."""
    if duty.deontic != _VIOLATED:
        return False
    return not duty.conditions or any(c.deontic != _FULFILLED for c in duty.conditions)


def duties_to_perform(rule: Rule, report: RuleReport, policy: str) -> tuple[DutyToPerform, ...]:
    """The duties of an active rule still to perform: those whose own constraints do not
    fail and that the state of the world does not already report fulfilled."""
    found = []
    for duty, duty_report in zip(rule.duties, report.conditions, strict=True):
        if duty_report.active and duty_report.deontic != _FULFILLED:
            found.append(
                DutyToPerform(
                    rule=duty.iri,
                    action=duty.action.iri,
                    constraints=duty.constraints,
                    refinements=duty.action.refinements,
                    parties=duty.functions,
                    target=duty.target.iri if duty.target else None,
                    policy=policy,
                )
            )
    return tuple(found)

"""``evaluate(policy, request, state) -> Report``: the pure ODRL 2.2 decision.

Closed world: without an active permission the answer is deny. Fail closed: an unknown
profile, operator or left operand, an ``inheritFrom`` cycle or a missing parent, or a
prohibition that cannot be decided for lack of information, denies with that reason.
Conflicts between an active permission and an active prohibition follow the policy's
``odrl:conflict``: ``perm`` permits, ``prohibit`` denies, ``invalid`` (the default)
voids the policy, so it denies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from . import codes
from .model import Policy, Rule
from .profile import Context
from .report import DutyToPerform, Outcome, PolicyReport, Report, RuleReport
from .request import Request, State
from .rules import duties_to_perform, evaluate_rule, short
from .vocab import CONFLICT_TERMS, KNOWN_PROFILES, ODRL

_STRICTNESS = (ODRL + "perm", ODRL + "prohibit", ODRL + "invalid")


@dataclass(frozen=True)
class Merged:
    """A policy with its ``inheritFrom`` ancestors' rules merged in."""

    policy: Policy
    rules: tuple[Rule, ...]
    conflict: str
    profiles: tuple[str, ...]


def merge_inherited(policy: Policy, pool: Mapping[str, Policy]) -> Merged | str:
    """Merge the rules of every ancestor; a string says why that is impossible.

    The strictest explicit conflict strategy of the family wins (invalid > prohibit > perm);
    with none given, ``invalid``.
    """
    rules: list[Rule] = []
    conflicts: list[str] = []
    profiles: list[str] = []

    def visit(current: Policy, path: tuple[str, ...]) -> str:
        rules.extend(current.rules)
        profiles.extend(current.profiles)
        if current.conflict:
            conflicts.append(current.conflict)
        for parent_iri in current.inherit_from:
            if parent_iri in path:
                cycle = " → ".join((*path, parent_iri))
                return f"inheritFrom cycle: {cycle}"
            parent = pool.get(parent_iri)
            if parent is None:
                return f"policy {current.iri} inherits from {parent_iri}, which was not given"
            problem = visit(parent, (*path, parent_iri))
            if problem:
                return problem
        return ""

    problem = visit(policy, (policy.iri,))
    if problem:
        return problem
    unknown = [c for c in conflicts if c not in CONFLICT_TERMS]
    if unknown:
        return f"unknown conflict strategy {short(unknown[0])}"
    conflict = max(conflicts, key=_STRICTNESS.index) if conflicts else ODRL + "invalid"
    return Merged(policy, tuple(dict.fromkeys(rules)), conflict, tuple(dict.fromkeys(profiles)))


def _asked(request: Request) -> str:
    who = short(request.party) if request.party else "an anonymous caller"
    return f"{who} to {short(request.action)} {short(request.target)}"


def _pick_permission(active: list[tuple[Rule, RuleReport]]) -> tuple[Rule, RuleReport]:
    """The active permission with the fewest duties (then the smallest IRI)."""
    return min(active, key=lambda pair: (len(pair[0].duties), pair[0].iri))


def evaluate_policy(
    policy: Policy, request: Request, state: State, pool: Mapping[str, Policy]
) -> PolicyReport:
    """One policy's outcome (``permit``, ``deny`` or ``not-applicable``) for the request."""
    merged = merge_inherited(policy, pool)
    if isinstance(merged, str):
        return PolicyReport(
            policy=policy.iri, outcome="deny", reason=merged, code=codes.NOT_UNDERSTOOD
        )
    unknown_profiles = [p for p in merged.profiles if p not in KNOWN_PROFILES]
    if unknown_profiles:
        return PolicyReport(
            policy=policy.iri,
            outcome="deny",
            reason=f"unknown profile {unknown_profiles[0]}",
            code=codes.NOT_UNDERSTOOD,
        )
    if request.types:  # the request's own facts (a purpose instance's class) join the state's
        state = replace(state, types=state.types | request.types)
    ctx = Context(request=request, state=state, policy=policy.iri)
    pairs = [(rule, evaluate_rule(rule, ctx)) for rule in merged.rules]
    reports = tuple(report for _, report in pairs)

    def done(
        outcome: Outcome,
        reason: str,
        rule: str | None = None,
        duties: tuple[DutyToPerform, ...] = (),
        *,
        code: str,
        closest: str | None = None,
    ) -> PolicyReport:
        return PolicyReport(
            policy=policy.iri,
            outcome=outcome,
            reason=reason,
            rule=rule,
            rules=reports,
            duties=duties,
            code=code,
            closest=closest,
        )

    fatal = next(((rule, r.fatal) for rule, r in pairs if r.fatal), None)
    if fatal is not None:
        return done(
            "deny",
            f"policy {policy.iri} is not understood: {fatal[1]}",
            fatal[0].iri,
            code=codes.NOT_UNDERSTOOD,
        )
    permits = [(rule, r) for rule, r in pairs if rule.kind == "permission" and r.active]
    prohibits = [(rule, r) for rule, r in pairs if rule.kind == "prohibition" and r.active]
    undecided = [
        (rule, r) for rule, r in pairs if rule.kind == "prohibition" and not r.active and r.unknown
    ]
    if permits and (prohibits or undecided) and merged.conflict == ODRL + "perm":
        prohibits, undecided = [], []
    if prohibits and permits and merged.conflict == ODRL + "invalid":
        return done(
            "deny",
            f"policy {policy.iri} is void: permission {permits[0][0].iri} and "
            f"prohibition {prohibits[0][0].iri} both apply to {_asked(request)} and its "
            "conflict strategy is invalid",
            prohibits[0][0].iri,
            code=codes.CONFLICT,
        )
    if prohibits:
        rule, report = prohibits[0]
        return done(
            "deny",
            f"prohibition {rule.iri} forbids {_asked(request)} "
            f"({report.reason.removeprefix('active: ')})",
            rule.iri,
            code=codes.PROHIBITED,
        )
    if undecided:
        rule, report = undecided[0]
        return done(
            "deny",
            f"cannot tell whether prohibition {rule.iri} applies to "
            f"{_asked(request)}: {report.unknown}",
            rule.iri,
            code=codes.PROHIBITION_UNDECIDED,
        )
    if permits:
        rule, report = _pick_permission(permits)
        duties = duties_to_perform(rule, report, policy.iri)
        obligations = [(r, rep) for r, rep in pairs if r.kind == "obligation" and rep.active]
        for obligation, _ in obligations:
            duties += (
                DutyToPerform(
                    rule=obligation.iri,
                    action=obligation.action.iri,
                    constraints=obligation.constraints,
                    refinements=obligation.action.refinements,
                    parties=obligation.functions,
                    target=obligation.target.iri if obligation.target else None,
                    policy=policy.iri,
                ),
            )
        reason = f"permission {rule.iri} allows {_asked(request)}"
        if duties:
            reason += " with duties: " + ", ".join(short(d.action) for d in duties)
        return done("permit", reason, rule.iri, duties, code=codes.PERMITTED)
    why = [f"{rule.iri} is {report.reason}" for rule, report in pairs if rule.kind == "permission"]
    reason = f"no permission of policy {policy.iri} allows {_asked(request)}"
    closest, code = codes.closest_permission(pairs)
    why_text = ": " + "; ".join(why) if why else ""
    return done("not-applicable", reason + why_text, code=code, closest=closest)


def evaluate(
    policy: Policy | Sequence[Policy],
    request: Request,
    state: State,
    *,
    library: Sequence[Policy] = (),
) -> Report:
    """Decide ``request`` against one policy or several, in the given state of the world.

    ``library`` holds further policies that ``inheritFrom`` may name without being
    evaluated themselves. Several policies: any deny (prohibition, conflict, not
    understood) wins; otherwise the first permit; otherwise deny (closed world).

    >>> from policies import Request, State, parse_policy
    >>> p = parse_policy('{"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Set",'
    ...   '"uid": "http://ex.org/p", "permission": [{"uid": "http://ex.org/r",'
    ...   '"target": "http://ex.org/x", "action": "use"}]}')
    >>> r = Request(party="http://ex.org/alice", action="http://www.w3.org/ns/odrl/2/read",
    ...   target="http://ex.org/x")
    >>> evaluate(p, r, State()).decision
    'permit'
    """
    policies = [policy] if isinstance(policy, Policy) else list(policy)
    if not policies:
        return Report(
            decision="deny", reason="no policy was given", request=request.iri, code=codes.NO_POLICY
        )
    pool = {p.iri: p for p in [*library, *policies]}
    reports = tuple(evaluate_policy(p, request, state, pool) for p in policies)
    created = state.now.isoformat() if state.now else None
    for report in reports:
        if report.outcome == "deny":
            return Report(
                decision="deny",
                reason=report.reason,
                request=request.iri,
                rule=report.rule,
                policy=report.policy,
                policies=reports,
                created=created,
                code=report.code,
            )
    for report in reports:
        if report.outcome == "permit":
            return Report(
                decision="permit",
                reason=report.reason,
                request=request.iri,
                rule=report.rule,
                policy=report.policy,
                duties=report.duties,
                policies=reports,
                created=created,
                code=report.code,
            )
    reason = "; ".join(r.reason for r in reports)
    nearest = next((r for r in reports if r.closest), reports[0])
    return Report(
        decision="deny",
        reason=f"denied (not permitted): {reason}",
        request=request.iri,
        policies=reports,
        created=created,
        code=nearest.code,
        closest=nearest.closest,
    )

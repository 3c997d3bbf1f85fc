"""What a rule with an omitted action, target or assignee grants or forbids.

The ODRL Community Group's formal semantics matches a request against a rule's class of
actions, target and assignee "when they are specified"
(https://w3c.github.io/odrl/formal-semantics/, Semantics of Permissions): a permission or
prohibition that leaves one out applies to any action, asset or party. The evaluator reads
it so (:mod:`policies.rules`); ``guichet policy check`` warns, saying what the rule then
covers, since an author rarely means "every action" by forgetting one.
"""

from __future__ import annotations

from collections.abc import Sequence

from .check import Issue, term_name
from .model import Policy, Rule

_VERBS = {"permission": "permits", "prohibition": "forbids"}


def _omitted(rule: Rule) -> list[str]:
    found = []
    if not rule.action.iri:
        found.append("action")
    if rule.target is None:
        found.append("target")
    if rule.assignee is None:
        found.append("assignee")
    return found


def _grant(rule: Rule) -> str:
    action = term_name(rule.action.iri) if rule.action.iri else "every action"
    target = term_name(rule.target.iri) if rule.target else "every asset"
    party = term_name(rule.assignee.iri) if rule.assignee else "every party"
    return f"it {_VERBS[rule.kind]} {action} on {target} to {party}"


def rule_warnings(policy: Policy) -> list[Issue]:
    """One warning per permission or prohibition that omits its action, target or assignee.

    >>> from policies import parse_policy
    >>> p = parse_policy('{"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Set",'
    ...   '"uid": "urn:p", "permission": [{"target": "urn:x", "assignee": "urn:alice"}]}')
    >>> print(rule_warnings(p)[0].message)
    permission has no action: it permits every action on urn:x to urn:alice
    """
    found: dict[tuple[str, str], None] = {}
    for rule in policy.rules:
        missing = _omitted(rule)
        if rule.kind in _VERBS and missing:
            what = ", no ".join(missing)
            found[(rule.iri, f"{rule.kind} has no {what}: {_grant(rule)}")] = None
    source = policy.source or "<document>"
    return [Issue(source, term, message, severity="warning") for term, message in found]


def policies_warnings(policies: Sequence[Policy]) -> list[Issue]:
    """:func:`rule_warnings` of every policy."""
    return [issue for policy in policies for issue in rule_warnings(policy)]

"""ODRL 2.2 usage control for Guichet: parse policies, evaluate requests, report why.

The evaluator is pure: ``evaluate(policy, request, state) -> Report`` reads no clock,
does no I/O; the caller brings the time, memberships, counters and duty reports in the
``State``. Anything it does not understand makes it deny, with a reason.
"""

from .check import Issue, check_policies, check_policy
from .decision import evaluate, merge_inherited
from .errors import PolicyError
from .explain import Sentence, explain, explain_text
from .grants import policies_warnings, rule_warnings
from .loader import document_loader, jsonld_to_graph, parse_text
from .model import (
    Action,
    Asset,
    Constraint,
    ConstraintNode,
    Iri,
    Lit,
    LogicalConstraint,
    Party,
    Policy,
    Rule,
    Term,
)
from .parse import parse_policies, parse_policy, policies_from_graph
from .report import DutyToPerform, PolicyReport, PremiseReport, Report, RuleReport
from .request import Request, State, UsageCount, request_from_graph, state_from_graph
from .vocab import DPV, GP, ODRL, PROFILE, REPORT, SOTW

__all__ = [
    "DPV",
    "GP",
    "ODRL",
    "PROFILE",
    "REPORT",
    "SOTW",
    "Action",
    "Asset",
    "Constraint",
    "ConstraintNode",
    "DutyToPerform",
    "Iri",
    "Issue",
    "Lit",
    "LogicalConstraint",
    "Party",
    "Policy",
    "PolicyError",
    "PolicyReport",
    "PremiseReport",
    "Report",
    "Request",
    "Rule",
    "RuleReport",
    "Sentence",
    "State",
    "Term",
    "UsageCount",
    "check_policies",
    "check_policy",
    "document_loader",
    "evaluate",
    "explain",
    "explain_text",
    "jsonld_to_graph",
    "merge_inherited",
    "parse_policies",
    "parse_policy",
    "parse_text",
    "policies_from_graph",
    "policies_warnings",
    "request_from_graph",
    "rule_warnings",
    "state_from_graph",
]

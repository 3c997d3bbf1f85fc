"""RDF serialisation of a :class:`~policies.report.Report`.

FORCE terms (``https://w3id.org/force/compliance-report#``) carry the policy, rule and
premise reports. The decision itself has no FORCE term, so it uses ours:
``gui:Decision`` with ``gui:outcome gui:Permit|gui:Deny``, ``gui:decidingRule``,
``gui:decidingPolicy``, ``gui:duty`` and ``rdfs:comment`` for the reason; report nodes
are blank nodes.
"""

from __future__ import annotations

import json
from typing import Any

from pyld import jsonld
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from .model import Iri, Term
from .report import PolicyReport, PremiseReport, Report, RuleReport
from .vocab import DCT, GP, ODRL, REPORT, XSD

CR = Namespace(REPORT)
G = Namespace(GP)
_RULE_TYPES = {
    "permission": CR.PermissionReport,
    "prohibition": CR.ProhibitionReport,
    "obligation": CR.ObligationReport,
    "duty": CR.DutyReport,
}
_PREMISE_TYPES = {
    "target": CR.TargetReport,
    "party": CR.PartyReport,
    "action": CR.ActionReport,
    "constraint": CR.ConstraintReport,
}


def _term(term: Term) -> Node:
    if isinstance(term, Iri):
        return URIRef(term.value)
    if term.language:
        return Literal(term.lexical, lang=term.language, normalize=False)
    datatype = URIRef(term.datatype) if term.datatype else None
    return Literal(term.lexical, datatype=datatype, normalize=False)


def _premise(graph: Graph, report: PremiseReport) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, _PREMISE_TYPES[report.kind]))
    state = CR.Satisfied if report.satisfied else CR.Unsatisfied
    graph.add((node, CR.satisfactionState, state))
    if report.constraint:
        graph.add((node, CR.constraint, URIRef(report.constraint)))
    if report.operator:
        graph.add((node, CR.constraintOperator, URIRef(report.operator)))
    for value in report.left:
        graph.add((node, CR.constraintLeftOperand, _term(value)))
    for value in report.right:
        graph.add((node, CR.constraintRightOperand, _term(value)))
    if report.logical:
        graph.add((node, CR.constraintLogicalOperand, URIRef(report.logical)))
    for child in report.premises:
        graph.add((node, CR.premiseReport, _premise(graph, child)))
    reason = report.fatal or report.unknown or report.reason
    if reason:
        graph.add((node, RDFS.comment, Literal(reason, lang="en")))
    return node


def _rule(graph: Graph, report: RuleReport, request: str) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, _RULE_TYPES[report.kind]))
    graph.add((node, CR.rule, URIRef(report.rule)))
    if report.kind != "duty":
        graph.add((node, CR.ruleRequest, URIRef(request)))
    graph.add((node, CR.attemptState, CR.Attempted if report.attempted else CR.NotAttempted))
    graph.add((node, CR.activationState, CR.Active if report.active else CR.Inactive))
    if report.deontic:
        graph.add((node, CR.deonticState, URIRef(report.deontic)))
    if report.performance:
        graph.add((node, CR.performanceState, URIRef(report.performance)))
    for premise in report.premises:
        graph.add((node, CR.premiseReport, _premise(graph, premise)))
    for condition in report.conditions:
        graph.add((node, CR.conditionReport, _rule(graph, condition, request)))
    if report.reason:
        graph.add((node, RDFS.comment, Literal(report.reason, lang="en")))
    return node


def _policy(graph: Graph, report: PolicyReport, request: str, created: str | None) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, CR.PolicyReport))
    graph.add((node, CR.policy, URIRef(report.policy)))
    graph.add((node, CR.policyRequest, URIRef(request)))
    if created:
        stamp = Literal(created, datatype=URIRef(XSD + "dateTime"))
        graph.add((node, URIRef(DCT + "created"), stamp))
    for rule in report.rules:
        graph.add((node, CR.ruleReport, _rule(graph, rule, request)))
    graph.add((node, RDFS.comment, Literal(report.reason, lang="en")))
    return node


def report_graph(report: Report) -> Graph:
    """The report as an RDF graph."""
    graph = Graph()
    graph.bind("report", CR)
    graph.bind("gui", G)
    graph.bind("odrl", Namespace(ODRL))
    graph.bind("dct", Namespace(DCT))
    decision = BNode()
    graph.add((decision, RDF.type, G.Decision))
    graph.add((decision, G.outcome, G.Permit if report.permitted else G.Deny))
    graph.add((decision, RDFS.comment, Literal(report.reason, lang="en")))
    graph.add((decision, CR.policyRequest, URIRef(report.request)))
    if report.rule:
        graph.add((decision, G.decidingRule, URIRef(report.rule)))
    if report.policy:
        graph.add((decision, G.decidingPolicy, URIRef(report.policy)))
    for duty in report.duties:
        graph.add((decision, G.duty, URIRef(duty.rule)))
        graph.add((URIRef(duty.rule), URIRef(ODRL + "action"), URIRef(duty.action)))
    for policy in report.policies:
        node = _policy(graph, policy, report.request, report.created)
        graph.add((decision, G.policyReport, node))
    return graph


def report_jsonld(report: Report) -> str:
    """The report as JSON-LD: expanded form, keys sorted."""
    nquads = report_graph(report).serialize(format="nt")
    expanded: Any = jsonld.from_rdf(nquads, {"format": "application/n-quads"})
    return json.dumps(expanded, indent=2, sort_keys=True, ensure_ascii=False)

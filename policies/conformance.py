"""``guichet policy conformance DIR``: run a folder of test cases in the ODRL test suite's
format and say where our reports agree with the expected ones.

The format is that of the W3C ODRL CG's FORCE test suite (SolidLabResearch/ODRL-Test-Suite,
``data/test_cases/testcase-NNN-*.ttl``): a node ``a ex:TestCase`` (``ex:`` =
``http://example.org/``) names its ``ex:policy``, ``ex:request`` and ``ex:sotw`` by IRI and
holds its ``ex:expectedReport``, a FORCE ``report:PolicyReport`` whose rule reports give an
``activationState`` and premise reports (``PartyReport``, ``ActionReport``,
``TargetReport``, ``ConstraintReport`` by ``report:constraint``) a ``satisfactionState``.
Policy, request and state of the world live in other files of the folder (Turtle or
JSON-LD), found by the IRIs the case names.

Agreement is counted per expected activation state (Active, Inactive), per premise kind
and per deontic state of the duties a rule report names as conditions (the suite writes
those duty reports in the state of the world); a rule, premise or duty the expected report
names and ours lacks counts as a disagreement.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from .decision import evaluate
from .errors import PolicyError
from .loader import parse_text
from .parse import policies_from_graph
from .report import PremiseReport, RuleReport
from .request import request_from_graph, state_from_graph
from .vocab import ODRL, REPORT, SOTW, SUITE

EX = SUITE
REQUEST_TYPES = (SOTW + "EvaluationRequest", ODRL + "Request")
STATE_TYPES = (SOTW + "SotW", SUITE + "Sotw")
_R = REPORT
_KINDS = {
    _R + "PartyReport": "party",
    _R + "ActionReport": "action",
    _R + "TargetReport": "target",
    _R + "ConstraintReport": "constraint",
}


@dataclass
class Tally:
    """Agreements and totals by key (``Active``, ``party``...), and the cases that differ."""

    agree: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    differences: list[str] = field(default_factory=list)

    def count(self, key: str, agrees: bool, case: str, what: str) -> None:
        self.total[key] += 1
        if agrees:
            self.agree[key] += 1
        else:
            self.differences.append(f"{case}: {what}")


def _graphs(folder: Path) -> list[tuple[str, Graph]]:
    if not folder.is_dir():
        raise PolicyError(f"{folder}: not a folder")
    files = sorted(p for p in folder.rglob("*") if p.suffix in (".ttl", ".jsonld", ".json"))
    if not files:
        raise PolicyError(f"{folder}: no .ttl, .jsonld or .json file")
    return [(str(p), parse_text(p.read_text(encoding="utf-8"), name=str(p))) for p in files]


def _holding(graphs: list[tuple[str, Graph]], node: URIRef, kinds: tuple[str, ...] = ()) -> Graph:
    """The file describing ``node`` (typed with one of ``kinds`` when given)."""
    for _, graph in graphs:
        if (node, None, None) in graph and (
            not kinds or any((node, RDF.type, URIRef(k)) in graph for k in kinds)
        ):
            return graph
    raise PolicyError(f"no file of the folder describes {node}")


def _ours(reports: tuple[RuleReport, ...], rule: str) -> RuleReport | None:
    """Our report on ``rule``. A rule with several actions, targets or assignees is
    several atomic rules to us (ODRL 2.2 §2.5.1) and one report to the suite: it is
    active when one of its atomic rules is."""
    mine = [r for r in reports if r.rule == rule]
    return next((r for r in mine if r.active), mine[0] if mine else None)


def _premise(ours: RuleReport, kind: str, constraint: str | None) -> PremiseReport | None:
    for premise in ours.premises:
        if premise.kind == kind and (constraint is None or premise.constraint == constraint):
            return premise
    return None


def _check_case(
    case: URIRef, graphs: list[tuple[str, Graph]], where: str, graph: Graph, tally: Tally
) -> None:
    def one(predicate: str) -> URIRef:
        value = graph.value(case, URIRef(EX + predicate))
        if not isinstance(value, URIRef):
            raise PolicyError(f"test case {case}: no ex:{predicate} IRI")
        return value

    policy_iri = one("policy")
    policies = [
        p
        for p in policies_from_graph(_holding(graphs, policy_iri), source=str(policy_iri))
        if p.iri == str(policy_iri)
    ]
    request_iri = one("request")
    request_graph = _holding(graphs, request_iri, REQUEST_TYPES)
    request = request_from_graph(request_graph, subject=str(request_iri))
    state_graph = _holding(graphs, one("sotw"), STATE_TYPES)
    report = evaluate(policies, request, state_from_graph(state_graph))
    ours = report.policies[0].rules if report.policies else ()
    expected = graph.value(case, URIRef(EX + "expectedReport"))
    title = graph.value(case, URIRef("http://purl.org/dc/terms/title"))
    name = f"{Path(where).name}: {title or case}"  # titles repeat in the suite (066, 067)
    for rule_report in sorted(graph.objects(expected, URIRef(_R + "ruleReport")), key=str):
        rule = str(graph.value(rule_report, URIRef(_R + "rule")))
        state = str(graph.value(rule_report, URIRef(_R + "activationState")))
        mine = _ours(ours, rule)
        active = state == _R + "Active"
        label = state.removeprefix(_R)
        tally.count(label, mine is not None and mine.active == active, name, f"rule {rule} {label}")
        for premise in graph.objects(rule_report, URIRef(_R + "premiseReport")):
            kind = _KINDS.get(str(graph.value(premise, RDF.type)))
            if kind is None:
                continue
            constraint = graph.value(premise, URIRef(_R + "constraint"))
            wanted = graph.value(premise, URIRef(_R + "satisfactionState")) == URIRef(
                _R + "Satisfied"
            )
            found = _premise(mine, kind, str(constraint) if constraint else None) if mine else None
            agrees = found is not None and found.satisfied == wanted
            tally.count(kind, agrees, name, f"{kind} premise of {rule} expected {wanted}")
        conditions = mine.conditions if mine else ()
        for condition in sorted(
            graph.objects(rule_report, URIRef(_R + "conditionReport")), key=str
        ):
            _check_condition(condition, (graph, state_graph), conditions, name, tally)


def _check_condition(
    node: Node,
    graphs: tuple[Graph, ...],
    ours: tuple[RuleReport, ...],
    case: str,
    tally: Tally,
) -> None:
    """An expected duty report (in the case's file or, as the suite writes it, among the
    state of the world's reports): its deontic state against ours for the same duty."""
    for graph in graphs:
        duty = graph.value(node, URIRef(_R + "rule"))
        state = graph.value(node, URIRef(_R + "deonticState"))
        if duty is not None and state is not None:
            label = str(state).removeprefix(_R)
            mine = next((c for c in ours if c.rule == str(duty)), None)
            agrees = mine is not None and mine.deontic == str(state)
            tally.count(label, agrees, case, f"duty {duty} {label}")
            return


def run_folder(folder: Path) -> Tally:
    """Run every ``ex:TestCase`` found in ``folder``'s files."""
    graphs = _graphs(folder)
    tally = Tally()
    cases = [
        (case, path, graph)
        for path, graph in graphs
        for case in sorted(graph.subjects(RDF.type, URIRef(EX + "TestCase")), key=str)
        if isinstance(case, URIRef)
    ]
    if not cases:
        raise PolicyError(f"{folder}: no ex:TestCase (<{EX}TestCase>) found")
    for case, path, graph in cases:
        _check_case(case, graphs, path, graph, tally)
    return tally


def conformance_text(tally: Tally) -> str:
    """The agreement table, then every difference."""
    lines = ["agreement with the expected reports:"]
    for group, keys in (
        ("activation", ("Active", "Inactive")),
        ("premise", tuple(_KINDS.values())),
        ("duty", ("NonSet", "Fulfilled", "Violated")),
    ):
        for key in keys:
            if tally.total[key]:
                lines.append(f"  {group} {key}: {tally.agree[key]}/{tally.total[key]}")
    lines.extend(f"differs: {line}" for line in tally.differences)
    return "\n".join(lines)

"""RDF graph → frozen policy model (compact policies expanded into atomic rules).

Parsing is lenient about content: a missing action or operator becomes an empty
string that :mod:`policies.check` names and that the evaluator refuses. It only
raises ``PolicyError`` when a document holds no policy at all.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import PolicyError
from .loader import parse_text
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
    RuleKind,
    Term,
)
from .vocab import LOGICAL_OPERATORS, ODRL, POLICY_TYPES, party_functions


def _u(name: str) -> URIRef:
    return URIRef(ODRL + name)


_RULE_LINKS: tuple[tuple[str, RuleKind], ...] = (
    ("permission", "permission"),
    ("prohibition", "prohibition"),
    ("obligation", "obligation"),
)
_NESTED = {"permission": "duty", "prohibition": "remedy", "duty": "consequence"}


class GraphReader:
    """Walks one graph; names blank nodes by a hash of their content."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    # -- plumbing -----------------------------------------------------------------------
    def objects(self, node: Node, name: str) -> list[Node]:
        """Values of ``odrl:<name>``: several values in a stable order, an RDF list in its own."""
        found: list[Node] = []
        for obj in sorted(self.graph.objects(node, _u(name)), key=self.describe):
            found.extend(self._unroll(obj))
        return found

    def _unroll(self, node: Node) -> list[Node]:
        if node == RDF.nil:
            return []
        first = self.graph.value(node, RDF.first)
        if first is None:
            return [node]
        rest = self.graph.value(node, RDF.rest)
        return [first, *(self._unroll(rest) if rest is not None else [])]

    def describe(self, node: Node, depth: int = 0) -> str:
        """Canonical text of a node and (for blank nodes) its content."""
        if isinstance(node, URIRef):
            return f"<{node}>"
        if isinstance(node, Literal):
            return f'"{node}"^^{node.datatype}@{node.language}'
        if depth > 12:
            return "[...]"
        parts = sorted(
            f"{p} {self.describe(o, depth + 1)}" for p, o in self.graph.predicate_objects(node)
        )
        return "[" + "; ".join(parts) + "]"

    def name(self, node: Node, prefix: str) -> str:
        if isinstance(node, URIRef):
            return str(node)
        digest = hashlib.sha256(self.describe(node).encode()).hexdigest()[:16]
        return f"urn:guichet:{prefix}:{digest}"

    def iri(self, node: Node | None) -> str:
        if node is None:
            return ""
        if isinstance(node, BNode):
            value = self.graph.value(node, RDF.value)
            return self.iri(value) if value is not None else self.name(node, "node")
        return str(node)

    # -- terms --------------------------------------------------------------------------
    def term(self, node: Node) -> Term:
        if isinstance(node, Literal):
            datatype = str(node.datatype) if node.datatype is not None else None
            return Lit(str(node), datatype, node.language)
        if isinstance(node, BNode):
            value = self.graph.value(node, RDF.value)
            if value is not None:
                return self.term(value)
        return Iri(self.iri(node))

    def constraints(self, node: Node, link: str) -> tuple[ConstraintNode, ...]:
        return tuple(self.constraint(c) for c in self.objects(node, link))

    def constraint(self, node: Node) -> ConstraintNode:
        for operator in sorted(LOGICAL_OPERATORS):
            operands = self.objects(node, operator.removeprefix(ODRL))
            if operands:
                return LogicalConstraint(
                    iri=self.name(node, "constraint"),
                    operator=operator,
                    operands=tuple(self.constraint(o) for o in operands),
                )
        unit = self.graph.value(node, _u("unit"))
        return Constraint(
            iri=self.name(node, "constraint"),
            left=self.iri(self.graph.value(node, _u("leftOperand"))),
            operator=self.iri(self.graph.value(node, _u("operator"))),
            right=tuple(self.term(o) for o in self.objects(node, "rightOperand")),
            right_reference=tuple(self.iri(o) for o in self.objects(node, "rightOperandReference")),
            unit=str(unit) if unit is not None else None,
        )

    def _is_collection(self, node: Node, kind: str) -> bool:
        types = set(self.graph.objects(node, RDF.type))
        return _u(kind) in types or bool(self.objects(node, "source"))

    def action(self, node: Node) -> Action:
        return Action(iri=self.iri(node), refinements=self.constraints(node, "refinement"))

    def asset(self, node: Node) -> Asset:
        source = self.objects(node, "source")
        return Asset(
            iri=self.iri(source[0]) if source else self.iri(node),
            collection=self._is_collection(node, "AssetCollection"),
            refinements=self.constraints(node, "refinement"),
        )

    def party(self, node: Node) -> Party:
        source = self.objects(node, "source")
        return Party(
            iri=self.iri(source[0]) if source else self.iri(node),
            collection=self._is_collection(node, "PartyCollection"),
            refinements=self.constraints(node, "refinement"),
        )

    # -- rules --------------------------------------------------------------------------
    def rules(self, node: Node, kind: RuleKind, defaults: dict[str, list[Node]]) -> list[Rule]:
        """Atomic rules of one rule node, with the policy's compact properties as defaults."""

        def pick(link: str) -> list[Node | None]:
            own: Sequence[Node] = self.objects(node, link) or defaults.get(link, [])
            return list(own) or [None]

        nested_kind: RuleKind = "duty"
        nested_defaults = {"assignee": list(self.objects(node, "assignee"))}
        if not nested_defaults["assignee"]:
            nested_defaults["assignee"] = defaults.get("assignee", [])
        nested = tuple(
            rule
            for child in self.objects(node, _NESTED.get(kind, "consequence"))
            for rule in self.rules(child, nested_kind, nested_defaults if kind != "duty" else {})
        )
        constraints = self.constraints(node, "constraint")
        rules = []
        links = ("action", "target", "assignee", "assigner")
        combos = itertools.product(*(pick(link) for link in links))
        for action, target, assignee, assigner in combos:
            rules.append(
                Rule(
                    iri=self.name(node, kind),
                    kind=kind,
                    action=self.action(action) if action is not None else Action(iri=""),
                    target=self.asset(target) if target is not None else None,
                    assignee=self.party(assignee) if assignee is not None else None,
                    assigner=self.party(assigner) if assigner is not None else None,
                    constraints=constraints,
                    duties=nested,
                    functions=self.functions(node),
                )
            )
        return rules

    def functions(self, node: Node) -> tuple[tuple[str, str], ...]:
        return tuple(
            (function, self.party(party).iri)
            for function in sorted(party_functions())
            for party in self.objects(node, function.removeprefix(ODRL))
        )

    def policy(self, node: Node, source: str) -> Policy:
        types = sorted(str(t) for t in self.graph.objects(node, RDF.type))
        policy_type = next((t for t in types if t in POLICY_TYPES and t != ODRL + "Policy"), None)
        defaults = {
            link: list(self.objects(node, link))
            for link in ("action", "target", "assignee", "assigner")
        }
        rules: list[Rule] = []
        for link, kind in _RULE_LINKS:
            for child in self.objects(node, link):
                rules.extend(self.rules(child, kind, defaults))
        conflict = self.graph.value(node, _u("conflict"))
        return Policy(
            iri=self.name(node, "policy"),
            type=policy_type or (ODRL + "Policy" if ODRL + "Policy" in types else ""),
            rules=tuple(rules),
            profiles=tuple(self.iri(p) for p in self.objects(node, "profile")),
            conflict=self.iri(conflict) if conflict is not None else None,
            inherit_from=tuple(self.iri(p) for p in self.objects(node, "inheritFrom")),
            source=source,
        )

    def policy_nodes(self) -> list[Node]:
        typed = {s for t in POLICY_TYPES for s in self.graph.subjects(RDF.type, URIRef(t))}
        requests = set(self.graph.subjects(RDF.type, _u("Request")))
        rule_holders = {s for link, _ in _RULE_LINKS for s in self.graph.subjects(_u(link), None)}
        return sorted((typed | rule_holders) - requests, key=self.describe)


def policies_from_graph(graph: Graph, *, source: str = "") -> list[Policy]:
    """Every policy in ``graph``; ``PolicyError`` if there is none."""
    reader = GraphReader(graph)
    nodes = reader.policy_nodes()
    if not nodes:
        raise PolicyError(
            f"{source or '<document>'}: no ODRL policy found (no Set, Offer, "
            "Agreement or node with a permission, prohibition or obligation)"
        )
    return [reader.policy(node, source) for node in nodes]


def parse_policies(text: str, *, name: str = "<document>", fmt: str | None = None) -> list[Policy]:
    """Parse every policy in a JSON-LD or Turtle text.

    >>> doc = '{"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Set",'
    >>> doc += ' "uid": "http://example.com/p", "permission": [{"action": "use"}]}'
    >>> [p.iri for p in parse_policies(doc)]
    ['http://example.com/p']
    """
    return policies_from_graph(parse_text(text, name=name, fmt=fmt), source=name)


def parse_policy(text: str, *, name: str = "<document>", fmt: str | None = None) -> Policy:
    """Parse a document holding exactly one policy."""
    found = parse_policies(text, name=name, fmt=fmt)
    if len(found) != 1:
        raise PolicyError(f"{name}: expected one policy, found {len(found)}")
    return found[0]

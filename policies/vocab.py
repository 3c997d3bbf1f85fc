"""Namespaces and the immutable vocabularies bundled in ``policies/data``.

Everything here is a constant: the bundled Turtle files are parsed once, on first
use, into frozen mappings. Nothing is fetched from the network.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef

from .errors import PolicyError

ODRL = "http://www.w3.org/ns/odrl/2/"
REPORT = "https://w3id.org/force/compliance-report#"
SOTW = "https://w3id.org/force/sotw#"
# The ODRL test suite's own terms (SolidLabResearch/ODRL-Test-Suite): test cases and, in
# its earlier state-of-the-world form, ``[] a ex:Sotw; ex:includes temp:currentTime``
# with ``temp:currentTime dct:issued`` the current time (``temp:`` is its request
# namespace).
SUITE = "http://example.org/"
SUITE_NOW = "http://example.com/request/currentTime"
# The city profile's own terms live in the project ontology's namespace (``gui:``).
GP = "https://w3id.org/guichet/ontology#"
PROFILE = "https://w3id.org/guichet/odrl-profile"
DPV = "https://w3id.org/dpv#"
AREA = "https://w3id.org/guichet/area/"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
ODRL_CONTEXT_URL = "http://www.w3.org/ns/odrl.jsonld"

_OPERATOR_NAMES = "eq neq lt lteq gt gteq isA hasPart isPartOf isAllOf isAnyOf isNoneOf"
OPERATORS = frozenset(ODRL + name for name in _OPERATOR_NAMES.split(" "))
LOGICAL_OPERATORS = frozenset(ODRL + name for name in ("and", "or", "xone", "andSequence"))
CONFLICT_TERMS = frozenset(ODRL + name for name in ("perm", "prohibit", "invalid"))
POLICY_TYPES = frozenset(
    ODRL + name
    for name in ("Policy", "Set", "Offer", "Agreement", "Privacy", "Ticket", "Assertion")
)

# Left operands this evaluator resolves (ODRL core ones, then the city profile's own).
SUPPORTED_LEFT_OPERANDS = frozenset(
    [
        ODRL + n
        for n in (
            "dateTime",
            "elapsedTime",
            "count",
            "purpose",
            "recipient",
            "spatial",
            "deliveryChannel",
        )
    ]
    + [GP + n for n in ("aggregationLevel", "dailyCount", "role", "groupSize", "subjectCount")]
)
# Left operands whose values are classes (or instances of them): DPV purposes.
CLASS_LEFT_OPERANDS = frozenset([ODRL + "purpose"])
KNOWN_PROFILES = frozenset([PROFILE])

_DATA = "policies.data"


def data_text(name: str) -> str:
    """Text of one bundled data file (``odrl22.ttl``, ``odrl.context.jsonld``...)."""
    return resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")


@cache
def _graph(name: str) -> Graph:
    graph = Graph()
    graph.parse(data=data_text(name), format="turtle")
    return graph


_COMMUNES = "communes.csv"
EPCI = AREA + "epci-241700434"  # Communauté d'agglomération de La Rochelle
_INSEE = re.compile(r"(?:\d[\dAB]|97)\d{3}")  # a commune code of the COG (2A/2B: Corsica)


@cache
def communes() -> tuple[tuple[str, str], ...]:
    """``(INSEE code, name)`` of the agglomeration's communes, by code: the one list,
    ``policies/data/communes.csv``, of which the areas and the demo's register are built.

    >>> ("17300", "La Rochelle") in communes()
    True
    """
    return parse_communes(data_text(_COMMUNES), f"policies/data/{_COMMUNES}")


def parse_communes(text: str, where: str) -> tuple[tuple[str, str], ...]:
    """``(code, name)`` rows of a ``code_insee,nom,source`` CSV text (``#`` lines are
    comments), by code; :class:`PolicyError` naming ``where`` and the line if one is wrong."""
    found: dict[str, str] = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or row[0].startswith("#") or row == ["code_insee", "nom", "source"]:
            continue
        if len(row) != 3 or not _INSEE.fullmatch(row[0]) or not row[1].strip():
            raise PolicyError(
                f"{where}, line {number}: expected 'code_insee,nom,source' with a "
                f"5-character INSEE code and a name, got {row!r}"
            )
        if row[0] in found:
            raise PolicyError(f"{where}, line {number}: commune {row[0]} is listed twice")
        found[row[0]] = row[1].strip()
    if not found:
        raise PolicyError(f"{where}: no commune listed")
    return tuple(sorted(found.items()))


@cache
def areas_graph() -> Graph:
    """``areas.ttl`` (department, agglomeration) with one ``gui:Commune`` per row of
    ``communes.csv``, part of the agglomeration."""
    graph = Graph()
    graph.parse(data=data_text("areas.ttl"), format="turtle")
    for code, name in communes():
        area = URIRef(f"{AREA}commune-{code}")
        graph.add((area, RDF.type, URIRef(GP + "Commune")))
        graph.add((area, SKOS.notation, Literal(code)))
        graph.add((area, RDFS.label, Literal(name)))
        graph.add((area, URIRef(DCT + "isPartOf"), URIRef(EPCI)))
    return graph


def _closure(edges: Mapping[str, frozenset[str]]) -> Mapping[str, frozenset[str]]:
    """Transitive closure of a child → parents relation (cycles tolerated)."""
    result: dict[str, frozenset[str]] = {}
    for start in edges:
        seen: set[str] = set()
        todo = list(edges[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        result[start] = frozenset(seen)
    return MappingProxyType(result)


def _edges(graph: Graph, predicate: URIRef) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for child, parent in graph.subject_objects(predicate):
        if isinstance(child, URIRef) and isinstance(parent, URIRef):
            found.setdefault(str(child), set()).add(str(parent))
    return {key: frozenset(value) for key, value in found.items()}


@cache
def action_ancestors() -> Mapping[str, frozenset[str]]:
    """Action → every action that includes it: ``odrl:includedIn`` (transitive), and
    ``skos:exactMatch`` between two actions both ways (the vocabulary's deprecated
    actions name their replacement so: ``write`` is ``modify``, ``export`` is
    ``transform``). ``odrl:implies`` is not inclusion (it says another action "is not
    prohibited") and no action of the bundled vocabulary uses it."""
    graph = _graph("odrl22.ttl")
    edges = {k: set(v) for k, v in _edges(graph, URIRef(ODRL + "includedIn")).items()}
    actions = odrl_terms("Action")
    for old, new in _edges(graph, SKOS.exactMatch).items():
        for match in new & actions if old in actions else ():
            edges.setdefault(old, set()).add(match)
            edges.setdefault(match, set()).add(old)
    return _closure({key: frozenset(value) for key, value in edges.items()})


@cache
def odrl_terms(kind: str) -> frozenset[str]:
    """IRIs typed ``odrl:<kind>`` in the ODRL 2.2 vocabulary (Action, LeftOperand...)."""
    graph = _graph("odrl22.ttl")
    return frozenset(str(s) for s in graph.subjects(RDF.type, URIRef(ODRL + kind)))


@cache
def party_functions() -> frozenset[str]:
    """Party function properties (``odrl:attributedParty``...) but assigner and assignee."""
    graph = _graph("odrl22.ttl")
    found = graph.subjects(RDFS.subPropertyOf, URIRef(ODRL + "function"))
    return frozenset(str(s) for s in found) - {ODRL + "assigner", ODRL + "assignee"}


@cache
def profile_superclasses() -> Mapping[str, frozenset[str]]:
    """Class → all its superclasses over the bundled DPV purposes, areas and recipients."""
    edges: dict[str, frozenset[str]] = {}
    for graph in (_graph("dpv-purposes.ttl"), _graph("recipients.ttl"), areas_graph()):
        for key, value in _edges(graph, RDFS.subClassOf).items():
            edges[key] = edges.get(key, frozenset()) | value
    return _closure(edges)


@cache
def profile_types() -> Mapping[str, frozenset[str]]:
    """Instance → its direct ``rdf:type`` classes in the bundled profile data."""
    return MappingProxyType(_edges(areas_graph(), RDF.type))


@cache
def area_containers() -> Mapping[str, frozenset[str]]:
    """Area → every area containing it (``dct:isPartOf``, transitive)."""
    return _closure(_edges(areas_graph(), URIRef(DCT + "isPartOf")))


def _preload() -> None:
    """Parse the bundled vocabularies now, so that evaluation never reads a file."""
    action_ancestors()
    party_functions()
    profile_superclasses()
    profile_types()
    area_containers()
    for kind in ("Action", "LeftOperand"):
        odrl_terms(kind)


_preload()

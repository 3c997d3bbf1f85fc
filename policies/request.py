"""Evaluation requests and the state of the world, as values and from RDF.

Two request forms are read: the FORCE ``sotw:EvaluationRequest`` (requesting party,
requested action, requested target, request parameters each describing a feature)
and the ODRL ``odrl:Request`` (a policy whose one permission is what is asked for;
its ``eq``/``isAnyOf`` constraints give the request parameters).

The state of the world carries what the evaluator may not find out by itself: the
current time, ``odrl:partOf`` memberships, ``rdf:type`` facts, duty reports, usage
counters and agreement dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import PolicyError
from .model import Iri, Lit, Term
from .parse import GraphReader
from .vocab import DCT, GP, ODRL, REPORT, SOTW, SUITE, SUITE_NOW, XSD

# FORCE request features → the left operand they give a value to. sotw:Purpose,
# sotw:TemporalData and sotw:DeliveryChannel are FORCE's; the others are ours.
FEATURES = MappingProxyType(
    {
        SOTW + "Purpose": ODRL + "purpose",
        SOTW + "TemporalData": ODRL + "dateTime",
        SOTW + "DeliveryChannel": ODRL + "deliveryChannel",
        SOTW + "Recipient": ODRL + "recipient",
        SOTW + "Spatial": ODRL + "spatial",
        SOTW + "Role": GP + "role",
        SOTW + "GroupSize": GP + "groupSize",
        SOTW + "SubjectCount": GP + "subjectCount",
        SOTW + "AggregationLevel": GP + "aggregationLevel",
    }
)


@dataclass(frozen=True)
class Request:
    """Who asks to do what on which asset, with the parameters constraints look at.

    ``parameters`` maps a left operand IRI (``odrl:purpose``...) to its values; ``types``
    holds the request's own ``(instance, class)`` facts, e.g. a purpose instance
    ``ex:purpose a dpv:AccountManagement`` (FORCE test suite, cases 074-075).
    """

    party: str | None
    action: str
    target: str | None
    parameters: Mapping[str, tuple[Term, ...]] = field(default_factory=dict)
    iri: str = "urn:guichet:request"
    types: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def create(
        cls,
        *,
        party: str | None,
        action: str,
        target: str | None,
        purpose: tuple[str, ...] = (),
        recipient: tuple[str, ...] = (),
        spatial: tuple[str, ...] = (),
        delivery_channel: tuple[str, ...] = (),
        roles: tuple[str, ...] = (),
        group_size: int | None = None,
        subject_count: int | None = None,
        aggregation_level: str | None = None,
        iri: str = "urn:guichet:request",
    ) -> Request:
        """A request from plain IRIs, e.g. ``Request.create(party=p, action=ODRL+"read",
        target=d, purpose=(DPV+"ScientificResearch",))``."""
        params: dict[str, tuple[Term, ...]] = {}
        for left, values in (
            (ODRL + "purpose", purpose),
            (ODRL + "recipient", recipient),
            (ODRL + "spatial", spatial),
            (ODRL + "deliveryChannel", delivery_channel),
            (GP + "role", roles),
        ):
            if values:
                params[left] = tuple(Iri(v) for v in values)
        if group_size is not None:
            params[GP + "groupSize"] = (Lit(str(group_size), XSD + "integer"),)
        if subject_count is not None:
            params[GP + "subjectCount"] = (Lit(str(subject_count), XSD + "integer"),)
        if aggregation_level is not None:
            params[GP + "aggregationLevel"] = (Lit(aggregation_level, XSD + "duration"),)
        return cls(party=party, action=action, target=target, parameters=params, iri=iri)


@dataclass(frozen=True)
class UsageCount:
    """How many times ``party`` already did ``action`` on ``target`` (None: any), over
    ``period`` (an xsd:duration such as ``P1D`` for today; None: ever)."""

    count: int
    party: str | None = None
    target: str | None = None
    action: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class State:
    """The state of the world: everything time- or history-dependent the caller knows."""

    now: datetime | None = None
    part_of: frozenset[tuple[str, str]] = frozenset()
    types: frozenset[tuple[str, str]] = frozenset()
    subclass_of: frozenset[tuple[str, str]] = frozenset()
    duty_states: Mapping[str, str] = field(default_factory=dict)
    performance_states: Mapping[str, str] = field(default_factory=dict)
    """A duty's or obligation's FORCE ``performanceState`` as the state reports it."""
    counters: tuple[UsageCount, ...] = ()
    agreement_dates: Mapping[str, datetime] = field(default_factory=dict)
    values: Mapping[str, tuple[Term, ...]] = field(default_factory=dict)
    iri: str = "urn:guichet:state"


def _s(name: str) -> URIRef:
    return URIRef(SOTW + name)


def _first(graph: Graph, node: Node, predicate: URIRef) -> Node | None:
    values = sorted(graph.objects(node, predicate), key=str)
    return values[0] if values else None


def _time(node: Node | None, graph: Graph, where: str) -> datetime | None:
    if node is None:
        return None
    if not isinstance(node, Literal):
        return _time(_first(graph, node, URIRef(DCT + "issued")), graph, where)
    try:
        return datetime.fromisoformat(str(node).replace("z", "Z"))
    except ValueError as exc:
        raise PolicyError(f"{where}: {str(node)!r} is not an xsd:dateTime") from exc


def request_from_graph(
    graph: Graph, *, name: str = "<request>", subject: str | None = None
) -> Request:
    """The one request in ``graph`` (FORCE EvaluationRequest or ODRL Request form), or the
    request ``subject`` among several."""
    reader = GraphReader(graph)
    force = sorted(graph.subjects(RDF.type, _s("EvaluationRequest")), key=reader.describe)
    odrl = sorted(graph.subjects(RDF.type, URIRef(ODRL + "Request")), key=reader.describe)
    if subject is not None:
        force = [n for n in force if str(n) == subject]
        odrl = [n for n in odrl if str(n) == subject]
    elif len(force) + len(odrl) > 1:
        shown = ", ".join(reader.name(n, "request") for n in (*force, *odrl))
        raise PolicyError(f"{name}: several requests ({shown}); say which one")
    if force:
        node = force[0]
        params: dict[str, list[Term]] = {}
        for param in sorted(graph.objects(node, _s("requestParameter")), key=reader.describe):
            feature = _first(graph, param, _s("describesFeature"))
            left = FEATURES.get(str(feature), str(feature)) if feature is not None else ""
            params.setdefault(left, []).extend(
                reader.term(v) for v in graph.objects(param, _s("value"))
            )
        return Request(
            party=_opt(graph.value(node, _s("requestingParty"))),
            action=str(graph.value(node, _s("requestedAction")) or ""),
            target=_opt(graph.value(node, _s("requestedTarget"))),
            parameters={k: tuple(v) for k, v in params.items() if k},
            iri=reader.name(node, "request"),
            types=_pairs(graph, RDF.type),
        )
    if not odrl:
        missing = f" {subject}" if subject is not None else ""
        raise PolicyError(f"{name}: no sotw:EvaluationRequest nor odrl:Request{missing} found")
    permissions = reader.objects(odrl[0], "permission")
    if len(permissions) != 1:
        raise PolicyError(f"{name}: an odrl:Request must hold exactly one permission")
    rule = permissions[0]
    params = {}
    for constraint in reader.objects(rule, "constraint"):
        operand = graph.value(constraint, URIRef(ODRL + "leftOperand"))
        if operand is not None:
            params.setdefault(str(operand), []).extend(
                reader.term(v) for v in reader.objects(constraint, "rightOperand")
            )
    return Request(
        party=_opt(_first(graph, rule, URIRef(ODRL + "assignee"))),
        action=reader.iri(_first(graph, rule, URIRef(ODRL + "action"))),
        target=_opt(_first(graph, rule, URIRef(ODRL + "target"))),
        parameters={k: tuple(v) for k, v in params.items()},
        iri=reader.name(odrl[0], "request"),
        types=_pairs(graph, RDF.type),
    )


def _opt(node: Node | None) -> str | None:
    return str(node) if node is not None else None


def _pairs(graph: Graph, predicate: URIRef) -> frozenset[tuple[str, str]]:
    return frozenset(
        (str(s), str(o)) for s, o in graph.subject_objects(predicate) if isinstance(o, URIRef)
    )


def _suite_now(graph: Graph, name: str) -> datetime | None:
    """The test suite's earlier form of "now": ``temp:currentTime dct:issued T``, or the
    one resource an ``ex:Sotw`` ``ex:includes`` that has a ``dct:issued``."""
    issued = URIRef(DCT + "issued")
    if (URIRef(SUITE_NOW), issued, None) in graph:
        return _time(URIRef(SUITE_NOW), graph, name)
    dated = {
        node
        for sotw in graph.subjects(RDF.type, URIRef(SUITE + "Sotw"))
        for node in graph.objects(sotw, URIRef(SUITE + "includes"))
        if (node, issued, None) in graph
    }
    if len(dated) > 1:
        shown = ", ".join(sorted(str(n) for n in dated))
        raise PolicyError(f"{name}: several included resources give a time ({shown})")
    return _time(dated.pop(), graph, name) if dated else None


def state_from_graph(graph: Graph, *, name: str = "<state>") -> State:
    """The state of the world described in ``graph``: FORCE ``sotw:SotW`` vocabulary, or
    the test suite's earlier ``ex:Sotw`` form for the current time."""
    reader = GraphReader(graph)
    now = None
    for holder in sorted(graph.subjects(_s("currentTime"), None), key=reader.describe):
        now = _time(_first(graph, holder, _s("currentTime")), graph, name)
    if now is None:
        now = _suite_now(graph, name)
    duty_states = _reported(graph, "deonticState")
    performance_states = _reported(graph, "performanceState")
    counters = []
    for node in graph.subjects(RDF.type, _s("UsageCount")):
        count = graph.value(node, _s("count"))
        if count is None or not str(count).isdigit():
            raise PolicyError(f"{name}: sotw:UsageCount without a whole sotw:count")
        counters.append(
            UsageCount(
                count=int(str(count)),
                party=_opt(graph.value(node, _s("party"))),
                target=_opt(graph.value(node, _s("target"))),
                action=_opt(graph.value(node, _s("action"))),
                period=_opt(graph.value(node, _s("period"))),
            )
        )
    dates = {}
    for subject, issued in graph.subject_objects(URIRef(DCT + "issued")):
        if isinstance(subject, URIRef) and isinstance(issued, Literal):
            moment = _time(issued, graph, name)
            if moment is not None:
                dates[str(subject)] = moment
    values: dict[str, list[Term]] = {}
    for subject, value in graph.subject_objects(RDF.value):
        values.setdefault(str(subject), []).append(reader.term(value))
    return State(
        now=now,
        part_of=_pairs(graph, URIRef(ODRL + "partOf")),
        types=_pairs(graph, RDF.type),
        subclass_of=_pairs(graph, RDFS.subClassOf),
        duty_states=duty_states,
        performance_states=performance_states,
        counters=tuple(sorted(counters, key=repr)),
        agreement_dates=dates,
        values={k: tuple(v) for k, v in values.items()},
        iri=str(_state_node(graph) or "urn:guichet:state"),
    )


def _reported(graph: Graph, state: str) -> dict[str, str]:
    """Rule IRI → the ``state`` (``deonticState``...) the state's rule reports give it."""
    return {
        str(graph.value(report, URIRef(REPORT + "rule"))): str(value)
        for report, value in graph.subject_objects(URIRef(REPORT + state))
        if graph.value(report, URIRef(REPORT + "rule")) is not None
    }


def _state_node(graph: Graph) -> Node | None:
    for kind in (_s("SotW"), URIRef(SUITE + "Sotw")):
        found = sorted(graph.subjects(RDF.type, kind), key=str)
        if found:
            return found[0]
    return None

"""Loading the ontology and the shapes as rdflib graphs (parsed once, copied out); the
closure of a resource in a graph."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from functools import cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, URIRef
from rdflib.term import Node

from ontology._files import ONTOLOGY_DIR, OWN_FILES, SHAPES_FILE, STANDARD_FILES, STANDARDS_DIR
from ontology.errors import OntologyError

_DECLARING_TYPES = frozenset(
    {
        RDFS.Class,
        OWL.Class,
        RDF.Property,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDFS.Datatype,
    }
)


def _parse(path: Path, into: Graph) -> None:
    try:
        into.parse(path, format="turtle")
    except (OSError, SyntaxError, ValueError) as exc:  # rdflib raises BadSyntax (a SyntaxError)
        raise OntologyError(f"ontology file {path.name}: cannot be read as Turtle: {exc}") from exc


@cache
def _parsed(standards: bool) -> Graph:
    graph = Graph()
    for name in OWN_FILES:
        _parse(ONTOLOGY_DIR / name, graph)
    if standards:
        for name in STANDARD_FILES:
            _parse(STANDARDS_DIR / name, graph)
    return graph


@cache
def _parsed_shapes() -> Graph:
    graph = Graph()
    _parse(SHAPES_FILE, graph)
    return graph


def _copy(graph: Graph) -> Graph:
    out = Graph()
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace, override=True, replace=True)
    out += graph
    return out


def load_graph(*, standards: bool = True) -> Graph:
    """Our ontology, the declarations of external terms and (by default) the bundled
    standard ontologies, as one graph.

    Files are parsed once per process; each call returns a fresh copy the caller may
    modify.

    >>> from rdflib import RDFS, URIRef
    >>> g = load_graph(standards=False)
    >>> (URIRef("https://w3id.org/guichet/ontology#MaterialLine"), RDFS.subClassOf,
    ...  URIRef("http://www.w3.org/ns/prov#Entity")) in g
    True
    """
    return _copy(_parsed(standards))


@cache
def defined_terms() -> frozenset[str]:
    """Every IRI :func:`load_graph` declares: typed as a class, property or datatype, or
    the subject of an ``rdfs:label`` or ``rdfs:isDefinedBy``."""
    graph = _parsed(True)
    terms: set[str] = set()
    for declaring in _DECLARING_TYPES:
        terms.update(str(s) for s in graph.subjects(RDF.type, declaring) if isinstance(s, URIRef))
    for predicate in (RDFS.label, RDFS.isDefinedBy):
        terms.update(str(s) for s in graph.subjects(predicate, None) if isinstance(s, URIRef))
    return frozenset(terms)


def shapes_graph() -> Graph:
    """The SHACL shapes of the entity model (``shapes.ttl``), a fresh copy per call."""
    return _copy(_parsed_shapes())


def closure(graph: Graph, start: Node, stop: Collection[Node]) -> Iterator[tuple[Node, Node, Node]]:
    """The triples about ``start`` and, recursively, about what they point to in ``graph``
    (a dataset's policy, rules, distributions...), not crossing into ``stop`` (other
    datasets, the catalogs)."""
    seen, todo = {start}, [start]
    while todo:
        subject = todo.pop()
        for _, p, o in graph.triples((subject, None, None)):
            yield subject, p, o
            if o not in seen and o not in stop and isinstance(o, URIRef | BNode):
                seen.add(o)
                todo.append(o)

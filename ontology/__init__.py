"""The Guichet vocabulary: our ontology, the standards it aligns to, the JSON-LD context
and the SHACL shapes of the entity model — all read from this package, never the network.

    >>> from ontology import defined_terms, load_graph
    >>> "https://w3id.org/bot#Building" in defined_terms()
    True

Files: ``guichet.ttl`` (our terms, aligned to BOT, SOSA/SSN, QUDT, GeoSPARQL, DCAT, PROV),
``external-terms.ttl`` (minimal declarations of the non-bundled terms we use),
``standards/`` (bundled standard ontologies, origins in ``standards/SOURCES.md``),
``context.jsonld`` (the ``@context`` of our JSON-LD), ``shapes.ttl`` (SHACL),
``units.csv`` (QUDT units known to the unit converter).
"""

from ontology._context import CONTEXT_IRI, ODRL_CONTEXT_IRI, context, document_loader, known_urls
from ontology._files import ONTOLOGY_DIR
from ontology._graphs import closure, defined_terms, load_graph, shapes_graph

__all__ = [
    "CONTEXT_IRI",
    "ODRL_CONTEXT_IRI",
    "ONTOLOGY_DIR",
    "closure",
    "context",
    "defined_terms",
    "document_loader",
    "known_urls",
    "load_graph",
    "shapes_graph",
]

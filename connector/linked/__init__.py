"""The linked-data face of a node: entity IRIs, JSON-LD, Turtle, the DCAT catalog.

Every document is derived from :mod:`connector.model`, the same mapping the GraphQL
schema uses, so a field means the same thing whichever face a client reads; every
entity view applies the node's one usage decision (:class:`LinkedViews`).

>>> entity_iri("http://127.0.0.1:8101", "Building", "PG46YY6YJW8N")
'http://127.0.0.1:8101/id/building/PG46YY6YJW8N'
"""

from connector.linked._catalog import catalog_document
from connector.linked._documents import (
    JSONLD,
    TURTLE,
    entity_base,
    entity_iri,
    expanded_entity,
    negotiate,
    to_jsonld,
    to_turtle,
)
from connector.linked._views import LinkedViews, problem

__all__ = [
    "JSONLD",
    "TURTLE",
    "LinkedViews",
    "catalog_document",
    "entity_base",
    "entity_iri",
    "expanded_entity",
    "negotiate",
    "problem",
    "to_jsonld",
    "to_turtle",
]

"""The entity model: one mapping from GraphQL types and fields to ontology terms.

Every face of a node (GraphQL schema, JSON-LD, Turtle, DCAT, SHACL checks) is derived
from this registry, so the meaning of a field is written down exactly once.

IRIs are written compact with the prefixes of :data:`PREFIXES` (the same prefixes as
``ontology/context.jsonld``); :func:`expand` turns them into full IRIs.

Modules: :mod:`.terms` (prefixes and the types of fields, relations and entities),
:mod:`.entities` (the registry itself).
"""

from connector.model.entities import ENTITIES, PRODUCT
from connector.model.terms import (
    EQ_OPS,
    GUICHET,
    PREFIXES,
    RANGE_OPS,
    XSD_TYPES,
    EntityType,
    Field,
    FilterOp,
    Relation,
    ScalarType,
    expand,
)

__all__ = [
    "ENTITIES",
    "EQ_OPS",
    "GUICHET",
    "PREFIXES",
    "PRODUCT",
    "RANGE_OPS",
    "XSD_TYPES",
    "EntityType",
    "Field",
    "FilterOp",
    "Relation",
    "ScalarType",
    "expand",
]

"""The entity model's vocabulary: prefixes, fields, relations, entity types.

What a field, a relation and an entity type are, and how compact IRIs expand, apart from
which entities a node serves (:mod:`connector.model.entities`): the faces, the sources and
the checks reason about these types, the registry only instantiates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GUICHET = "https://w3id.org/guichet/ontology#"

PREFIXES: dict[str, str] = {
    "gui": GUICHET,
    "bot": "https://w3id.org/bot#",
    "sosa": "http://www.w3.org/ns/sosa/",
    "ssn": "http://www.w3.org/ns/ssn/",
    "qudt": "http://qudt.org/schema/qudt/",
    "unit": "http://qudt.org/vocab/unit/",
    "quantitykind": "http://qudt.org/vocab/quantitykind/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}

ScalarType = Literal["ID", "String", "Int", "Float", "Boolean", "DateTime", "RnbId"]
FilterOp = Literal["eq", "in", "gt", "gte", "lt", "lte", "within"]

EQ_OPS: tuple[FilterOp, ...] = ("eq", "in")
RANGE_OPS: tuple[FilterOp, ...] = ("eq", "in", "gt", "gte", "lt", "lte")

XSD_TYPES: dict[str, str] = {
    "ID": "xsd:string",
    "String": "xsd:string",
    "RnbId": "xsd:string",
    "Int": "xsd:integer",
    "Float": "xsd:double",
    "Boolean": "xsd:boolean",
    "DateTime": "xsd:dateTime",
}


def expand(curie: str) -> str:
    """Expand a compact IRI: ``expand("bot:Building") == "https://w3id.org/bot#Building"``."""
    prefix, sep, local = curie.partition(":")
    if sep and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    return curie


@dataclass(frozen=True)
class Field:
    """A scalar field of an entity type.

    ``unit`` is the canonical QUDT unit of a quantity: sources declaring another unit
    are converted into it; ``unit_from`` instead names the field of the same entity whose
    value is this one's unit (an observation's result). ``ref`` names the entity type a
    foreign key points to; its ontology property links the two entities in RDF.
    """

    name: str
    iri: str
    type: ScalarType
    description: str
    unit: str | None = None
    unit_from: str | None = None
    ref: str | None = None
    filters: tuple[FilterOp, ...] = EQ_OPS
    sortable: bool = False
    required: bool = False
    datatype: str | None = None

    @property
    def xsd(self) -> str:
        """The RDF datatype of the field's literals."""
        return self.datatype or XSD_TYPES[self.type]


@dataclass(frozen=True)
class Relation:
    """A one-to-many link: ``parent.<name>`` lists the ``target`` entities whose
    ``via`` field holds the parent's key."""

    name: str
    iri: str
    target: str
    via: str
    description: str
    paged: bool = True
    """False: every child, no arguments (a whole bill, for ``@requires``), at most the
    node's maximum page size."""


@dataclass(frozen=True)
class EntityType:
    name: str
    iri: str
    key: str
    path: str
    description: str
    fields: tuple[Field, ...]
    relations: tuple[Relation, ...] = ()
    default_order: tuple[str, ...] = ()
    subject: str | None = None
    """The field naming what a row is about: the dwelling of an energy use, the room of a
    reading. Aggregates count distinct subjects per group; for personal data they are the
    data subjects, and a group must hold enough of them (``[usage] min_subjects``)."""

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

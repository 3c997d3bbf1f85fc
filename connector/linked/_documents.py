"""Linked-data faces of entities: IRIs, JSON-LD (compacted with our context) and Turtle.

Both faces are derived from :mod:`connector.model`, the same mapping the GraphQL schema
uses, so a field means the same thing whichever face a client reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from pyld import jsonld
from rdflib import Graph

import ontology
from connector.config import NodeConfig
from connector.model import ENTITIES, PREFIXES, EntityType, expand
from connector.precision import presented

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
JSONLD = "application/ld+json"
TURTLE = "text/turtle"


def entity_iri(base: str, entity: str, key: object) -> str:
    return f"{base}/id/{ENTITIES[entity].path}/{quote(str(key), safe='/')}"


def entity_base(config: NodeConfig, entity: str) -> str:
    """The base IRI of the node that owns ``entity`` data (this one unless configured)."""
    return config.references.get(entity, config.base_iri)


def _literal(value: object, datatype: str) -> dict[str, Any]:
    """A JSON-LD value object: plain strings, native doubles and booleans, typed others."""
    if datatype == "xsd:string":
        return {"@value": str(value)}
    if datatype in ("xsd:double", "xsd:boolean") and isinstance(value, int | float | bool):
        return {"@value": float(value) if datatype == "xsd:double" else value}
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return {"@value": text, "@type": expand(datatype)}


def expanded_entity(
    config: NodeConfig,
    entity: EntityType,
    row: Mapping[str, object],
    relations: Mapping[str, list[object]] | None = None,
) -> dict[str, Any]:
    """The entity as an expanded JSON-LD node object, its numbers to their unit's
    precision (:mod:`connector.precision`)."""
    row = presented(entity, row)
    key = row[entity.key]
    node: dict[str, Any] = {
        "@id": entity_iri(config.base_iri, entity.name, key),
        "@type": [expand(entity.iri)],
    }
    for f in entity.fields:
        value = row.get(f.name)
        if value is None:
            continue
        obj = (
            {"@id": entity_iri(entity_base(config, f.ref), f.ref, value)}
            if f.ref
            else _literal(value, f.xsd)
        )
        node.setdefault(expand(f.iri), []).append(obj)
    for rel in entity.relations:
        for child in (relations or {}).get(rel.name, []):
            target = entity_iri(entity_base(config, rel.target), rel.target, child)
            node.setdefault(expand(rel.iri), []).append({"@id": target})
    return node


def to_jsonld(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Compact expanded node objects with our context (served from the bundle)."""
    doc: Any = nodes if len(nodes) != 1 else nodes[0]
    compacted: dict[str, Any] = jsonld.compact(
        doc, ontology.CONTEXT_IRI, options={"documentLoader": ontology.document_loader}
    )
    return compacted


def to_turtle(nodes: list[dict[str, Any]]) -> str:
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    graph.parse(data=json.dumps(nodes), format="json-ld")
    text: str = graph.serialize(format="turtle")
    return text


def negotiate(accept: str | None, offers: tuple[str, ...] = (JSONLD, TURTLE)) -> str | None:
    """Pick the best of ``offers`` for an Accept header (q-values honoured).

    ``application/json`` and ``*/*`` get JSON-LD; ``None`` when nothing acceptable."""
    if not accept:
        return offers[0]
    choices: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        media = media.lower()
        if media == "application/json":
            media = JSONLD
        if media in ("*/*", "application/*") and q > 0:
            choices.append((q, -i, offers[0]))
        elif media == "text/*" and q > 0 and TURTLE in offers:
            choices.append((q, -i, TURTLE))
        elif media in offers and q > 0:
            choices.append((q, -i, media))
    return max(choices)[2] if choices else None

"""The node's DCAT 3 catalog: one ``dcat:Dataset`` per configured dataset, each with its
ODRL policy (``odrl:hasPolicy``), the entity types and properties it covers, and the
GraphQL endpoint serving it (``dcat:DataService``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from pyld.jsonld import JsonLdError

import ontology
from connector.computed import COMPUTED
from connector.config import DatasetConfig, NodeConfig
from connector.errors import PolicyError
from connector.model import ENTITIES, PREFIXES, expand
from connector.usage import DatasetPolicy


def _dataset(config: NodeConfig, ds: DatasetConfig, policy: DatasetPolicy | None) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": ds.iri,
        "@type": [expand("dcat:Dataset")],
        expand("dcterms:identifier"): [{"@value": ds.id}],
        expand("dcterms:title"): [{"@value": ds.title}],
        expand("dcterms:publisher"): [{"@id": ds.publisher}],
        expand("gui:personalData"): [{"@value": ds.personal_data}],
        expand("dcat:distribution"): [
            {
                "@type": [expand("dcat:Distribution")],
                expand("dcat:accessService"): [{"@id": f"{config.base_iri}/graphql"}],
                expand("dcterms:format"): [{"@value": "application/graphql-response+json"}],
            }
        ],
    }
    if ds.description:
        node[expand("dcterms:description")] = [{"@value": ds.description}]
    if ds.keywords:
        node[expand("dcat:keyword")] = [{"@value": k} for k in ds.keywords]
    if ds.themes:
        node[expand("dcat:theme")] = [{"@id": t} for t in ds.themes]
    if ds.spatial:
        node[expand("dcterms:spatial")] = [{"@id": a} for a in ds.spatial]
    covered_types, covered_props = [], []
    for ent, fields in ds.entities.items():
        entity = ENTITIES[ent]
        covered_types.append({"@id": expand(entity.iri)})
        names = config.entities[ent].fields if "*" in fields else fields
        covered_props += [
            {"@id": expand(c.iri if (c := COMPUTED.get((ent, f))) else entity.field(f).iri)}
            for f in names
        ]
    node[expand("gui:coversType")] = covered_types
    node[expand("gui:coversProperty")] = list({p["@id"]: p for p in covered_props}.values())
    if policy is not None and policy.expanded is not None:
        node[expand("odrl:hasPolicy")] = policy.expanded
    if config.usage.enforce and (policy is None or policy.error):
        node[expand("gui:policyError")] = [
            {"@value": "the policy is missing or not understood; the dataset is not served"}
        ]
    return node


def catalog_document(config: NodeConfig, policies: Mapping[str, DatasetPolicy]) -> dict[str, Any]:
    """The catalog, compacted with the standard prefixes."""
    catalog = {
        "@id": f"{config.base_iri}/catalog",
        "@type": [expand("dcat:Catalog")],
        expand("dcterms:title"): [{"@value": f"{config.title} — catalogue"}],
        expand("dcterms:publisher"): [{"@id": config.participant}],
        expand("dcat:service"): [
            {
                "@id": f"{config.base_iri}/graphql",
                "@type": [expand("dcat:DataService")],
                expand("dcat:endpointURL"): [{"@id": f"{config.base_iri}/graphql"}],
                expand("dcterms:conformsTo"): [{"@id": "https://spec.graphql.org/"}],
            }
        ],
        expand("dcat:dataset"): [
            _dataset(config, ds, policies.get(ds.id)) for ds in config.datasets.values()
        ],
    }
    try:
        compacted: dict[str, Any] = jsonld.compact(
            catalog,
            {"@context": dict(PREFIXES)},
            options={"documentLoader": ontology.document_loader},
        )
    except JsonLdError as exc:
        raise PolicyError(f"cannot compact the catalog: {exc}") from exc
    return compacted

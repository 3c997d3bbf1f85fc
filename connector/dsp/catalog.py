"""The node's datasets as the Dataspace Protocol's ``Catalog`` and ``Dataset``.

A dataset appears when a consumer could negotiate for it: its policy is served (loaded
and understood) and holds at least one ``odrl:Offer``. The DSP schema requires every
``Dataset`` to carry an Offer, and an Offer is what the protocol negotiates; a dataset
whose policy is only an ``odrl:Set`` is used under that Set through the node's other
faces and is listed in ``/catalog``, not here.

The Offers are the node's own (:attr:`DatasetPolicy.offers`, the ones ``acceptOffer``
accepts), compacted with the protocol's ODRL context; ``odrl:target`` is left out
because the DSP schema forbids it on an Offer inside a Dataset (the Dataset is the
target). Terms outside that context keep their full IRIs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdError

from connector.config import DatasetConfig, NodeConfig
from connector.dsp.schemas import CONTEXT, ODRL_PROFILE, document_loader
from connector.errors import PolicyError
from connector.usage import DatasetPolicy

ODRL_TARGET = "http://www.w3.org/ns/odrl/2/target"
FORMAT = "HttpData-PULL"
"""The distribution's ``format``: the transfer type EDC-family connectors name a pull over
HTTP by. Not defined by the DSP text itself (it leaves ``format`` to the data space)."""


def offer_document(offer: Mapping[str, Any]) -> dict[str, Any]:
    """One expanded ``odrl:Offer`` in the protocol's compact form, without its target."""
    node = {k: v for k, v in offer.items() if k != ODRL_TARGET}
    try:
        compacted: dict[str, Any] = jsonld.compact(
            node,
            ODRL_PROFILE,
            # a resolver of its own: pyld's shared cache keeps the documents it resolved and
            # writes into an ``@import``ed one (``@propagate``), which it then trips on
            options={
                "documentLoader": document_loader,
                "contextResolver": ContextResolver({}, document_loader),
            },
        )
    except JsonLdError as exc:
        raise PolicyError(f"cannot compact the offer {offer.get('@id')}: {exc}") from exc
    compacted.pop("@context", None)
    return compacted


def negotiable(
    config: NodeConfig, policies: Mapping[str, DatasetPolicy]
) -> list[tuple[DatasetConfig, DatasetPolicy]]:
    """The datasets a consumer can negotiate for, in the configuration's order."""
    found = []
    for ds in config.datasets.values():
        policy = policies.get(ds.id)
        if policy is not None and policy.served and policy.offers:
            found.append((ds, policy))
    return found


def find(
    config: NodeConfig, policies: Mapping[str, DatasetPolicy], name: str
) -> tuple[DatasetConfig, DatasetPolicy] | None:
    """A negotiable dataset by its ``@id`` (its IRI) or its short identifier."""
    for ds, policy in negotiable(config, policies):
        if name in (ds.iri, ds.id):
            return ds, policy
    return None


def _service(config: NodeConfig) -> dict[str, Any]:
    return {
        "@id": f"{config.base_iri}/graphql",
        "@type": "DataService",
        "endpointURL": f"{config.base_iri}/graphql",
    }


def dataset_node(config: NodeConfig, ds: DatasetConfig, policy: DatasetPolicy) -> dict[str, Any]:
    """A ``Dataset`` (without ``@context``): its Offers and its one distribution."""
    node: dict[str, Any] = {
        "@id": ds.iri,
        "@type": "Dataset",
        "dct:identifier": ds.id,
        "dct:title": ds.title,
        "hasPolicy": [offer_document(o) for _, o in sorted(policy.offers.items())],
        "distribution": [
            {
                "@type": "Distribution",
                "format": FORMAT,
                "accessService": _service(config),
            }
        ],
    }
    if ds.description:
        node["dct:description"] = ds.description
    return node


def dataset_document(
    config: NodeConfig, ds: DatasetConfig, policy: DatasetPolicy
) -> dict[str, Any]:
    """The answer to a ``DatasetRequestMessage``."""
    return {"@context": [CONTEXT], **dataset_node(config, ds, policy)}


def catalog_document(config: NodeConfig, policies: Mapping[str, DatasetPolicy]) -> dict[str, Any]:
    """The answer to a ``CatalogRequestMessage``: the node's one catalog."""
    doc: dict[str, Any] = {
        "@context": [CONTEXT],
        "@id": f"{config.base_iri}/catalog",
        "@type": "Catalog",
        "participantId": config.participant,
        "dct:title": f"{config.title} — catalogue",
        "service": [_service(config)],
    }
    datasets = [dataset_node(config, ds, p) for ds, p in negotiable(config, policies)]
    if datasets:  # the schema's ``minItems: 1``: an empty catalog leaves the key out
        doc["dataset"] = datasets
    return doc

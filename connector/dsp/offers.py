"""Offers compared, and the node's answer to a request chosen.

Two offers are the same when their ODRL statements are (their rules, assigner...; not
their target, title or description): both expanded with the protocol's JSON-LD context,
then written as canonical N-Quads, blank nodes named by URDNA2015. The ``@id`` counts:
an offer under another ``@id`` is another offer.

A request for one of the node's datasets whose offer is not exactly one of ours is a
counter-offer. The node does not take it: it answers with its own Offer for that dataset
(:func:`classify` says which: the one whose ``@id`` the request named, else the dataset's
only Offer; with several and none named there is nothing to answer with).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdError

from connector.config import NodeConfig
from connector.dsp.catalog import ODRL_TARGET, find
from connector.dsp.schemas import CONTEXT, document_loader
from connector.usage import DatasetPolicy

ODRL = "http://www.w3.org/ns/odrl/2/"
DSPACE = "https://w3id.org/dspace/2025/1/"
UNREADABLE = (JsonLdError, ValueError, KeyError, TypeError)
"""What reading an offer as JSON-LD may raise: the offer is then refused as unreadable."""


def _options() -> dict[str, Any]:
    return {
        "documentLoader": document_loader,
        "contextResolver": ContextResolver({}, document_loader),
    }


def canonical(offer: Mapping[str, Any]) -> str:
    """An expanded Offer's ODRL statements as canonical N-Quads."""
    node = {k: v for k, v in offer.items() if k.startswith(ODRL) and k != ODRL_TARGET}
    node["@id"] = offer.get("@id", "_:offer")
    node["@type"] = offer.get("@type", [])
    options = {**_options(), "algorithm": "URDNA2015", "format": "application/n-quads"}
    found: str = jsonld.normalize(node, options)
    return found


def sent_offer(message: Mapping[str, Any]) -> dict[str, Any]:
    """A message's ``offer``, expanded with the message's own context (a further context
    is never fetched: the offer is then unreadable)."""
    (expanded,) = jsonld.expand(dict(message), _options())
    (offer,) = expanded[DSPACE + "offer"]
    if not isinstance(offer, dict):
        raise ValueError("the offer is not a JSON-LD node")
    return offer


def same_offer(message: Mapping[str, Any], asked: Mapping[str, Any]) -> bool:
    """Whether ``message``'s offer is ``asked`` (an offer in the protocol's compact form,
    as a request of ours carried it). Raises one of :data:`UNREADABLE`."""
    wrapped = {"@context": [CONTEXT], "@type": "ContractRequestMessage", "offer": dict(asked)}
    return canonical(sent_offer(message)) == canonical(sent_offer(wrapped))


@dataclass(frozen=True)
class Asked:
    """What a ContractRequestMessage asks of this node."""

    dataset: str
    """The dataset's id in the configuration."""
    offer: str | None
    """Our Offer the request is about: the one it names, else the dataset's only one;
    ``None`` when the dataset has several and the request names none of them."""
    same: bool
    """The request's offer is exactly that Offer (no counter-offer)."""
    digest: str
    """SHA-256 of the request's offer, canonical: a repeated counter-offer is known."""
    named: str
    """The ``@id`` the request's offer has."""


def classify(
    config: NodeConfig, policies: Mapping[str, DatasetPolicy], message: Mapping[str, Any]
) -> Asked | str:
    """What the request asks, or why it is no request to this node at all."""
    offer = message["offer"]
    target = offer.get("target")
    if not isinstance(target, str):
        return "offer.target: the dataset the offer is for is required"
    found = find(config, policies, target)
    if found is None:
        return f"offer.target: no dataset {target!r} is offered for negotiation here"
    ds, policy = found
    try:
        theirs = canonical(sent_offer(message))
    except UNREADABLE as exc:
        return f"offer: not readable as JSON-LD with the protocol's context: {exc}"
    digest = hashlib.sha256(theirs.encode()).hexdigest()
    named = str(offer["@id"])
    ours = policy.offers.get(named)
    if ours is not None:
        return Asked(ds.id, named, canonical(ours) == theirs, digest, named)
    only = next(iter(policy.offers)) if len(policy.offers) == 1 else None
    return Asked(ds.id, only, False, digest, named)


def several(policy: DatasetPolicy, named: str, iri: str) -> str:
    """Why a counter-offer naming none of several Offers gets no offer in answer."""
    return (
        f"offer.@id: {named!r} is none of the offers of dataset {iri}, which has "
        f"{len(policy.offers)} ({', '.join(sorted(policy.offers))}): a counter-offer must "
        "name the one it counters"
    )

"""The start of contract negotiation (DSP 2025-1 HTTPS binding), provider side::

    POST /dsp/negotiations/request          ContractRequestMessage -> 201 ContractNegotiation
    GET  /dsp/negotiations/{providerPid}    -> ContractNegotiation

The request must name one of the node's Offers by its ``@id``, with ``target`` the
dataset that holds it, and its ODRL content must be that Offer's, as the catalog
publishes it (compared as RDF, after JSON-LD expansion with the protocol's context):
a counter-offer is refused, not silently replaced by ours. Only an identified participant
(a bearer token) may negotiate; a negotiation is shown only to the party that started it
(anyone else gets 404, as the binding asks).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.config import NodeConfig
from connector.dsp.catalog import ODRL_TARGET, find
from connector.dsp.negotiations import Negotiation, NegotiationStore
from connector.dsp.schemas import CONTEXT, document_loader
from connector.dsp.views import MEDIA, challenge, error, read_message
from connector.errors import AuthError
from connector.identity.asgi import caller
from connector.usage import DatasetPolicy

ODRL = "http://www.w3.org/ns/odrl/2/"
DSPACE = "https://w3id.org/dspace/2025/1/"
KIND = "ContractNegotiationError"
PIDS = ("providerPid", "consumerPid")


def negotiation_error(
    status: int,
    reason: str,
    message: object = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A ``ContractNegotiationError`` with the pids the message carried, else ``""`` (the
    schema requires both, and a refused first request has no ``providerPid``)."""
    pids = message if isinstance(message, dict) else {}
    fields = {k: v if isinstance(v := pids.get(k), str) else "" for k in PIDS}
    return error(KIND, status, reason, headers=headers, fields=fields)


def negotiation_unauthorized(exc: AuthError) -> Response:
    return negotiation_error(401, str(exc), headers=challenge(exc))


def _canonical(offer: Mapping[str, Any]) -> str:
    """The Offer's ODRL statements (its rules, assigner...; not its target, title or
    description) as canonical N-Quads, blank nodes named by URDNA2015."""
    node = {k: v for k, v in offer.items() if k.startswith(ODRL) and k != ODRL_TARGET}
    node["@id"] = offer.get("@id", "_:offer")
    node["@type"] = offer.get("@type", [])
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
        "contextResolver": ContextResolver({}, document_loader),
    }
    canonical: str = jsonld.normalize(node, options)
    return canonical


def _sent_offer(message: dict[str, Any]) -> dict[str, Any]:
    """The message's offer, expanded with the protocol's context."""
    options = {
        "documentLoader": document_loader,
        "contextResolver": ContextResolver({}, document_loader),
    }
    (expanded,) = jsonld.expand(message, options)
    (offer,) = expanded[DSPACE + "offer"]
    assert isinstance(offer, dict)
    return offer


def _document(n: Negotiation) -> dict[str, Any]:
    return {
        "@context": [CONTEXT],
        "@type": "ContractNegotiation",
        "providerPid": n.provider_pid,
        "consumerPid": n.consumer_pid,
        "state": n.state,
    }


class NegotiationViews:
    def __init__(
        self,
        config: NodeConfig,
        policies: Mapping[str, DatasetPolicy],
        store: NegotiationStore,
        clock: Callable[[], datetime],
    ) -> None:
        self.config, self.policies, self.store, self.clock = config, policies, store, clock

    def _check_offer(self, message: dict[str, Any]) -> tuple[str, str] | str:
        """(dataset id, offer id) if the message's offer is one of ours, else why not."""
        offer = message["offer"]
        target = offer.get("target")
        if not isinstance(target, str):
            return "offer.target: the dataset the offer is for is required"
        found = find(self.config, self.policies, target)
        if found is None:
            return f"offer.target: no dataset {target!r} is offered for negotiation here"
        ds, policy = found
        ours = policy.offers.get(offer["@id"])
        if ours is None:
            return f"offer.@id: {offer['@id']!r} is not an offer of dataset {ds.iri}"
        try:
            same = _canonical(_sent_offer(message)) == _canonical(ours)
        except (JsonLdError, ValueError, KeyError) as exc:
            return f"offer: not readable as JSON-LD with the protocol's context: {exc}"
        if not same:
            return (
                f"offer: its rules differ from offer {offer['@id']} as the catalog publishes "
                "it; counter-offers are not accepted"
            )
        return ds.id, offer["@id"]

    async def request(self, request: Request) -> Response:
        schema = "negotiation/contract-request-message-schema.json"
        message = await read_message(request, schema)
        if isinstance(message, list):
            return negotiation_error(400, "; ".join(message))
        if "providerPid" in message:
            return negotiation_error(
                400,
                "providerPid: a first request carries none (it is the node's to give); "
                "a request within a negotiation goes to /dsp/negotiations/{providerPid}/request, "
                "which this node does not serve yet",
                message,
            )
        identity = caller(request)
        if identity.anonymous:
            return negotiation_error(
                401, "negotiating needs an identified participant (a bearer token)", message
            )
        checked = self._check_offer(message)
        if isinstance(checked, str):
            return negotiation_error(400, checked, message)
        dataset, offer = checked
        negotiation = await self.store.request(
            consumer_pid=message["consumerPid"],
            party=identity.party,
            dataset=dataset,
            offer=offer,
            callback=message["callbackAddress"],
            now=self.clock(),
        )
        if (negotiation.dataset, negotiation.offer, negotiation.callback) != (
            dataset,
            offer,
            message["callbackAddress"],
        ):
            return negotiation_error(
                400,
                f"consumerPid: {negotiation.consumer_pid!r} already names a negotiation of "
                f"yours for offer {negotiation.offer}",
                {**message, "providerPid": negotiation.provider_pid},
            )
        return JSONResponse(_document(negotiation), status_code=201, media_type=MEDIA)

    async def get(self, request: Request) -> Response:
        pid = request.path_params["pid"]
        negotiation = await self.store.get(pid)
        if negotiation is None or negotiation.party != caller(request).party:
            return negotiation_error(
                404, f"no negotiation {pid!r} of yours here", {"providerPid": pid}
            )
        return JSONResponse(_document(negotiation), media_type=MEDIA)

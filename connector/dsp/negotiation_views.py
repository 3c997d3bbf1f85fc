"""Contract negotiation (DSP 2025-1 HTTPS binding), provider side: its start::

    POST /dsp/negotiations/request              ContractRequestMessage -> 201 ContractNegotiation
    POST /dsp/negotiations/{providerPid}/request  a request again (counter-requests refused)
    GET  /dsp/negotiations/{providerPid}        -> ContractNegotiation

and what follows (:mod:`connector.dsp.negotiation_steps`). The request must name one of
the node's Offers by its ``@id``, with ``target`` the dataset that holds it, and its ODRL
content must be that Offer's, as the catalog publishes it (compared as RDF, after JSON-LD
expansion with the protocol's context): a counter-offer is refused, not silently replaced
by ours. The node's offers being fixed, it agrees to such a request at once: the
``ContractAgreementMessage`` goes to the consumer's callback right after the answer. Only
an identified participant (a bearer token) may negotiate; a negotiation is shown only to
the party that started it (anyone else gets 404, as the binding asks).
"""

from __future__ import annotations

import uuid
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
from connector.dsp.machine import PROVIDER_NEGOTIATION
from connector.dsp.negotiation_steps import ProviderSteps
from connector.dsp.protocol import advance, document, incoming, pid_error
from connector.dsp.schemas import document_loader
from connector.dsp.store import Rows
from connector.dsp.views import MEDIA, challenge, read_message
from connector.errors import AuthError
from connector.identity.asgi import caller
from connector.usage import DatasetPolicy

ODRL = "http://www.w3.org/ns/odrl/2/"
DSPACE = "https://w3id.org/dspace/2025/1/"
KIND = "ContractNegotiationError"
REQUEST = "negotiation/contract-request-message-schema.json"


def negotiation_error(
    status: int,
    reason: str,
    message: object = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return pid_error(KIND, status, reason, message, headers)


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


def _document(row: Mapping[str, Any]) -> dict[str, Any]:
    return document("ContractNegotiation", row)


class NegotiationViews:
    def __init__(
        self,
        config: NodeConfig,
        policies: Mapping[str, DatasetPolicy],
        rows: Rows,
        steps: ProviderSteps,
        clock: Callable[[], datetime],
    ) -> None:
        self.config, self.policies, self.rows = config, policies, rows
        self.steps, self.clock = steps, clock

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
        message = await read_message(request, REQUEST)
        if isinstance(message, list):
            return negotiation_error(400, "; ".join(message))
        if "providerPid" in message:
            return negotiation_error(
                400,
                "providerPid: a first request carries none (it is the node's to give); "
                "a request within a negotiation goes to /dsp/negotiations/{providerPid}/request",
                message,
            )
        identity = caller(request)
        if identity.anonymous or identity.datasets is not None:
            return negotiation_error(
                401, "negotiating needs an identified participant (a bearer token)", message
            )
        checked = self._check_offer(message)
        if isinstance(checked, str):
            return negotiation_error(400, checked, message)
        dataset, offer = checked
        values = {
            "provider_pid": f"urn:uuid:{uuid.uuid4()}",
            "consumer_pid": message["consumerPid"],
            "party": identity.party,
            "client_id": identity.client_id,
            "purpose": identity.purpose,
            "dataset": dataset,
            "offer": offer,
            "callback": message["callbackAddress"],
            "agreement": None,
            "agreed": None,
            "state": "REQUESTED",
            "problem": None,
            "created": self.clock().isoformat(),
        }
        unique = {"party": identity.party, "consumer_pid": message["consumerPid"]}
        if await self.rows.insert(values, unique=unique):
            self.steps.tasks.spawn(self.steps.agree(values["provider_pid"]))
            return JSONResponse(_document(values), status_code=201, media_type=MEDIA)
        row = await self.rows.find(**unique)
        assert row is not None
        if (row["dataset"], row["offer"], row["callback"]) != (
            dataset,
            offer,
            message["callbackAddress"],
        ):
            return negotiation_error(
                400,
                f"consumerPid: {row['consumer_pid']!r} already names a negotiation of "
                f"yours for offer {row['offer']}",
                {**message, "providerPid": row["provider_pid"]},
            )
        self.steps.resume(row)
        return JSONResponse(_document(row), status_code=201, media_type=MEDIA)

    async def request_again(self, request: Request) -> Response:
        """A request within a negotiation: accepted (as a repeat) only if it asks for the
        very offer the negotiation is about; a counter-request is refused."""
        found = await incoming(
            request, schema=REQUEST, kind=KIND, rows=self.rows, own="providerPid", party="party"
        )
        if isinstance(found, Response):
            return found
        message, row = found
        checked = self._check_offer(message)
        if isinstance(checked, str):
            return negotiation_error(400, checked, message)
        if checked != (row["dataset"], row["offer"]):
            return negotiation_error(
                400,
                f"offer: this negotiation is about offer {row['offer']}; counter-requests "
                "are not accepted (start a new negotiation for another offer)",
                message,
            )
        moved = await advance(
            self.rows, PROVIDER_NEGOTIATION, "ContractRequestMessage", row, kind=KIND
        )
        if isinstance(moved, Response):
            return moved
        self.steps.resume(moved[0])
        return JSONResponse(_document(moved[0]), media_type=MEDIA)

    async def get(self, request: Request) -> Response:
        pid = request.path_params["pid"]
        row = await self.rows.get(pid)
        if row is None or row["party"] != caller(request).party:
            return negotiation_error(
                404, f"no negotiation {pid!r} of yours here", {"providerPid": pid}
            )
        return JSONResponse(_document(row), media_type=MEDIA)

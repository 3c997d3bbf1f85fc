"""A provider that always offers something else: the counterpart a consumer meets when the
provider answers its request with an offer of its own (an EDC provider may). It speaks
the protocol over real HTTP on the space's spare address, as the provider participant
(its tokens really issued, for the consumer node's audience), and follows a script: the
catalog of the real provider node, then to every request an offer for 7 days instead of
30 under another ``@id``; an ``ACCEPTED`` is answered with the agreement of that offer, a
verification with ``FINALIZED``; every message received is kept.

Its messages go out through the space's :class:`~tests.connector.dsp.space.Capture`
client and are checked against their schemas before they go (``Outbound``)."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.config.dsp import DspConfig
from connector.dsp.outbound import Outbound
from connector.dsp.schemas import CONTEXT
from tests.connector.dsp.space import CONSUMER, PROVIDER, Space

WEEK = "https://example.org/offer/energie-7-days"
NEGOTIATION = "negotiation/contract-negotiation-"


@dataclass
class Scripted:
    space: Space
    catalog: dict[str, Any]
    received: list[dict[str, Any]] = field(default_factory=list)
    callbacks: dict[str, tuple[str, str]] = field(default_factory=dict)
    _out: Outbound | None = None

    def offer(self) -> dict[str, Any]:
        """The catalog's Offer, for 7 days, under another @id, with its target."""
        (dataset,) = self.catalog["dataset"]
        (offer,) = copy.deepcopy(dataset["hasPolicy"])
        offer["permission"][0]["constraint"][0]["rightOperand"]["@value"] = "P7D"
        return {**offer, "@id": WEEK, "target": dataset["@id"]}

    def outbound(self) -> Outbound:
        if self._out is None:  # made in the server's event loop, the one it is used in
            client_id, _ = self.space.creds[PROVIDER]
            secret = self.space.provider.folder / "dsp-secret"
            credentials = DspConfig(self.space.issuer, client_id, secret_file=secret)
            self._out = Outbound(credentials, self.space.capture.client(), attempts=1)
        return self._out

    async def send(self, provider_pid: str, path: str, message: dict[str, Any]) -> None:
        callback, consumer_pid = self.callbacks[provider_pid]
        message = {
            "@context": [CONTEXT],
            **message,
            "providerPid": provider_pid,
            "consumerPid": consumer_pid,
        }
        schema = {
            "offers": "negotiation/contract-offer-message-schema.json",
            "agreement": "negotiation/contract-agreement-message-schema.json",
            "events": f"{NEGOTIATION}event-message-schema.json",
        }[path]
        url = f"{callback}/negotiations/{consumer_pid}/{path}"
        await self.outbound().deliver(url, message, schema)

    # -- the routes -----------------------------------------------------------------------
    async def version(self, request: Request) -> Response:
        return JSONResponse(
            {"protocolVersions": [{"version": "2025-1", "path": "/dsp", "binding": "HTTPS"}]}
        )

    async def catalog_request(self, request: Request) -> Response:
        return JSONResponse(self.catalog)

    async def request(self, request: Request) -> Response:
        message = await request.json()
        self.received.append(message)
        pid = f"urn:uuid:{uuid.uuid4()}"
        self.callbacks[pid] = (message["callbackAddress"].rstrip("/"), message["consumerPid"])
        answer = {
            "@context": [CONTEXT],
            "@type": "ContractNegotiation",
            "providerPid": pid,
            "consumerPid": message["consumerPid"],
            "state": "REQUESTED",
        }
        offer = {"@type": "ContractOfferMessage", "offer": self.offer()}
        return JSONResponse(
            answer, status_code=201, background=BackgroundTask(self.send, pid, "offers", offer)
        )

    async def message(self, request: Request) -> Response:
        message = await request.json()
        self.received.append(message)
        pid = request.path_params["pid"]
        then = None
        if message.get("eventType") == "ACCEPTED":
            offer = self.offer()
            agreement = {
                **{k: v for k, v in offer.items() if k != "target"},
                "@id": f"urn:uuid:{uuid.uuid4()}",
                "@type": "Agreement",
                "target": offer["target"],
                "assigner": PROVIDER,
                "assignee": CONSUMER,
                "timestamp": datetime.now(UTC).isoformat(),
            }
            sent = {"@type": "ContractAgreementMessage", "agreement": agreement}
            then = BackgroundTask(self.send, pid, "agreement", sent)
        elif message.get("@type") == "ContractAgreementVerificationMessage":
            event = {"@type": "ContractNegotiationEventMessage", "eventType": "FINALIZED"}
            then = BackgroundTask(self.send, pid, "events", event)
        return Response(status_code=200, background=then)

    def app(self) -> Starlette:
        post = ["POST"]
        return Starlette(
            routes=[
                Route("/.well-known/dspace-version", self.version),
                Route("/dsp/catalog/request", self.catalog_request, methods=post),
                Route("/dsp/negotiations/request", self.request, methods=post),
                Route("/dsp/negotiations/{pid}/events", self.message, methods=post),
                Route("/dsp/negotiations/{pid}/termination", self.message, methods=post),
                Route("/dsp/negotiations/{pid}/agreement/verification", self.message, methods=post),
            ]
        )


def scripted(space: Space) -> Scripted:
    """The script, with the real provider's catalog."""
    token = space.token(CONSUMER, space.provider)
    r = httpx.post(
        f"{space.provider.url}/dsp/catalog/request",
        json={"@context": [CONTEXT], "@type": "CatalogRequestMessage"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    return Scripted(space, r.json())

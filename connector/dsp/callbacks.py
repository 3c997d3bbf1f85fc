"""The consumer side of the protocol on every node: the callback routes a provider sends
to, under ``/dsp/callback`` (the ``callbackAddress`` the node's consumer gives)::

    POST /dsp/callback/negotiations/{consumerPid}/agreement | events | termination | offers
    POST /dsp/callback/transfers/{consumerPid}/start | completion | suspension | termination

A process is started by ``guichet dsp negotiate`` or ``transfer`` (:mod:`connector.dsp.
consumer`), which records it in the node's state database first; only its provider (the
catalog's ``participantId``, the token's party) may send messages about it. An agreement
received is checked (for our participant, on the dataset asked for), kept, and verified
at once: the consumer's ``ContractAgreementVerificationMessage`` goes to the provider with
the node's own token.

An offer the provider sends (``ContractOfferMessage``, in answer to our request) is
accepted (the ``ACCEPTED`` event sent) when it is the offer the user asked to negotiate:
the same ``@id`` and ODRL content, compared as canonical RDF (:mod:`connector.dsp.offers`),
for the same dataset. Another offer is not taken silently: the negotiation is terminated,
the reason kept and sent, unless the user allowed it (``guichet dsp negotiate
--accept-counter-offer``); an offer for another dataset is never accepted.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from connector.config import NodeConfig
from connector.dsp.machine import CONSUMER_NEGOTIATION, CONSUMER_SENDS, CONSUMER_TRANSFER
from connector.dsp.negotiation_steps import (
    AGREEMENT,
    EVENT,
    OFFER,
    TERMINATION,
    VERIFICATION,
)
from connector.dsp.offers import UNREADABLE, same_offer
from connector.dsp.outbound import Outbound
from connector.dsp.protocol import Tasks, advance, incoming, log, ok, pid_error, row_pids
from connector.dsp.schemas import CONTEXT
from connector.dsp.store import DspStore, Rows
from connector.dsp.transfer_views import MESSAGES
from connector.errors import GuichetError

NEGOTIATION = "ContractNegotiationError"
TRANSFER = "TransferError"


def endpoint_property(address: dict[str, Any], name: str) -> str | None:
    for p in address.get("endpointProperties", []):
        if p.get("name") == name:
            return str(p.get("value"))
    return None


class ConsumerCallbacks:
    def __init__(
        self, config: NodeConfig, store: DspStore, outbound: Outbound, tasks: Tasks
    ) -> None:
        self.config, self.outbound, self.tasks = config, outbound, tasks
        self.negotiations = store.consumer_negotiations
        self.asked = store.consumer_asked
        self.transfers = store.consumer_transfers

    async def _incoming(
        self, request: Request, schema: str, rows: Rows, kind: str
    ) -> tuple[dict[str, Any], dict[str, Any]] | Response:
        return await incoming(
            request, schema=schema, kind=kind, rows=rows, own="consumerPid", party="provider"
        )

    # -- negotiations ---------------------------------------------------------------------
    async def agreement(self, request: Request) -> Response:
        found = await self._incoming(request, AGREEMENT, self.negotiations, NEGOTIATION)
        if isinstance(found, Response):
            return found
        message, row = found
        agreement = message["agreement"]
        if (
            agreement["assignee"] != self.config.participant
            or agreement["target"] != row["dataset"]
        ):
            return pid_error(
                NEGOTIATION,
                400,
                f"agreement: expected one for {self.config.participant} on {row['dataset']}, "
                f"got one for {agreement['assignee']} on {agreement['target']}",
                message,
            )
        values = {
            "provider_pid": message["providerPid"],
            "agreement": agreement["@id"],
            "agreement_document": json.dumps(agreement),
        }
        moved = await advance(
            self.negotiations,
            CONSUMER_NEGOTIATION,
            "ContractAgreementMessage",
            row,
            kind=NEGOTIATION,
            values=values,
        )
        if isinstance(moved, Response):
            return moved
        if moved[1]:
            self.tasks.spawn(self.verify(moved[0]))
        return ok()

    async def verify(self, row: dict[str, Any]) -> None:
        """Verify the agreement received: VERIFIED first (the provider's FINALIZED may
        come before its answer to the verification), then the message."""
        pid = row["consumer_pid"]
        sends = CONSUMER_SENDS["ContractAgreementVerificationMessage"]
        if await self.negotiations.move(pid, sends.sources, {"state": sends.target}) is None:
            return
        message = {
            "@context": [CONTEXT],
            "@type": "ContractAgreementVerificationMessage",
            **row_pids(row),
        }
        await self._deliver(row, "agreement/verification", message, VERIFICATION)

    async def _deliver(
        self, row: dict[str, Any], path: str, message: dict[str, Any], schema: str
    ) -> None:
        url = f"{row['provider_url']}/negotiations/{row['provider_pid']}/{path}"
        try:
            await self.outbound.deliver(url, message, schema)
        except GuichetError as exc:
            log.warning("negotiation %s: %s", row["consumer_pid"], exc)
            kept = [p for p in (row.get("problem"), str(exc)) if p]  # a reason of ours first
            await self.negotiations.note(row["consumer_pid"], "; ".join(kept))

    async def event(self, request: Request) -> Response:
        found = await self._incoming(request, EVENT, self.negotiations, NEGOTIATION)
        if isinstance(found, Response):
            return found
        message, row = found
        if message["eventType"] != "FINALIZED":
            return pid_error(
                NEGOTIATION, 400, "eventType: ACCEPTED is the consumer's to send", row_pids(row)
            )
        moved = await advance(
            self.negotiations, CONSUMER_NEGOTIATION, "FINALIZED", row, kind=NEGOTIATION
        )
        return moved if isinstance(moved, Response) else ok()

    async def termination(self, request: Request) -> Response:
        found = await self._incoming(request, TERMINATION, self.negotiations, NEGOTIATION)
        if isinstance(found, Response):
            return found
        message, row = found
        reasons = [str(r) for r in message.get("reason", [])]
        moved = await advance(
            self.negotiations,
            CONSUMER_NEGOTIATION,
            "ContractNegotiationTerminationMessage",
            row,
            kind=NEGOTIATION,
            values={"problem": "; ".join(reasons) or "terminated by the provider"},
        )
        return moved if isinstance(moved, Response) else ok()

    async def offer(self, request: Request) -> Response:
        found = await self._incoming(request, OFFER, self.negotiations, NEGOTIATION)
        if isinstance(found, Response):
            return found
        message, row = found
        refused = await self._refusal(message, row)
        values = {"provider_pid": message["providerPid"]}
        moved = await advance(
            self.negotiations,
            CONSUMER_NEGOTIATION,
            "ContractOfferMessage",
            row,
            kind=NEGOTIATION,
            values=values,
        )
        if isinstance(moved, Response):
            return moved
        if moved[0]["state"] == "OFFERED":  # offered now, or a repeat of an answer cut short
            self.tasks.spawn(self.answer(moved[0], message["offer"]["@id"], refused))
        return ok()

    async def _refusal(self, message: dict[str, Any], row: dict[str, Any]) -> str | None:
        """Why the offer is not taken, or ``None``: it is the one asked for (or another
        for the same dataset, and the user allowed it)."""
        offer = message["offer"]
        if offer["target"] != row["dataset"]:
            return (
                f"the provider offered {offer['@id']} for {offer['target']}, not {row['dataset']}"
            )
        asked = await self.asked.get(row["consumer_pid"])
        if asked is None:
            return f"the provider offered {offer['@id']}; no record of the offer asked for"
        try:
            same = same_offer(message, json.loads(asked["offer"]))
        except UNREADABLE as exc:
            return f"the provider's offer {offer['@id']} cannot be read as JSON-LD: {exc}"
        if same or asked["accept_other"]:
            return None
        return (
            f"the provider offered {offer['@id']}, which is not the offer asked for "
            f"({row['offer']}, compared as RDF); negotiate with --accept-counter-offer to "
            "accept the provider's offer"
        )

    async def answer(self, row: dict[str, Any], offer: str, refused: str | None) -> None:
        """Accept the offer (ACCEPTED first: the provider's agreement may come before its
        answer to the event), or terminate, the reason kept as the problem."""
        pid = row["consumer_pid"]
        if refused is None:
            sends = CONSUMER_SENDS["ACCEPTED"]
            values: dict[str, Any] = {"state": sends.target, "offer": offer}
            message: dict[str, Any] = {
                "@type": "ContractNegotiationEventMessage",
                "eventType": "ACCEPTED",
            }
            path, schema = "events", EVENT
        else:
            sends = CONSUMER_SENDS["ContractNegotiationTerminationMessage"]
            values = {"state": sends.target, "problem": refused}
            message = {
                "@type": "ContractNegotiationTerminationMessage",
                "code": "offer-refused",
                "reason": [refused],
            }
            path, schema = "termination", TERMINATION
        moved = await self.negotiations.move(pid, {"OFFERED"}, values)
        if moved is None:
            return
        log.info("negotiation %s: %s", pid, refused or f"offer {offer} accepted")
        full = {"@context": [CONTEXT], **message, **row_pids(moved)}
        await self._deliver(moved, path, full, schema)

    # -- transfers ------------------------------------------------------------------------
    async def start(self, request: Request) -> Response:
        schema = "transfer/transfer-start-message-schema.json"
        found = await self._incoming(request, schema, self.transfers, TRANSFER)
        if isinstance(found, Response):
            return found
        message, row = found
        address = message.get("dataAddress") or {}
        endpoint, token = address.get("endpoint"), endpoint_property(address, "authorization")
        if not endpoint or not token:
            return pid_error(
                TRANSFER,
                400,
                "dataAddress: a pull transfer's start names the endpoint and its "
                "authorization (endpointProperties)",
                message,
            )
        values = {"provider_pid": message["providerPid"], "endpoint": endpoint, "token": token}
        moved = await advance(
            self.transfers,
            CONSUMER_TRANSFER,
            "TransferStartMessage",
            row,
            kind=TRANSFER,
            values=values,
        )
        return moved if isinstance(moved, Response) else ok()

    async def transfer_message(self, request: Request, *, what: str) -> Response:
        name, schema = MESSAGES[what]
        found = await self._incoming(request, f"transfer/{schema}", self.transfers, TRANSFER)
        if isinstance(found, Response):
            return found
        moved = await advance(
            self.transfers,
            CONSUMER_TRANSFER,
            name,
            found[1],
            kind=TRANSFER,
            values={"token": None},
        )
        return moved if isinstance(moved, Response) else ok()

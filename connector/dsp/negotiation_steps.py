"""Contract negotiation, provider side, after the request::

    -> consumer  {callback}/negotiations/{consumerPid}/offers     ContractOfferMessage (OFFERED)
    POST /dsp/negotiations/{providerPid}/events        ACCEPTED: the offer taken (ACCEPTED)
    -> consumer  {callback}/negotiations/{consumerPid}/agreement  ContractAgreementMessage (AGREED)
    POST /dsp/negotiations/{providerPid}/agreement/verification   (VERIFIED)
    -> consumer  {callback}/negotiations/{consumerPid}/events     FINALIZED (FINALIZED)
    POST /dsp/negotiations/{providerPid}/termination   TERMINATED, from any state but FINALIZED
    -> consumer  {callback}/negotiations/{consumerPid}/termination  when the node ends it

The offer is sent in answer to a counter-offer (:mod:`connector.dsp.negotiation_views`):
it is the node's own Offer, as the catalog publishes it, with the dataset as ``target``;
the agreement that follows its acceptance carries that Offer's rules.

The Agreement is made by :meth:`UsageControl.accept_offer`, the same code as GraphQL's
``acceptOffer``: its IRI and issue date are chosen when the agreement is sent (the message
carries them), and it is stored, audited (``offer-accepted``, with ``protocol: dsp`` and
the negotiation) and in force once the consumer has verified it, when the negotiation is
FINALIZED; a negotiation terminated before that leaves no agreement behind.

Messages to the consumer go out after the answer, with the node's own token
(:class:`~connector.dsp.outbound.Outbound`); one the consumer cannot receive after the
retries is kept as the negotiation's ``problem``, its state unchanged, and sent again when
the consumer repeats its request (or its ``ACCEPTED``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from connector.config import NodeConfig
from connector.dsp.catalog import offer_document
from connector.dsp.machine import PROVIDER_NEGOTIATION, PROVIDER_SENDS
from connector.dsp.outbound import Outbound
from connector.dsp.protocol import Tasks, advance, incoming, ok, pid_error, row_pids
from connector.dsp.schemas import CONTEXT
from connector.dsp.store import Rows
from connector.errors import GuichetError
from connector.identity import Identity
from connector.usage import DatasetPolicy, UsageControl
from connector.usage.agreements import agreement_from_offer, new_agreement_iri

log = logging.getLogger("guichet.dsp")
KIND = "ContractNegotiationError"
AGREEMENT = "negotiation/contract-agreement-message-schema.json"
EVENT = "negotiation/contract-negotiation-event-message-schema.json"
OFFER = "negotiation/contract-offer-message-schema.json"
TERMINATION = "negotiation/contract-negotiation-termination-message-schema.json"
VERIFICATION = "negotiation/contract-agreement-verification-message-schema.json"


def _party(row: Mapping[str, Any]) -> Identity:
    """The consumer, as it identified itself when it sent the request."""
    return Identity(
        party=row["party"],
        client_id=row["client_id"],
        purpose=row["purpose"],
        claims={"negotiation": row["provider_pid"]},
    )


class ProviderSteps:
    def __init__(
        self,
        config: NodeConfig,
        policies: Mapping[str, DatasetPolicy],
        rows: Rows,
        control: UsageControl,
        outbound: Outbound,
        clock: Callable[[], datetime],
    ) -> None:
        self.config, self.policies, self.rows = config, policies, rows
        self.control, self.outbound, self.clock = control, outbound, clock
        self.tasks = Tasks()

    # -- what the consumer sends ----------------------------------------------------------
    async def verification(self, request: Request) -> Response:
        found = await self._incoming(request, VERIFICATION)
        if isinstance(found, Response):
            return found
        moved = await advance(
            self.rows,
            PROVIDER_NEGOTIATION,
            "ContractAgreementVerificationMessage",
            found[1],
            kind=KIND,
        )
        if isinstance(moved, Response):
            return moved
        row, _ = moved
        if row["state"] == "VERIFIED":  # moved now, or a repeat of a finalization cut short
            self.tasks.spawn(self.finalize(row))
        return ok()

    async def event(self, request: Request) -> Response:
        found = await self._incoming(request, EVENT)
        if isinstance(found, Response):
            return found
        message, row = found
        if message["eventType"] != "ACCEPTED":
            return pid_error(
                KIND, 400, "eventType: FINALIZED is the provider's to send", row_pids(row)
            )
        moved = await advance(self.rows, PROVIDER_NEGOTIATION, "ACCEPTED", row, kind=KIND)
        if isinstance(moved, Response):
            return moved
        if moved[0]["state"] == "ACCEPTED":  # accepted now, or a repeat of one cut short
            self.tasks.spawn(self.agree(row["provider_pid"]))
        return ok()

    async def termination(self, request: Request) -> Response:
        found = await self._incoming(request, TERMINATION)
        if isinstance(found, Response):
            return found
        moved = await advance(
            self.rows,
            PROVIDER_NEGOTIATION,
            "ContractNegotiationTerminationMessage",
            found[1],
            kind=KIND,
        )
        return moved if isinstance(moved, Response) else ok()

    async def _incoming(
        self, request: Request, schema: str
    ) -> tuple[dict[str, Any], dict[str, Any]] | Response:
        return await incoming(
            request, schema=schema, kind=KIND, rows=self.rows, own="providerPid", party="party"
        )

    # -- what the provider sends ----------------------------------------------------------
    def resume(self, row: Mapping[str, Any]) -> None:
        """A repeated request: send again the offer or the agreement the consumer may have
        missed."""
        if row["state"] == "AGREED" and row["problem"]:
            self.tasks.spawn(self.send_agreement(row))
        elif row["state"] == "OFFERED" and row["problem"]:
            self.tasks.spawn(self.send_offer(row))

    async def agree(self, pid: str) -> None:
        """Agree to a request for our Offer, or to our Offer accepted: choose the
        agreement's IRI and date, and send it."""
        iri = new_agreement_iri(self.config.base_iri)
        sends = PROVIDER_SENDS["ContractAgreementMessage"]
        values = {"state": sends.target, "agreement": iri, "agreed": self.clock().isoformat()}
        row = await self.rows.move(pid, sends.sources, values)
        if row is not None:
            await self.send_agreement(row)

    async def offer(self, pid: str) -> None:
        """Answer a counter-offer with the negotiation's Offer (ours)."""
        sends = PROVIDER_SENDS["ContractOfferMessage"]
        row = await self.rows.move(pid, sends.sources, {"state": sends.target})
        if row is not None:
            await self.send_offer(row)

    async def send_offer(self, row: Mapping[str, Any]) -> None:
        ours = self.policies[row["dataset"]].offers[row["offer"]]
        message = {
            "@context": [CONTEXT],
            "@type": "ContractOfferMessage",
            **row_pids(row),
            "offer": {**offer_document(ours), "target": self.config.datasets[row["dataset"]].iri},
        }
        await self._send(row, "offers", message, OFFER)

    async def end(self, pid: str, state: str, reason: str) -> dict[str, Any] | None:
        """Terminate the negotiation ourselves, from ``state`` (the message goes after
        the answer): the row TERMINATED, or ``None`` if another message moved it first."""
        sends = PROVIDER_SENDS["ContractNegotiationTerminationMessage"]
        assert state in sends.sources
        row = await self.rows.move(pid, {state}, {"state": sends.target})
        if row is not None:
            log.info("negotiation %s terminated: %s", pid, reason)
            message = {
                "@context": [CONTEXT],
                "@type": "ContractNegotiationTerminationMessage",
                **row_pids(row),
                "code": "400",
                "reason": [reason],
            }
            self.tasks.spawn(self._send(row, "termination", message, TERMINATION))
        return row

    def agreement(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The ODRL Agreement of a negotiation, as the message carries it: the one
        :meth:`UsageControl.accept_offer` stores on finalization, compacted."""
        offer = self.policies[row["dataset"]].offers[row["offer"]]
        expanded = agreement_from_offer(
            offer,
            iri=row["agreement"],
            party=row["party"],
            purpose=row["purpose"],
            issued=datetime.fromisoformat(row["agreed"]),
        )
        node = offer_document(expanded)
        assigner = node.get("assigner")
        node.update(
            {
                "@type": "Agreement",
                "target": self.config.datasets[row["dataset"]].iri,
                "assigner": assigner if isinstance(assigner, str) else self.config.participant,
                "assignee": row["party"],
                "timestamp": row["agreed"],
            }
        )
        return node

    async def send_agreement(self, row: Mapping[str, Any]) -> None:
        message = {
            "@context": [CONTEXT],
            "@type": "ContractAgreementMessage",
            **row_pids(row),
            "agreement": self.agreement(row),
        }
        await self._send(row, "agreement", message, AGREEMENT)

    async def finalize(self, row: Mapping[str, Any]) -> None:
        """Make the agreement (once), then tell the consumer it is FINALIZED."""
        pid = row["provider_pid"]
        try:
            if await self.control.agreements.get(row["agreement"]) is None:
                await self.control.accept_offer(
                    _party(row),
                    row["offer"],
                    row["purpose"],
                    via={"protocol": "dsp", "negotiation": pid},
                    iri=row["agreement"],
                    issued=datetime.fromisoformat(row["agreed"]),
                )
        except GuichetError as exc:  # the offer is gone, the store cannot be written...
            log.error("negotiation %s: the agreement cannot be made: %s", pid, exc)
            if await self.rows.move(pid, {"VERIFIED"}, {"state": "TERMINATED"}) is not None:
                message = {
                    "@context": [CONTEXT],
                    "@type": "ContractNegotiationTerminationMessage",
                    **row_pids(row),
                    "code": "500",
                    "reason": [f"the agreement cannot be made: {exc}"],
                }
                await self._send(row, "termination", message, TERMINATION)
            return
        sends = PROVIDER_SENDS["FINALIZED"]
        done = await self.rows.move(pid, sends.sources, {"state": sends.target})
        if done is None:
            return
        message = {
            "@context": [CONTEXT],
            "@type": "ContractNegotiationEventMessage",
            **row_pids(row),
            "eventType": "FINALIZED",
        }
        await self._send(done, "events", message, EVENT)

    async def _send(
        self, row: Mapping[str, Any], path: str, message: dict[str, Any], schema: str
    ) -> None:
        url = f"{row['callback'].rstrip('/')}/negotiations/{row['consumer_pid']}/{path}"
        try:
            await self.outbound.deliver(url, message, schema)
        except GuichetError as exc:
            log.warning("negotiation %s: %s", row["provider_pid"], exc)
            await self.rows.note(row["provider_pid"], str(exc))
            return
        if row.get("problem"):
            await self.rows.note(row["provider_pid"], None)

"""Contract negotiation (DSP 2025-1 HTTPS binding), provider side: its start::

    POST /dsp/negotiations/request                ContractRequestMessage -> 201 ContractNegotiation
    POST /dsp/negotiations/{providerPid}/request  a request within the negotiation -> 200
    GET  /dsp/negotiations/{providerPid}          -> ContractNegotiation

and what follows (:mod:`connector.dsp.negotiation_steps`). A request is for one of the
node's datasets (its offer's ``target``); what it asks is read as RDF
(:mod:`connector.dsp.offers`). Exactly one of our Offers, as the catalog publishes it: the
node agrees at once (the ``ContractAgreementMessage`` goes to the consumer's callback
right after the answer). Anything else is a counter-offer, which the node never takes:
it answers with its own Offer (``ContractOfferMessage``, OFFERED), which the consumer may
accept (``ACCEPTED``), ask for in a new request, counter again (the third counter-offer
ends the negotiation) or refuse by terminating. A dataset with several Offers, countered
without naming one, is terminated at once, the reason said. What is no negotiation at all
(an unknown dataset, an unreadable offer, a malformed message) is a 400. Only an
identified participant (a bearer token) may negotiate; a negotiation is shown only to
the party that started it (anyone else gets 404, as the binding asks).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.config import NodeConfig
from connector.dsp.machine import PROVIDER_NEGOTIATION, step
from connector.dsp.negotiation_steps import ProviderSteps
from connector.dsp.offers import Asked, classify, several
from connector.dsp.protocol import advance, document, incoming, pid_error, row_pids
from connector.dsp.store import Counters, Rows
from connector.dsp.views import MEDIA, challenge, read_message
from connector.errors import AuthError
from connector.identity.asgi import caller
from connector.usage import DatasetPolicy

KIND = "ContractNegotiationError"
REQUEST = "negotiation/contract-request-message-schema.json"
COUNTERS = 3
"""The counter-offer that ends a negotiation: the node offers after the first and the
second, and terminates on the third (its Offer stands; haggling has no end otherwise)."""


def negotiation_error(
    status: int,
    reason: str,
    message: object = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return pid_error(KIND, status, reason, message, headers)


def negotiation_unauthorized(exc: AuthError) -> Response:
    return negotiation_error(401, str(exc), headers=challenge(exc))


def _document(row: Mapping[str, Any]) -> dict[str, Any]:
    return document("ContractNegotiation", row)


class NegotiationViews:
    def __init__(
        self,
        config: NodeConfig,
        policies: Mapping[str, DatasetPolicy],
        rows: Rows,
        counters: Counters,
        steps: ProviderSteps,
        clock: Callable[[], datetime],
    ) -> None:
        self.config, self.policies, self.rows = config, policies, rows
        self.counters, self.steps, self.clock = counters, steps, clock

    def _asked(self, message: dict[str, Any]) -> Asked | Response:
        asked = classify(self.config, self.policies, message)
        return negotiation_error(400, asked, message) if isinstance(asked, str) else asked

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
        asked = self._asked(message)
        if isinstance(asked, Response):
            return asked
        offer = asked.offer or asked.named  # named: none of ours, and terminated below
        values = {
            "provider_pid": f"urn:uuid:{uuid.uuid4()}",
            "consumer_pid": message["consumerPid"],
            "party": identity.party,
            "client_id": identity.client_id,
            "purpose": identity.purpose,
            "dataset": asked.dataset,
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
            pid = values["provider_pid"]
            if asked.same:
                self.steps.tasks.spawn(self.steps.agree(pid))
            else:
                await self.counters.add(pid, 1, asked.digest, values["created"])
                if asked.offer is None:
                    ds = self.config.datasets[asked.dataset]
                    reason = several(self.policies[ds.id], asked.named, ds.iri)
                    values = await self.steps.end(pid, "REQUESTED", reason) or values
                else:
                    self.steps.tasks.spawn(self.steps.offer(pid))
            return JSONResponse(_document(values), status_code=201, media_type=MEDIA)
        row = await self.rows.find(**unique)
        assert row is not None
        first = await self.counters.digest(row["provider_pid"], 1)  # the first, if countered
        if (row["dataset"], row["offer"], row["callback"], first) != (
            asked.dataset,
            offer,
            message["callbackAddress"],
            None if asked.same else asked.digest,
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
        """A request within a negotiation: after our offer, our Offer asked for (agreed
        to), or a counter-offer (offered again, or the end); while the last request is
        being answered, that request again (a repeat)."""
        found = await incoming(
            request, schema=REQUEST, kind=KIND, rows=self.rows, own="providerPid", party="party"
        )
        if isinstance(found, Response):
            return found
        message, row = found
        asked = self._asked(message)
        if isinstance(asked, Response):
            return asked
        if asked.dataset != row["dataset"]:
            return negotiation_error(
                400,
                f"offer.target: this negotiation is about dataset "
                f"{self.config.datasets[row['dataset']].iri}; start a new one for another",
                message,
            )
        pid = row["provider_pid"]
        verdict = step(PROVIDER_NEGOTIATION, "ContractRequestMessage", row["state"])
        if verdict == "repeat":
            last = await self.counters.last(pid)
            if (asked.same and asked.offer == row["offer"]) or asked.digest == last[1]:
                self.steps.resume(row)
                return JSONResponse(_document(row), media_type=MEDIA)
            return negotiation_error(
                409,
                "ContractRequestMessage: the last request of this negotiation is being "
                "answered (state REQUESTED); wait for the provider's offer or agreement",
                row_pids(row),
            )
        if verdict != "move":
            return negotiation_error(409, verdict, row_pids(row))
        ours = asked.offer or row["offer"]  # none of several named: the one offered stands
        if asked.same:
            return await self._requested(row, ours, then=self.steps.agree)
        counter = (await self.counters.last(pid))[0] + 1
        if not await self.counters.add(pid, counter, asked.digest, self.clock().isoformat()):
            return negotiation_error(
                409,
                "ContractRequestMessage: another request of this negotiation came first",
                row_pids(row),
            )
        if counter >= COUNTERS:
            reason = (
                f"counter-offer {counter} of {COUNTERS}: the provider's offer {row['offer']} "
                "stands, and the negotiation ends here; accept that offer in a new one"
            )
            ended = await self.steps.end(pid, "OFFERED", reason)
            if ended is None:
                now = await self.rows.get(pid) or row
                return negotiation_error(
                    409,
                    f"ContractRequestMessage: the negotiation is {now['state']} now",
                    row_pids(now),
                )
            return JSONResponse(_document(ended), media_type=MEDIA)
        return await self._requested(row, ours, then=self.steps.offer)

    async def _requested(
        self, row: dict[str, Any], offer: str, *, then: Callable[[str], Coroutine[Any, Any, None]]
    ) -> Response:
        """REQUESTED again for ``offer``, answered at once; ``then`` (agree to it, or offer
        ours) runs after the answer."""
        moved = await advance(
            self.rows,
            PROVIDER_NEGOTIATION,
            "ContractRequestMessage",
            row,
            kind=KIND,
            values={"offer": offer},
        )
        if isinstance(moved, Response):
            return moved
        self.steps.tasks.spawn(then(row["provider_pid"]))
        return JSONResponse(_document(moved[0]), media_type=MEDIA)

    async def get(self, request: Request) -> Response:
        pid = request.path_params["pid"]
        row = await self.rows.get(pid)
        if row is None or row["party"] != caller(request).party:
            return negotiation_error(
                404, f"no negotiation {pid!r} of yours here", {"providerPid": pid}
            )
        return JSONResponse(_document(row), media_type=MEDIA)

"""The transfer process for pull (DSP 2025-1 HTTPS binding), provider side::

    POST /dsp/transfers/request               TransferRequestMessage -> 201 TransferProcess
    -> consumer {callback}/transfers/{consumerPid}/start   TransferStartMessage (STARTED)
    GET  /dsp/transfers/{providerPid}         -> TransferProcess
    POST /dsp/transfers/{providerPid}/completion | suspension | termination

The data stays where it is: the ``dataAddress`` of the start message is the node's
GraphQL endpoint, with a bearer token bound to the agreement (:mod:`connector.dsp.bound`).
A query with it is the agreement's party asking, under the agreement's purpose, and it
may touch the agreement's dataset only; it is decided and audited like any other query.
The token is good while the transfer is STARTED and for :data:`TOKEN_TTL` at most:
completion, suspension or termination revokes it. A suspended transfer is not resumed
(a ``TransferStartMessage`` from the consumer is refused): request a new one.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.config import NodeConfig
from connector.dsp.catalog import FORMAT
from connector.dsp.machine import PROVIDER_TRANSFER
from connector.dsp.outbound import Outbound
from connector.dsp.protocol import (
    Tasks,
    advance,
    document,
    incoming,
    log,
    ok,
    pid_error,
    row_pids,
)
from connector.dsp.schemas import CONTEXT
from connector.dsp.store import Rows
from connector.dsp.views import MEDIA, challenge, read_message
from connector.errors import AuthError, GuichetError
from connector.identity.asgi import caller
from connector.usage import UsageControl

KIND = "TransferError"
TOKEN_PREFIX = "gdsp_"
TOKEN_TTL = timedelta(hours=1)
ENDPOINT_TYPE = "https://w3id.org/idsa/v4.1/HTTP"
MESSAGES = {
    "completion": ("TransferCompletionMessage", "transfer-completion-message-schema.json"),
    "suspension": ("TransferSuspensionMessage", "transfer-suspension-message-schema.json"),
    "termination": ("TransferTerminationMessage", "transfer-termination-message-schema.json"),
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def transfer_unauthorized(exc: AuthError) -> Response:
    return pid_error(KIND, 401, str(exc), headers=challenge(exc))


class TransferViews:
    def __init__(
        self,
        config: NodeConfig,
        rows: Rows,
        control: UsageControl,
        outbound: Outbound,
        clock: Callable[[], datetime],
        tasks: Tasks,
    ) -> None:
        self.config, self.rows, self.control = config, rows, control
        self.outbound, self.clock, self.tasks = outbound, clock, tasks

    async def request(self, request: Request) -> Response:
        message = await read_message(request, "transfer/transfer-request-message-schema.json")
        if isinstance(message, list):
            return pid_error(KIND, 400, "; ".join(message))
        if "providerPid" in message:
            return pid_error(KIND, 400, "providerPid: a request carries none", message)
        identity = caller(request)
        if identity.anonymous or identity.datasets is not None:
            return pid_error(
                KIND, 401, "a transfer needs an identified participant (a bearer token)", message
            )
        if message["format"] != FORMAT:
            return pid_error(
                KIND, 400, f"format: this node offers {FORMAT} only, not {message['format']!r}"
            )
        agreement = await self.control.agreements.get(message["agreementId"])
        if agreement is None or agreement.party != identity.party:
            return pid_error(
                KIND,
                400,
                f"agreementId: no agreement {message['agreementId']!r} of yours here "
                "(an agreement is in force once its negotiation is FINALIZED)",
                message,
            )
        values = {
            "provider_pid": f"urn:uuid:{uuid.uuid4()}",
            "consumer_pid": message["consumerPid"],
            "party": identity.party,
            "agreement": agreement.iri,
            "dataset": agreement.dataset,
            "callback": message["callbackAddress"],
            "token_hash": None,
            "token_expires": None,
            "state": "REQUESTED",
            "problem": None,
            "created": self.clock().isoformat(),
        }
        unique = {"party": identity.party, "consumer_pid": message["consumerPid"]}
        if await self.rows.insert(values, unique=unique):
            self.tasks.spawn(self.start(values["provider_pid"]))
            return JSONResponse(document("TransferProcess", values), 201, media_type=MEDIA)
        row = await self.rows.find(**unique)
        assert row is not None
        if (row["agreement"], row["callback"]) != (agreement.iri, message["callbackAddress"]):
            return pid_error(
                KIND,
                400,
                f"consumerPid: {row['consumer_pid']!r} already names a transfer of yours "
                f"under agreement {row['agreement']}",
                row_pids(row),
            )
        return JSONResponse(document("TransferProcess", row), 201, media_type=MEDIA)

    async def get(self, request: Request) -> Response:
        pid = request.path_params["pid"]
        row = await self.rows.get(pid)
        if row is None or row["party"] != caller(request).party:
            return pid_error(KIND, 404, f"no transfer {pid!r} of yours here", {"providerPid": pid})
        return JSONResponse(document("TransferProcess", row), media_type=MEDIA)

    async def _incoming(
        self, request: Request, schema: str
    ) -> tuple[dict[str, Any], dict[str, Any]] | Response:
        return await incoming(
            request, schema=schema, kind=KIND, rows=self.rows, own="providerPid", party="party"
        )

    async def message(self, request: Request, *, what: str) -> Response:
        """Completion, suspension or termination: the token is revoked with the state."""
        name, schema = MESSAGES[what]
        found = await self._incoming(request, f"transfer/{schema}")
        if isinstance(found, Response):
            return found
        values = {"token_hash": None, "token_expires": None}
        moved = await advance(
            self.rows, PROVIDER_TRANSFER, name, found[1], kind=KIND, values=values
        )
        return moved if isinstance(moved, Response) else ok()

    async def resume(self, request: Request) -> Response:
        """The consumer's ``TransferStartMessage``: not supported, said as the protocol's
        error after the message and the process are checked."""
        found = await self._incoming(request, "transfer/transfer-start-message-schema.json")
        if isinstance(found, Response):
            return found
        return pid_error(
            KIND,
            400,
            "resuming a suspended transfer is not supported here: request a new transfer "
            "under the same agreement",
            row_pids(found[1]),
        )

    async def start(self, pid: str) -> None:
        """Give the transfer its token and send the consumer the data address."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        values = {
            "state": "STARTED",
            "token_hash": token_hash(token),
            "token_expires": (self.clock() + TOKEN_TTL).isoformat(),
        }
        row = await self.rows.move(pid, {"REQUESTED"}, values)
        if row is None:
            return
        message = {
            "@context": [CONTEXT],
            "@type": "TransferStartMessage",
            **row_pids(row),
            "dataAddress": data_address(f"{self.config.base_iri}/graphql", token),
        }
        url = f"{row['callback'].rstrip('/')}/transfers/{row['consumer_pid']}/start"
        try:
            await self.outbound.deliver(url, message, "transfer/transfer-start-message-schema.json")
        except GuichetError as exc:
            log.warning("transfer %s: %s", pid, exc)
            await self.rows.note(pid, str(exc))


def data_address(endpoint: str, token: str) -> dict[str, Any]:
    def prop(name: str, value: str) -> Mapping[str, str]:
        return {"@type": "EndpointProperty", "name": name, "value": value}

    return {
        "@type": "DataAddress",
        "endpointType": ENDPOINT_TYPE,
        "endpoint": endpoint,
        "endpointProperties": [prop("authorization", token), prop("authType", "bearer")],
    }

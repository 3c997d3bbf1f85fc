"""What every route of a negotiation or a transfer does with a message: read and check
it, find its process (one of the caller's, else 404 as the binding asks), move it by the
state machine's table, and answer the protocol's error otherwise; and the messages sent
after answering, as tasks the node keeps until it stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.dsp.machine import Step, step
from connector.dsp.schemas import CONTEXT
from connector.dsp.store import Rows
from connector.dsp.views import MEDIA, error, read_message
from connector.identity.asgi import caller

log = logging.getLogger("guichet.dsp")
PIDS = ("providerPid", "consumerPid")


def pid_error(
    kind: str,
    status: int,
    reason: str,
    pids: object = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """``ContractNegotiationError`` or ``TransferError`` with the pids known, else ``""``
    (the schemas require both; a refused first request has no ``providerPid``)."""
    known = pids if isinstance(pids, dict) else {}
    fields = {k: v if isinstance(v := known.get(k), str) else "" for k in PIDS}
    return error(kind, status, reason, headers=headers, fields=fields)


def row_pids(row: Mapping[str, Any]) -> dict[str, str]:
    return {
        "providerPid": row.get("provider_pid") or "",
        "consumerPid": row.get("consumer_pid") or "",
    }


def ok() -> Response:
    """A message processed: 200 with no body (the binding specifies none)."""
    return Response(status_code=200, media_type=MEDIA)


def document(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """``ContractNegotiation`` or ``TransferProcess``: the process as its side sees it."""
    return {"@context": [CONTEXT], "@type": kind, **row_pids(row), "state": row["state"]}


async def incoming(
    request: Request,
    *,
    schema: str,
    kind: str,
    rows: Rows,
    own: str,
    party: str,
) -> tuple[dict[str, Any], dict[str, Any]] | Response:
    """The message and its process, or the error to answer. ``own`` is the pid the path
    names (``providerPid`` at the provider, ``consumerPid`` at the consumer); ``party``
    the row's column naming who may send messages about it."""
    pid = request.path_params["pid"]
    message = await read_message(request, schema)
    if isinstance(message, list):
        return pid_error(kind, 400, "; ".join(message), {own: pid})
    if message[own] != pid:
        return pid_error(
            kind, 400, f"{own}: the message names {message[own]!r}, the path {pid!r}", message
        )
    identity = caller(request)
    if identity.datasets is not None:
        return pid_error(
            kind, 401, "a transfer's token is for its data address only, not for messages", message
        )
    row = await rows.get(pid)
    if row is None or row[party] != identity.party:
        return pid_error(kind, 404, f"no process {pid!r} of yours here", message)
    other = "consumerPid" if own == "providerPid" else "providerPid"
    known = row_pids(row)[other]
    if known and message[other] != known:
        return pid_error(
            kind, 400, f"{other}: this process is {known!r}, not {message[other]!r}", row_pids(row)
        )
    return message, row


async def advance(
    rows: Rows,
    table: Mapping[str, Step],
    name: str,
    row: dict[str, Any],
    *,
    kind: str,
    values: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], bool] | Response:
    """Move the process by ``name`` (a message or an event type): the row afterwards and
    whether it moved (``False``: a repeat), or a 409 naming the state and the message."""
    verdict = step(table, name, row["state"])
    if verdict == "repeat":
        return row, False
    if verdict != "move":
        return pid_error(kind, 409, verdict, row_pids(row))
    key = row[rows.key.name]
    moved = await rows.move(
        key, table[name].sources, {"state": table[name].target, **(values or {})}
    )
    if moved is None:  # another message moved it first
        now = await rows.get(key) or row
        verdict = step(table, name, now["state"])
        if verdict == "repeat":
            return now, False
        return pid_error(kind, 409, str(verdict), row_pids(now))
    return moved, True


class Tasks:
    """Messages sent after the answer: tasks kept until done (a task nobody holds may be
    collected), awaited a moment when the node stops."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._running.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a Dataspace Protocol message failed", exc_info=task.exception())

    async def aclose(self, wait: float = 5.0) -> None:
        if self._running:
            _, pending = await asyncio.wait(self._running, timeout=wait)
            for task in pending:
                task.cancel()

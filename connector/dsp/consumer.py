"""The consumer side's requests, as ``guichet dsp`` sends them for a node.

:func:`negotiate` and :func:`transfer` record the process in the node's state database
first (so that the provider's callbacks, which may come before its answer, find it), send
the request with ``callbackAddress`` the node's ``/dsp/callback``, then wait for the node
to record the end: FINALIZED (or TERMINATED) for a negotiation, STARTED for a transfer.
The node itself verifies the agreement when it comes, and answers an offer the provider
makes (:mod:`connector.dsp.callbacks`): :func:`negotiate` records the offer asked for,
and whether another may be accepted, beside the process.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import httpx

from connector.dsp.outbound import CALLBACK, Outbound, SendError
from connector.dsp.schemas import CONTEXT
from connector.dsp.store import DspStore, Rows
from connector.errors import GuichetError

NEGOTIATION_ENDS = ("FINALIZED", "TERMINATED")
TRANSFER_ENDS = ("STARTED", "TERMINATED", "COMPLETED", "SUSPENDED")


async def dsp_root(outbound: Outbound, url: str) -> str:
    """The provider's protocol root, from its ``/.well-known/dspace-version``."""
    base = url.rstrip("/")
    try:
        r = await outbound.client.get(f"{base}/.well-known/dspace-version")
        versions = r.json()["protocolVersions"] if r.status_code == 200 else []
    except httpx.HTTPError as exc:
        raise SendError(f"{base} cannot be reached: {exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise SendError(f"{base}/.well-known/dspace-version: not a version list ({exc})") from exc
    for v in versions:
        if isinstance(v, dict) and v.get("version") == "2025-1" and v.get("binding") == "HTTPS":
            return base + str(v.get("path", "/dsp")).rstrip("/")
    raise SendError(f"{base} speaks no Dataspace Protocol 2025-1 over HTTPS")


async def catalog(outbound: Outbound, url: str, *, signed: bool) -> dict[str, Any]:
    root = await dsp_root(outbound, url)
    message = {"@context": [CONTEXT], "@type": "CatalogRequestMessage"}
    r = await outbound.request(
        "POST",
        f"{root}/catalog/request",
        message,
        schema="catalog/catalog-request-message-schema.json",
        signed=signed,
    )
    if r.status_code != 200:
        raise SendError(f"the catalog request was refused: HTTP {r.status_code}: {r.text[:500]}")
    body: dict[str, Any] = r.json()
    return body


def _dataset(found: dict[str, Any], name: str) -> dict[str, Any]:
    for ds in found.get("dataset", []):
        if name in (ds.get("@id"), ds.get("dct:identifier")):
            return dict(ds)
    names = ", ".join(str(d.get("@id")) for d in found.get("dataset", [])) or "none"
    raise GuichetError(f"no dataset {name!r} in the catalog; datasets: {names}")


async def _wait(
    rows: Rows, pid: str, ends: Collection[str], timeout: float, what: str
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        row = await rows.get(pid)
        assert row is not None
        if row["state"] in ends:
            return row
        if time.monotonic() > deadline:
            problem = f"; last problem: {row['problem']}" if row["problem"] else ""
            raise GuichetError(
                f"no end to the {what} after {timeout:g} s: it is {row['state']} "
                f"(consumerPid {pid}, providerPid {row['provider_pid']}){problem}"
            )
        await asyncio.sleep(0.2)


async def negotiate(
    store: DspStore,
    outbound: Outbound,
    url: str,
    dataset: str,
    offer: str,
    node_url: str,
    *,
    timeout: float = 30,
    accept_counter_offer: bool = False,
) -> dict[str, Any]:
    """Negotiate ``offer`` of ``dataset`` at ``url`` for the node at ``node_url``: the
    consumer negotiation as it ended (FINALIZED with its agreement, or TERMINATED).
    ``accept_counter_offer``: should the provider answer with an offer other than
    ``offer`` (as the catalog gave it), accept it rather than terminate."""
    rows = store.consumer_negotiations
    found = await catalog(outbound, url, signed=True)
    root = await dsp_root(outbound, url)
    ds = _dataset(found, dataset)
    offers = {o.get("@id"): o for o in ds.get("hasPolicy", [])}
    if offer not in offers:
        raise GuichetError(
            f"dataset {ds['@id']} has no offer {offer!r}; offers: {', '.join(map(str, offers))}"
        )
    pid = f"urn:uuid:{uuid.uuid4()}"
    row = {
        "consumer_pid": pid,
        "provider_pid": None,
        "provider": str(found["participantId"]),
        "provider_url": root,
        "dataset": ds["@id"],
        "offer": offer,
        "agreement": None,
        "agreement_document": None,
        "state": "REQUESTED",
        "problem": None,
        "created": datetime.now(UTC).isoformat(),
    }
    asked = {**offers[offer], "target": ds["@id"]}
    kept = {"consumer_pid": pid, "offer": json.dumps(asked), "accept_other": accept_counter_offer}
    await store.consumer_asked.insert(kept, unique={"consumer_pid": pid})
    await rows.insert(row, unique={"consumer_pid": pid})
    message = {
        "@context": [CONTEXT],
        "@type": "ContractRequestMessage",
        "consumerPid": pid,
        "offer": asked,
        "callbackAddress": node_url.rstrip("/") + CALLBACK,
    }
    schema = "negotiation/contract-request-message-schema.json"
    sent = await _first(rows, outbound, f"{root}/negotiations/request", message, schema, "request")
    return await _wait(rows, sent, NEGOTIATION_ENDS, timeout, "negotiation")


async def transfer(
    rows: Rows,
    outbound: Outbound,
    url: str,
    agreement: str,
    node_url: str,
    *,
    provider: str,
    timeout: float = 30,
) -> dict[str, Any]:
    """Request a pull transfer under ``agreement``: the consumer transfer once STARTED
    (with the data address) or ended otherwise."""
    root = await dsp_root(outbound, url)
    pid = f"urn:uuid:{uuid.uuid4()}"
    row = {
        "consumer_pid": pid,
        "provider_pid": None,
        "provider": provider,
        "provider_url": root,
        "agreement": agreement,
        "endpoint": None,
        "token": None,
        "state": "REQUESTED",
        "problem": None,
        "created": datetime.now(UTC).isoformat(),
    }
    await rows.insert(row, unique={"consumer_pid": pid})
    message = {
        "@context": [CONTEXT],
        "@type": "TransferRequestMessage",
        "consumerPid": pid,
        "agreementId": agreement,
        "format": "HttpData-PULL",
        "callbackAddress": node_url.rstrip("/") + CALLBACK,
    }
    schema = "transfer/transfer-request-message-schema.json"
    sent = await _first(rows, outbound, f"{root}/transfers/request", message, schema, "transfer")
    return await _wait(rows, sent, TRANSFER_ENDS, timeout, "transfer")


async def _first(
    rows: Rows, outbound: Outbound, url: str, message: dict[str, Any], schema: str, what: str
) -> str:
    """Send a process's first message (its row recorded REQUESTED): the provider's
    ``providerPid`` is kept; refused, the row is TERMINATED with the provider's reason."""
    pid = str(message["consumerPid"])
    r = await outbound.request("POST", url, message, schema=schema)
    if r.status_code != 201:
        reason = _reason(r)
        await rows.move(pid, {"REQUESTED"}, {"state": "TERMINATED", "problem": reason})
        raise GuichetError(f"the provider refused the {what}: {reason}")
    provider_pid = r.json().get("providerPid")
    await rows.move(pid, {"REQUESTED"}, {"provider_pid": provider_pid, "state": "REQUESTED"})
    return pid


def _reason(r: Any) -> str:
    try:
        body = r.json()
        return f"HTTP {r.status_code}: {'; '.join(map(str, body.get('reason', [])))}"
    except ValueError:
        return f"HTTP {r.status_code}: {r.text[:300]}"

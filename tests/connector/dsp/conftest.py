"""The protocol's end-to-end fixtures: the small data space of :mod:`.space` (one per
module) and the consumer node's side, as ``guichet dsp`` uses it; and the helpers the
tests share."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from connector.config import load_config
from connector.dsp import consumer
from connector.dsp.outbound import Outbound
from connector.dsp.schemas import CONTEXT, problems
from connector.dsp.store import DspStore
from tests.connector.dsp.space import OFFER, PROVIDER, Exchange, Space, start_space

T = TypeVar("T")


@pytest.fixture(scope="module")
def space(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Space]:
    yield from start_space(tmp_path_factory.mktemp("dsp-space"))


@pytest.fixture
async def side(space: Space) -> AsyncIterator[tuple[DspStore, Outbound]]:
    """The consumer node's state database and credentials, as ``guichet dsp`` uses them,
    its requests captured with the nodes' own."""
    config = load_config(space.consumer.toml)
    engine = create_async_engine(config.usage.audit_db)
    client = space.capture.client()
    yield DspStore(engine), Outbound(config.dsp, client)
    await client.aclose()
    await engine.dispose()


def dsp_message(kind: str, **fields: str) -> dict[str, Any]:
    return {"@context": [CONTEXT], "@type": kind, **fields}


async def negotiated(space: Space, side: tuple[DspStore, Outbound]) -> dict[str, Any]:
    store, outbound = side
    row = await consumer.negotiate(
        store,
        outbound,
        space.provider.url,
        f"{space.provider.url}/catalog/energie",
        OFFER,
        space.consumer.url,
        timeout=20,
    )
    assert row["state"] == "FINALIZED", row
    return row


async def started(space: Space, side: tuple[DspStore, Outbound], agreement: str) -> dict[str, Any]:
    store, outbound = side
    row = await consumer.transfer(
        store.consumer_transfers,
        outbound,
        space.provider.url,
        agreement,
        space.consumer.url,
        provider=PROVIDER,
        timeout=20,
    )
    assert row["state"] == "STARTED", row
    return row


async def until(check: Callable[[], Awaitable[T | None]], what: str) -> T:
    """``check()``'s first answer that is not empty, asked every 0.1 s for 15 s."""
    for _ in range(150):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"never: {what}")


async def recorded(
    space: Space,
    store: DspStore,
    pid: str,
    *,
    dataset: str | None = None,
    asked: dict[str, Any] | None = None,
    accept_other: bool = False,
) -> None:
    """The consumer negotiation ``pid`` recorded as ``guichet dsp negotiate`` records it,
    REQUESTED, of ``dataset`` (the catalog's ``energie``); with ``asked``, the offer it asked
    for (and whether it may take another), against which the provider's answer is read."""
    if asked is not None:
        await store.consumer_asked.insert(
            {"consumer_pid": pid, "offer": json.dumps(asked), "accept_other": accept_other},
            unique={"consumer_pid": pid},
        )
    await store.consumer_negotiations.insert(
        {
            "consumer_pid": pid,
            "provider": PROVIDER,
            "provider_url": f"{space.provider.url}/dsp",
            "dataset": dataset or f"{space.provider.url}/catalog/energie",
            "offer": OFFER,
            "state": "REQUESTED",
            "created": datetime.now(UTC).isoformat(),
        },
        unique={"consumer_pid": pid},
    )


async def in_state(store: DspStore, pid: str, *states: str) -> dict[str, Any] | None:
    """The consumer negotiation ``pid`` if it is in one of ``states``."""
    row = await store.consumer_negotiations.get(pid)
    return row if row is not None and row["state"] in states else None


def request_of(space: Space, consumer_pid: str) -> Exchange:
    """The ContractRequestMessage that started the consumer's negotiation ``consumer_pid``."""
    (request,) = [
        e
        for e in space.capture.dsp()
        if e.url.endswith("/negotiations/request") and e.sent["consumerPid"] == consumer_pid
    ]
    return request


def graphql(url: str, query: str, token: str) -> httpx.Response:
    return httpx.post(f"{url}/graphql", json={"query": query}, headers=bearer(token))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_of(r: httpx.Response, kind: str, status: int, reason: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    schema = {
        "ContractNegotiationError": "negotiation/contract-negotiation-error-schema.json",
        "TransferError": "transfer/transfer-error-schema.json",
    }[kind]
    assert problems(schema, body) == [] and body["@type"] == kind
    assert body["code"] == str(status)
    assert reason in " ".join(body["reason"]), body
    return body

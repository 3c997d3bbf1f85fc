"""The protocol's end-to-end fixtures: the small data space of :mod:`.space` (one per
module) and the consumer node's side, as ``guichet dsp`` uses it; and the helpers the
tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from connector.config import load_config
from connector.dsp import consumer
from connector.dsp.outbound import Outbound
from connector.dsp.schemas import CONTEXT, problems
from connector.dsp.store import DspStore
from tests.connector.dsp.space import OFFER, PROVIDER, Space, start_space


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
        store.consumer_negotiations,
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

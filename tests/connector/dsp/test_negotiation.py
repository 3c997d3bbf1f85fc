"""The start of a contract negotiation as an EDC-family consumer sends it: a
ContractRequestMessage written from the 2025-1 specification, the negotiation persisted
in state REQUESTED, idempotent, shown only to its party; every message schema-checked."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import NodeConfig, load_config
from tests.connector.dsp.conftest import bearer
from tests.connector.dsp.test_catalog import DSPACE, EXPECTED_OFFER, valid
from tests.connector.usage.conftest import BASE, DS, POLICIES, TableVerifier, write_node
from tests.connector.usage.test_agreements import ENERGIE_WITH_OFFER

pytestmark = pytest.mark.anyio

CONSUMER_PID = "urn:uuid:32541fe6-c580-409e-85a8-8a9a32fbe833"
REQUEST: dict[str, Any] = {
    "@context": [DSPACE],
    "@type": "ContractRequestMessage",
    "consumerPid": CONSUMER_PID,
    "offer": {**EXPECTED_OFFER, "target": DS + "energie"},
    "callbackAddress": "https://consumer.example.org/callback",
}
ERROR = "negotiation/contract-negotiation-error-schema.json"


@pytest.fixture
def config(tmp_path: Path) -> NodeConfig:
    return load_config(write_node(tmp_path, policies={**POLICIES, "energie": ENERGIE_WITH_OFFER}))


@pytest.fixture
async def client(config: NodeConfig) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(config, verifier=TableVerifier())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield c
    await app.state.usage.audit.aclose()


async def start(client: httpx.AsyncClient, message: Any, token: str = "city") -> httpx.Response:
    return await client.post("/dsp/negotiations/request", json=message, headers=bearer(token))


async def test_a_request_starts_a_negotiation_in_state_requested(
    client: httpx.AsyncClient,
) -> None:
    valid("negotiation/contract-request-message-schema.json", REQUEST)
    r = await start(client, REQUEST)
    assert r.status_code == 201, r.text
    negotiation = valid("negotiation/contract-negotiation-schema.json", r.json())
    assert negotiation["state"] == "REQUESTED"
    assert negotiation["consumerPid"] == CONSUMER_PID
    assert negotiation["providerPid"].startswith("urn:uuid:")
    pid = negotiation["providerPid"]
    r = await client.get(f"/dsp/negotiations/{pid}", headers=bearer("city"))
    assert r.status_code == 200
    got = valid("negotiation/contract-negotiation-schema.json", r.json())
    assert {**got, "state": "REQUESTED"} == negotiation  # or AGREED already
    # another party, or nobody, does not learn it exists (the binding: 404)
    for headers in (bearer("univ"), {}):
        r = await client.get(f"/dsp/negotiations/{pid}", headers=headers)
        assert r.status_code == 404
        assert valid(ERROR, r.json())["providerPid"] == pid


async def test_resending_the_request_finds_the_same_negotiation(
    client: httpx.AsyncClient, config: NodeConfig
) -> None:
    first = (await start(client, REQUEST)).json()
    again = await start(client, REQUEST)
    assert again.status_code == 201
    # the same negotiation; the node agrees right after its first answer (it has no [dsp]
    # credentials here: the agreement is not delivered, the negotiation stays AGREED)
    assert {**again.json(), "state": "REQUESTED"} == first
    assert again.json()["state"] in ("REQUESTED", "AGREED")
    # the same consumerPid for something else is refused, naming the negotiation it is
    other = {**REQUEST, "callbackAddress": "https://elsewhere.example.org/cb"}
    r = await start(client, other)
    assert r.status_code == 400
    body = valid(ERROR, r.json())
    assert body["providerPid"] == first["providerPid"] and "already names" in body["reason"][0]
    # the same consumerPid from another party is that party's own negotiation
    univ = await start(client, REQUEST, token="univ")
    assert univ.status_code == 201
    assert univ.json()["providerPid"] != first["providerPid"]
    # persisted: a node restarted on the same state database still knows it
    app = create_app(config, verifier=TableVerifier())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as restarted:
        r = await restarted.get(f"/dsp/negotiations/{first['providerPid']}", headers=bearer("city"))
    await app.state.usage.audit.aclose()
    assert r.status_code == 200 and {**r.json(), "state": "REQUESTED"} == first


def changed(path: list[Any], value: Any) -> dict[str, Any]:
    message = copy.deepcopy(REQUEST)
    node = message
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return message


RIGHT_OPERAND = ["offer", "permission", 0, "constraint", 0, "rightOperand", "@value"]


# a counter-offer is a negotiation, answered with our offer (test_offer.py); what is no
# negotiation at all is refused
@pytest.mark.parametrize(
    ("message", "status", "reason"),
    [
        (changed(["offer", "target"], None), 400, "offer.target: the dataset"),
        (changed(["offer", "target"], DS + "registre"), 400, "no dataset"),
        (changed(["consumerPid"], None), 400, "'consumerPid' is a required property"),
        (changed(["@type"], "ContractOfferMessage"), 400, "'ContractRequestMessage' was expected"),
        (
            {**changed(["callbackAddress"], None), "providerPid": "urn:uuid:x"},
            400,
            "a first request carries none",
        ),
        ("not an object", 400, "is not of type 'object'"),
        # a further context is never fetched: the offer cannot be read, so it is refused
        (
            {**REQUEST, "@context": [DSPACE, "https://example.org/ctx.jsonld"]},
            400,
            "not readable as JSON-LD",
        ),
    ],
)
async def test_a_bad_request_is_a_negotiation_error(
    client: httpx.AsyncClient, message: Any, status: int, reason: str
) -> None:
    r = await start(client, message)
    assert r.status_code == status, r.text
    body = valid(ERROR, r.json())
    assert body["@type"] == "ContractNegotiationError" and body["code"] == str(status)
    assert reason in body["reason"][0], body


async def test_negotiating_needs_a_valid_token(client: httpx.AsyncClient) -> None:
    r = await client.post("/dsp/negotiations/request", json=REQUEST)
    assert r.status_code == 401
    assert "identified participant" in valid(ERROR, r.json())["reason"][0]
    r = await start(client, REQUEST, token="forged")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    valid(ERROR, r.json())

"""The provider's offer step, in one process: a counter-offer is answered with our Offer
(ContractOfferMessage to the consumer's callback), which the consumer accepts (ACCEPTED),
asks for again in a request, counters again (the third counter-offer ends it) or not at
all; a dataset with several Offers countered without naming one is terminated. The
consumer's callback and the issuer are an ``httpx.MockTransport`` port (the node's
``dsp_client``) that keeps every message; each is checked against its schema.

Expected values are the test's own: ``EXPECTED_OFFER`` (the Offer of
``ENERGIE_WITH_OFFER`` compacted by hand, tests/connector/dsp/test_catalog.py) and a
second Offer written here."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from connector.dsp.schemas import problems
from tests.connector.dsp.test_catalog import EXPECTED_OFFER, valid
from tests.connector.dsp.test_negotiation import ERROR, REQUEST, RIGHT_OPERAND, bearer, changed
from tests.connector.usage.conftest import BASE, DS, POLICIES, TableVerifier, write_node
from tests.connector.usage.test_agreements import ENERGIE_WITH_OFFER, OFFER

pytestmark = pytest.mark.anyio
ISSUER = "https://issuer.example"
CALLBACK = "https://consumer.example.org/callback/negotiations/" + REQUEST["consumerPid"]
SECOND = "urn:uuid:second"
WEEK = "https://example.org/offer/energie-7-days"
SCHEMAS = {
    "offers": "negotiation/contract-offer-message-schema.json",
    "agreement": "negotiation/contract-agreement-message-schema.json",
    "termination": "negotiation/contract-negotiation-termination-message-schema.json",
    "events": "negotiation/contract-negotiation-event-message-schema.json",
}


def with_week_offer() -> dict[str, Any]:
    """ENERGIE_WITH_OFFER with a second Offer: read for 7 days."""
    policy = copy.deepcopy(ENERGIE_WITH_OFFER)
    week = copy.deepcopy(policy["@graph"][1])
    week["uid"] = WEEK
    week["permission"][0]["constraint"][0]["rightOperand"]["@value"] = "P7D"
    policy["@graph"].append(week)
    return policy


class Consumer:
    """The issuer and the consumer's callback: every message the node sends, by path."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/.well-known/"):
            return httpx.Response(200, json={"issuer": ISSUER, "token_endpoint": f"{ISSUER}/t"})
        if request.url.path == "/t":
            return httpx.Response(200, json={"access_token": "node", "expires_in": 300})
        message = json.loads(request.content)
        kind = request.url.path.rsplit("/", 1)[-1]
        assert problems(SCHEMAS[kind], message) == [], message
        self.sent.append((str(request.url).rsplit("/", 1)[0] + "/" + kind, message))
        return httpx.Response(200)

    async def next(self, kind: str, after: int = 0, to: str = CALLBACK) -> dict[str, Any]:
        """The first message of ``kind`` sent after the first ``after`` ones (to the
        negotiation whose callback is ``to``)."""
        for _ in range(250):
            found = [m for url, m in self.sent[after:] if url == f"{to}/{kind}"]
            if found:
                return found[0]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {kind} message was sent; sent: {self.sent}")


Node = tuple[httpx.AsyncClient, Consumer]


async def _node(tmp_path: Path, energie: dict[str, Any]) -> AsyncIterator[Node]:
    path = write_node(tmp_path, policies={**POLICIES, "energie": energie})
    (tmp_path / "dsp-secret").write_text("s", encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    text += f'\n[dsp]\nissuer = "{ISSUER}"\nclient_id = "tiny"\nclient_secret_file = "dsp-secret"\n'
    path.write_text(text, encoding="utf-8")
    consumer = Consumer()
    out = httpx.AsyncClient(transport=httpx.MockTransport(consumer))
    app = create_app(load_config(path), verifier=TableVerifier(), dsp_client=out)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client, consumer
    await app.state.usage.audit.aclose()
    await out.aclose()


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Node]:
    async for n in _node(tmp_path, ENERGIE_WITH_OFFER):
        yield n


@pytest.fixture
async def two_offers(tmp_path: Path) -> AsyncIterator[Node]:
    async for n in _node(tmp_path, with_week_offer()):
        yield n


async def post(client: httpx.AsyncClient, path: str, message: Any) -> httpx.Response:
    return await client.post(path, json=message, headers=bearer("city"))


async def state(client: httpx.AsyncClient, pid: str, wanted: str) -> None:
    for _ in range(250):
        r = await client.get(f"/dsp/negotiations/{pid}", headers=bearer("city"))
        if r.json()["state"] == wanted:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{pid} is {r.json()['state']}, not {wanted}")


def again(message: dict[str, Any], pid: str) -> dict[str, Any]:
    """A request within negotiation ``pid``: the schema wants its providerPid instead
    of the callback address."""
    out = {k: v for k, v in message.items() if k != "callbackAddress"}
    return {**out, "providerPid": pid}


def event(pid: str, kind: str = "ACCEPTED") -> dict[str, Any]:
    return {
        "@context": REQUEST["@context"],
        "@type": "ContractNegotiationEventMessage",
        "providerPid": pid,
        "consumerPid": REQUEST["consumerPid"],
        "eventType": kind,
    }


OUR_OFFER = {**EXPECTED_OFFER, "target": DS + "energie"}
CITY = "https://example.org/participants/city"
OUR_RULES = [{**EXPECTED_OFFER["permission"][0], "assignee": CITY}]
"""Our Offer's rule, as an Agreement for the city holds it (acceptOffer's way: the rule's
assignee is the party)."""
COUNTERS: list[Callable[[], dict[str, Any]]] = [
    lambda: changed(RIGHT_OPERAND, "P60D"),  # a longer time than ours, under our @id
    lambda: changed(["offer", "permission", 0, "action"], "use"),  # another action
    lambda: changed(["offer", "@id"], "https://example.org/offer/mine"),  # ours, another @id
]


@pytest.mark.parametrize("counter", COUNTERS)
async def test_a_counter_offer_gets_our_offer_which_accepted_is_agreed(
    node: Node, counter: Callable[[], dict[str, Any]]
) -> None:
    client, consumer = node
    r = await post(client, "/dsp/negotiations/request", counter())
    assert r.status_code == 201, r.text
    created = valid("negotiation/contract-negotiation-schema.json", r.json())
    assert created["state"] == "REQUESTED"
    pid = created["providerPid"]
    offered = await consumer.next("offers")
    assert offered["offer"] == OUR_OFFER  # ours, as the catalog publishes it, not theirs
    assert (offered["providerPid"], offered["consumerPid"]) == (pid, REQUEST["consumerPid"])
    await state(client, pid, "OFFERED")
    r = await post(client, f"/dsp/negotiations/{pid}/events", event(pid))
    assert r.status_code == 200 and not r.content, r.text
    agreement = (await consumer.next("agreement"))["agreement"]
    await state(client, pid, "AGREED")
    # the agreement carries our Offer's rules, for the consumer, on the dataset
    assert agreement["permission"] == OUR_RULES
    assert (agreement["target"], agreement["assignee"]) == (
        DS + "energie",
        CITY,
    )
    # ACCEPTED again now is out of order: 409, naming the state
    r = await post(client, f"/dsp/negotiations/{pid}/events", event(pid))
    assert r.status_code == 409
    assert "ACCEPTED cannot be accepted in state AGREED" in valid(ERROR, r.json())["reason"][0]


async def test_after_our_offer_a_request_for_it_is_agreed_and_a_third_counter_ends_it(
    node: Node,
) -> None:
    client, consumer = node
    r = await post(client, "/dsp/negotiations/request", changed(RIGHT_OPERAND, "P60D"))
    pid = r.json()["providerPid"]
    await consumer.next("offers")
    await state(client, pid, "OFFERED")
    # a second counter-offer: offered again
    seen = len(consumer.sent)
    r = await post(
        client, f"/dsp/negotiations/{pid}/request", again(changed(RIGHT_OPERAND, "P45D"), pid)
    )
    assert r.status_code == 200, r.text
    assert valid("negotiation/contract-negotiation-schema.json", r.json())["state"] == "REQUESTED"
    assert (await consumer.next("offers", seen))["offer"] == OUR_OFFER
    await state(client, pid, "OFFERED")
    # the third: terminated, the reason sent
    r = await post(
        client, f"/dsp/negotiations/{pid}/request", again(changed(RIGHT_OPERAND, "P40D"), pid)
    )
    assert r.status_code == 200 and r.json()["state"] == "TERMINATED", r.text
    ended = await consumer.next("termination")
    assert f"counter-offer 3 of 3: the provider's offer {OFFER} stands" in ended["reason"][0]
    r = await post(client, f"/dsp/negotiations/{pid}/events", event(pid))
    assert r.status_code == 409 and "in state TERMINATED" in r.json()["reason"][0]
    # the first request again is the same negotiation; the same consumerPid with another
    # offer (our own, or another counter-offer) is not
    r = await post(client, "/dsp/negotiations/request", changed(RIGHT_OPERAND, "P60D"))
    assert r.status_code == 201 and r.json()["providerPid"] == pid, r.text
    for other in (REQUEST, changed(RIGHT_OPERAND, "P90D")):
        r = await post(client, "/dsp/negotiations/request", other)
        assert r.status_code == 400, r.text
        assert "already names a negotiation of yours" in valid(ERROR, r.json())["reason"][0]

    # another negotiation: after our offer, the consumer asks for it in a request
    second = {**changed(RIGHT_OPERAND, "P60D"), "consumerPid": SECOND}
    r = await post(client, "/dsp/negotiations/request", second)
    pid = r.json()["providerPid"]
    await state(client, pid, "OFFERED")
    mine = {**REQUEST, "consumerPid": SECOND}
    r = await post(client, f"/dsp/negotiations/{pid}/request", again(mine, pid))
    assert r.status_code == 200, r.text
    await state(client, pid, "AGREED")
    agreed = await consumer.next("agreement", to=CALLBACK.replace(REQUEST["consumerPid"], SECOND))
    assert agreed["agreement"]["permission"] == OUR_RULES
    # a request for another dataset within it: no request of this negotiation
    other = {**changed(["offer", "target"], DS + "registre"), "consumerPid": SECOND}
    r = await post(client, f"/dsp/negotiations/{pid}/request", again(other, pid))
    assert r.status_code == 400 and "no dataset" in r.json()["reason"][0]


async def test_accepted_before_any_offer_is_out_of_order(node: Node) -> None:
    client, consumer = node
    r = await post(client, "/dsp/negotiations/request", REQUEST)  # ours: agreed at once
    pid = r.json()["providerPid"]
    await consumer.next("agreement")
    r = await post(client, f"/dsp/negotiations/{pid}/events", event(pid))
    assert r.status_code == 409, r.text
    body = valid(ERROR, r.json())
    assert body["reason"] == [
        "ACCEPTED cannot be accepted in state AGREED: it is expected in state OFFERED"
    ]
    assert (body["providerPid"], body["consumerPid"]) == (pid, REQUEST["consumerPid"])
    r = await post(client, f"/dsp/negotiations/{pid}/events", event(pid, "FINALIZED"))
    assert r.status_code == 400 and "provider's to send" in r.json()["reason"][0]


async def test_several_offers_the_one_named_is_offered_none_named_ends_it(
    two_offers: Node,
) -> None:
    client, consumer = two_offers
    week = {
        **REQUEST,
        "offer": {**changed(RIGHT_OPERAND, "P3D")["offer"], "@id": WEEK},
    }
    r = await post(client, "/dsp/negotiations/request", week)
    assert r.status_code == 201, r.text
    offered = (await consumer.next("offers"))["offer"]
    assert offered["@id"] == WEEK
    rule = offered["permission"][0]["constraint"][0]["rightOperand"]
    assert rule["@value"] == "P7D"  # ours, not their P3D
    nameless = {
        **changed(RIGHT_OPERAND, "P3D"),
        "consumerPid": "urn:uuid:nameless",
    }
    nameless["offer"]["@id"] = "https://example.org/offer/mine"
    r = await post(client, "/dsp/negotiations/request", nameless)
    assert r.status_code == 201
    assert valid("negotiation/contract-negotiation-schema.json", r.json())["state"] == "TERMINATED"
    nameless_callback = CALLBACK.replace(REQUEST["consumerPid"], "urn:uuid:nameless")
    message = await consumer.next("termination", to=nameless_callback)
    assert message["reason"] == [
        "offer.@id: 'https://example.org/offer/mine' is none of the offers of dataset "
        f"{DS}energie, which has 2 ({OFFER}, {WEEK}): a counter-offer must name the one "
        "it counters"
    ]

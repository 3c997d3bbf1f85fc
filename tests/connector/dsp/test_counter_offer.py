"""Counter-offers between two real nodes (:mod:`tests.connector.dsp.space`): the consumer
node asks for other terms than the catalog's; the provider answers with its own Offer;
the consumer node, allowed to take another offer, accepts it; the agreement is the
provider's Offer, enforced on GraphQL with the transfer's token. A consumer that keeps
countering is terminated on its third counter-offer. Every message sent and every answer
is checked against the protocol's schemas.

Expected values are the test's own: the offer of ``ENERGIE_WITH_OFFER`` (read, 30 days,
attribution), the tiny node's energy rows (tests/connector/tiny.py)."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

from connector.dsp.outbound import Outbound
from connector.dsp.schemas import problems
from connector.dsp.store import DspStore
from tests.connector.dsp.conftest import (
    bearer,
    dsp_message,
    graphql,
    in_state,
    recorded,
    started,
    until,
)
from tests.connector.dsp.space import CONSUMER, OFFER, Space, check_all
from tests.connector.dsp.test_end_to_end import ENERGY, SCHOOL_ENERGY

pytestmark = pytest.mark.anyio
REQUEST = "negotiation/contract-request-message-schema.json"
OFFER_MESSAGE = "negotiation/contract-offer-message-schema.json"


async def catalog_offer(space: Space, outbound: Outbound) -> dict[str, Any]:
    """The provider's Offer as its catalog publishes it, with its dataset as target."""
    r = await outbound.request(
        "POST",
        f"{space.provider.url}/dsp/catalog/request",
        dsp_message("CatalogRequestMessage"),
    )
    (dataset,) = r.json()["dataset"]
    (offer,) = dataset["hasPolicy"]
    return {**offer, "target": dataset["@id"]}


def sixty_days(offer: dict[str, Any]) -> dict[str, Any]:
    """The consumer's counter-offer: the same rule, for 60 days instead of 30."""
    counter = copy.deepcopy(offer)
    (rule,) = counter["permission"]
    (constraint,) = rule["constraint"]
    assert constraint["rightOperand"]["@value"] == "P30D"
    constraint["rightOperand"]["@value"] = "P60D"
    return counter


async def test_a_counter_offer_is_answered_with_ours_accepted_agreed_and_enforced(
    space: Space, side: tuple[DspStore, Outbound]
) -> None:
    store, outbound = side
    before = len(space.capture.exchanges)
    ours = await catalog_offer(space, outbound)
    counter = sixty_days(ours)
    pid = "urn:uuid:counter-accepted"
    # the consumer node records its negotiation as guichet dsp negotiate does, allowed
    # to take another offer than the one it asks for (--accept-counter-offer)
    await recorded(space, store, pid, dataset=counter["target"], asked=counter, accept_other=True)
    request = dsp_message(
        "ContractRequestMessage",
        consumerPid=pid,
        callbackAddress=f"{space.consumer.url}/dsp/callback",
    )
    request["offer"] = counter
    r = await outbound.request(
        "POST", f"{space.provider.url}/dsp/negotiations/request", request, schema=REQUEST
    )
    assert r.status_code == 201 and r.json()["state"] == "REQUESTED", r.text
    provider_pid = r.json()["providerPid"]

    row = await until(lambda: in_state(store, pid, "FINALIZED", "TERMINATED"), "the end")
    assert row["state"] == "FINALIZED", row
    assert row["provider_pid"] == provider_pid
    # the offer the provider sent was its own, as its catalog publishes it
    exchanges = space.capture.dsp(before)
    (offered,) = [e for e in exchanges if e.url.endswith(f"/negotiations/{pid}/offers")]
    assert offered.status == 200 and offered.sent["offer"] == ours
    (accepted,) = [e for e in exchanges if e.url.endswith(f"/negotiations/{provider_pid}/events")]
    assert accepted.sent["eventType"] == "ACCEPTED" and accepted.status == 200
    # the agreement is of that Offer: 30 days, not the 60 asked
    agreement = json.loads(row["agreement_document"])
    (rule,) = agreement["permission"]
    assert rule["constraint"][0]["rightOperand"]["@value"] == "P30D"
    assert (agreement["assignee"], agreement["target"]) == (CONSUMER, counter["target"])
    own = space.token(CONSUMER, space.provider)
    r = httpx.post(
        f"{space.provider.url}/agreements/graphql",
        json={"query": "{ agreements { iri offer } }"},
        headers=bearer(own),
    )
    assert {"iri": row["agreement"], "offer": OFFER} in r.json()["data"]["agreements"]
    # and it is enforced: the transfer's token reads the dataset
    transfer = await started(space, side, row["agreement"])
    body = graphql(space.provider.url, ENERGY, transfer["token"]).json()
    assert body["data"] == SCHOOL_ENERGY, body
    assert check_all(space.capture.dsp()) == []


async def test_a_consumer_countering_three_times_is_terminated(
    space: Space, side: tuple[DspStore, Outbound]
) -> None:
    """A consumer that answers none of the offers (its callback knows no such
    negotiation: the provider's messages are refused 404, and the provider goes on)."""
    _, outbound = side
    before = len(space.capture.exchanges)
    ours = await catalog_offer(space, outbound)
    pid = "urn:uuid:counter-thrice"
    request = dsp_message(
        "ContractRequestMessage",
        consumerPid=pid,
        callbackAddress=f"{space.consumer.url}/dsp/callback",
    )
    url = f"{space.provider.url}/dsp/negotiations"
    request["offer"] = sixty_days(ours)
    r = await outbound.request("POST", f"{url}/request", request, schema=REQUEST)
    assert r.status_code == 201, r.text
    provider_pid = r.json()["providerPid"]

    async def in_state(wanted: str) -> bool:
        r = await outbound.request("GET", f"{url}/{provider_pid}")
        return bool(r.json()["state"] == wanted)

    await until(lambda: in_state("OFFERED"), "offered")
    again = {k: v for k, v in request.items() if k != "callbackAddress"}
    again["providerPid"] = provider_pid
    for days, state in (("P45D", "REQUESTED"), ("P40D", "TERMINATED")):
        again["offer"]["permission"][0]["constraint"][0]["rightOperand"]["@value"] = days
        r = await outbound.request("POST", f"{url}/{provider_pid}/request", again, schema=REQUEST)
        assert r.status_code == 200 and r.json()["state"] == state, r.text
        if state == "REQUESTED":
            await until(lambda: in_state("OFFERED"), "offered again")
    # two offers went out, both ours, then the termination with its reason

    async def sent(kind: str, count: int) -> list[dict[str, Any]] | None:
        found = [
            e.sent
            for e in space.capture.dsp(before)
            if e.url.endswith(f"/negotiations/{pid}/{kind}")
        ]
        return found if len(found) == count else None

    offers = await until(lambda: sent("offers", 2), "two offers sent")
    assert all(o["offer"] == ours and problems(OFFER_MESSAGE, o) == [] for o in offers)
    (termination,) = await until(lambda: sent("termination", 1), "the termination sent")
    assert termination["reason"] == [
        f"counter-offer 3 of 3: the provider's offer {OFFER} stands, and the negotiation "
        "ends here; accept that offer in a new one"
    ]
    accepted = dsp_message(
        "ContractNegotiationEventMessage",
        providerPid=provider_pid,
        consumerPid=pid,
        eventType="ACCEPTED",
    )
    r = await outbound.request("POST", f"{url}/{provider_pid}/events", accepted)
    assert r.status_code == 409
    assert r.json()["reason"] == [
        "ACCEPTED cannot be accepted in state TERMINATED: it is expected in state OFFERED"
    ]
    assert check_all(space.capture.dsp()) == []

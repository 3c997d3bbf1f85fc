"""The consumer node's answer to a provider's offer, at its real callback
(:mod:`tests.connector.dsp.space`), the test speaking as the provider with the provider's
own token: the offer asked for, however it is written (the same RDF), is accepted; one
with other rules is refused unless allowed; one for another dataset is refused even then.

The negotiations are recorded as ``guichet dsp negotiate`` records them; their provider
process is not the provider node's, so the node's own messages (the ACCEPTED event, the
termination) are refused there, which the consumer keeps as the problem: what it sent is
read from the captured exchanges."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from connector.dsp.outbound import Outbound
from connector.dsp.store import DspStore
from tests.connector.dsp.conftest import bearer, dsp_message, recorded, until
from tests.connector.dsp.space import OFFER, PROVIDER, Space, check_all
from tests.connector.dsp.test_catalog import EXPECTED_OFFER

pytestmark = pytest.mark.anyio
ODRL = "http://www.w3.org/ns/odrl/2/"


async def asked(
    space: Space, store: DspStore, pid: str, *, accept_other: bool = False
) -> dict[str, Any]:
    """A consumer negotiation for the provider's Offer, REQUESTED; the offer asked."""
    offer = {**EXPECTED_OFFER, "target": f"{space.provider.url}/catalog/energie"}
    await recorded(space, store, pid, asked=offer, accept_other=accept_other)
    return offer


async def offered(space: Space, store: DspStore, pid: str, offer: dict[str, Any]) -> Any:
    """Send ``offer`` as the provider; the consumer negotiation once it has answered."""
    message = dsp_message(
        "ContractOfferMessage", providerPid=f"urn:uuid:p-{pid[9:]}", consumerPid=pid
    )
    message["offer"] = offer
    r = httpx.post(
        f"{space.consumer.url}/dsp/callback/negotiations/{pid}/offers",
        json=message,
        headers=bearer(space.token(PROVIDER, space.consumer)),
    )
    assert r.status_code == 200 and not r.content, r.text

    async def answered() -> dict[str, Any] | None:
        row = await store.consumer_negotiations.get(pid)
        # answered, and its message refused by the provider node (no such process there)
        return row if row is not None and "was refused" in (row["problem"] or "") else None

    return await until(answered, "the consumer node answered")


def sent_by_consumer(space: Space, before: int, pid: str) -> list[dict[str, Any]]:
    return [
        e.sent for e in space.capture.dsp(before) if e.sent and e.sent.get("consumerPid") == pid
    ]


async def test_the_offer_asked_for_is_accepted_however_it_is_written(
    space: Space, side: tuple[DspStore, Outbound]
) -> None:
    store, _ = side
    before = len(space.capture.exchanges)
    pid = "urn:uuid:same-rdf"
    offer = await asked(space, store, pid)
    # the same statements, written otherwise: full IRIs for the prefixed names
    other = copy.deepcopy(offer)
    rule = other["permission"][0]
    assert (rule["action"], rule["duty"][0]["action"]) == ("odrl:read", "odrl:attribute")
    rule["action"] = ODRL + "read"
    rule["duty"][0]["action"] = ODRL + "attribute"
    rule["constraint"][0]["leftOperand"] = ODRL + "elapsedTime"
    row = await offered(space, store, pid, other)
    assert row["state"] == "ACCEPTED", row
    (event,) = [m for m in sent_by_consumer(space, before, pid) if m.get("eventType")]
    assert event["eventType"] == "ACCEPTED"
    assert check_all(space.capture.dsp(before)) == []


async def test_other_rules_are_refused_unless_allowed_another_dataset_always(
    space: Space, side: tuple[DspStore, Outbound]
) -> None:
    store, _ = side
    before = len(space.capture.exchanges)
    offer = await asked(space, store, "urn:uuid:longer")
    longer = copy.deepcopy(offer)
    longer["permission"][0]["constraint"][0]["rightOperand"]["@value"] = "P60D"
    row = await offered(space, store, "urn:uuid:longer", longer)
    assert row["state"] == "TERMINATED"
    assert row["problem"].startswith(
        f"the provider offered {OFFER}, which is not the offer asked for ({OFFER}, compared "
        "as RDF); negotiate with --accept-counter-offer"
    )
    (end,) = sent_by_consumer(space, before, "urn:uuid:longer")
    assert end["@type"] == "ContractNegotiationTerminationMessage"
    assert end["code"] == "offer-refused" and end["reason"][0] == row["problem"].split("; POST")[0]

    await asked(space, store, "urn:uuid:allowed", accept_other=True)
    row = await offered(space, store, "urn:uuid:allowed", {**longer, "@id": "urn:uuid:o2"})
    assert (row["state"], row["offer"]) == ("ACCEPTED", "urn:uuid:o2")

    await asked(space, store, "urn:uuid:elsewhere", accept_other=True)
    registre = {**offer, "target": f"{space.provider.url}/catalog/registre"}
    row = await offered(space, store, "urn:uuid:elsewhere", registre)
    assert row["state"] == "TERMINATED"
    assert row["problem"].startswith(
        f"the provider offered {OFFER} for {space.provider.url}/catalog/registre, not "
        f"{space.provider.url}/catalog/energie"
    )
    assert check_all(space.capture.dsp(before)) == []

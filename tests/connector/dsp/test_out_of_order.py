"""Messages out of order, repeated, malformed or from the wrong party, at both sides of a
negotiation and at the provider's transfers (:mod:`tests.connector.dsp.space`): the
protocol's error with the right status, never a 500; a repeat answered as done. Every
exchange is checked against its schema."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connector.dsp.outbound import Outbound
from connector.dsp.store import CONSUMER_NEGOTIATIONS, DspStore
from tests.connector.dsp.conftest import (
    bearer,
    dsp_message,
    error_of,
    in_state,
    negotiated,
    recorded,
    request_of,
    started,
    until,
)
from tests.connector.dsp.space import CONSUMER, OTHER, PROVIDER, Exchange, Space, check_all

pytestmark = pytest.mark.anyio


async def test_out_of_order_repeated_and_malformed_negotiation_messages(
    space: Space, side: tuple[DspStore, Outbound]
) -> None:
    store, outbound = side
    row = await negotiated(space, side)
    neg = f"{space.provider.url}/dsp/negotiations/{row['provider_pid']}"
    pids = {"providerPid": row["provider_pid"], "consumerPid": row["consumer_pid"]}
    verify = dsp_message("ContractAgreementVerificationMessage", **pids)
    # a repeat of a step done is answered as done
    r = await outbound.request("POST", f"{neg}/agreement/verification", verify)
    assert r.status_code == 200 and not r.content
    first = request_of(space, row["consumer_pid"])
    r = await outbound.request("POST", first.url, first.sent)
    assert r.status_code == 201
    assert r.json()["providerPid"] == row["provider_pid"] and r.json()["state"] == "FINALIZED"
    # out of order: the process is FINALIZED
    end = dsp_message("ContractNegotiationTerminationMessage", **pids)
    error_of(
        await outbound.request("POST", f"{neg}/termination", end),
        "ContractNegotiationError",
        409,
        "ContractNegotiationTerminationMessage cannot be accepted in state FINALIZED",
    )
    accepted = dsp_message("ContractNegotiationEventMessage", **pids, eventType="ACCEPTED")
    error_of(
        await outbound.request("POST", f"{neg}/events", accepted),
        "ContractNegotiationError",
        409,
        "expected in state OFFERED",
    )
    again = {k: v for k, v in first.sent.items() if k != "callbackAddress"}
    again["providerPid"] = row["provider_pid"]  # the schema: one or the other
    error_of(
        await outbound.request("POST", f"{neg}/request", again),
        "ContractNegotiationError",
        409,
        "ContractRequestMessage cannot be accepted in state FINALIZED",
    )
    finalized = {**accepted, "eventType": "FINALIZED"}
    error_of(
        await outbound.request("POST", f"{neg}/events", finalized),
        "ContractNegotiationError",
        400,
        "FINALIZED is the provider's to send",
    )
    # another party's negotiation, or none, is not found
    other = space.token(OTHER, space.provider)
    r = httpx.post(f"{neg}/agreement/verification", json=verify, headers=bearer(other))
    assert (
        error_of(r, "ContractNegotiationError", 404, "of yours")["providerPid"]
        == pids["providerPid"]
    )
    unknown = {**pids, "providerPid": "urn:uuid:0"}
    r = await outbound.request(
        "POST",
        f"{space.provider.url}/dsp/negotiations/urn:uuid:0/agreement/verification",
        {**verify, **unknown},
    )
    error_of(r, "ContractNegotiationError", 404, "no process 'urn:uuid:0'")
    # malformed
    r = httpx.post(
        f"{neg}/agreement/verification",
        content=b"{not json",
        headers=bearer(space.token(CONSUMER, space.provider)),
    )
    error_of(r, "ContractNegotiationError", 400, "the body is not JSON")
    no_pid = {k: v for k, v in verify.items() if k != "consumerPid"}
    r = await outbound.request("POST", f"{neg}/agreement/verification", no_pid)
    error_of(r, "ContractNegotiationError", 400, "'consumerPid' is a required property")
    r = await outbound.request(
        "POST", f"{neg}/agreement/verification", {**verify, "providerPid": "urn:uuid:1"}
    )
    error_of(r, "ContractNegotiationError", 400, "providerPid: the message names 'urn:uuid:1'")

    # a consumer that cannot be reached: the agreement waits (AGREED, the problem kept);
    # terminated then, no agreement is in force, and the verification comes too late
    unreachable = {
        **first.sent,
        "consumerPid": "urn:uuid:unreachable",
        "callbackAddress": "http://127.0.0.1:9/dsp/callback",
    }
    r = await outbound.request(
        "POST", f"{space.provider.url}/dsp/negotiations/request", unreachable
    )
    assert r.status_code == 201
    lost = {"providerPid": r.json()["providerPid"], "consumerPid": "urn:uuid:unreachable"}
    url = f"{space.provider.url}/dsp/negotiations/{lost['providerPid']}"

    async def agreed() -> bool:
        return bool((await outbound.request("GET", url)).json()["state"] == "AGREED")

    await until(agreed, "the provider agreed")
    end = dsp_message("ContractNegotiationTerminationMessage", **lost, reason=["changed my mind"])
    for _ in range(2):  # the repeat is answered as done
        r = await outbound.request("POST", f"{url}/termination", end)
        assert r.status_code == 200
    assert (await outbound.request("GET", url)).json()["state"] == "TERMINATED"
    late = dsp_message("ContractAgreementVerificationMessage", **lost)
    error_of(
        await outbound.request("POST", f"{url}/agreement/verification", late),
        "ContractNegotiationError",
        409,
        "cannot be accepted in state TERMINATED: it is expected in state AGREED",
    )
    r = httpx.post(
        f"{space.provider.url}/agreements/graphql",
        json={"query": "{ agreements { iri } }"},
        headers=bearer(space.token(CONSUMER, space.provider)),
    )
    assert {a["iri"] for a in r.json()["data"]["agreements"]} == {
        n["agreement"] for n in await negotiations_of(store)
    }
    assert check_all(space.capture.dsp()) == []


async def negotiations_of(store: DspStore) -> list[dict[str, Any]]:
    """The consumer node's FINALIZED negotiations."""
    found = []
    async with store.consumer_negotiations.engine.connect() as conn:
        t = CONSUMER_NEGOTIATIONS
        for r in (await conn.execute(t.select().where(t.c.state == "FINALIZED"))).mappings():
            found.append(dict(r))
    return found


async def test_the_consumer_callbacks_check_order_and_sender(
    space: Space, side: tuple[DspStore, Outbound]
) -> None:
    store, _ = side
    pid = "urn:uuid:consumer-side"
    await recorded(space, store, pid)
    cb = f"{space.consumer.url}/dsp/callback/negotiations/{pid}"
    provider = bearer(space.token(PROVIDER, space.consumer))
    pids = {"providerPid": "urn:uuid:p", "consumerPid": pid}
    finalized = dsp_message("ContractNegotiationEventMessage", **pids, eventType="FINALIZED")
    error_of(
        httpx.post(f"{cb}/events", json=finalized, headers=provider),
        "ContractNegotiationError",
        409,
        "FINALIZED cannot be accepted in state REQUESTED: it is expected in state VERIFIED",
    )
    # only the provider may speak of it
    other = bearer(space.token(OTHER, space.consumer))
    error_of(
        httpx.post(f"{cb}/events", json=finalized, headers=other),
        "ContractNegotiationError",
        404,
        "of yours",
    )
    # an agreement for someone else is refused
    agreement = {
        "@id": "urn:uuid:a",
        "@type": "Agreement",
        "target": f"{space.provider.url}/catalog/energie",
        "assigner": PROVIDER,
        "assignee": OTHER,
        "permission": [{"action": "use"}],
    }
    message = dsp_message("ContractAgreementMessage", **pids)
    error_of(
        httpx.post(f"{cb}/agreement", json={**message, "agreement": agreement}, headers=provider),
        "ContractNegotiationError",
        400,
        f"expected one for {CONSUMER}",
    )
    offer = dsp_message(
        "ContractOfferMessage",
        **pids,
        offer={
            "@id": "urn:uuid:o",
            "@type": "Offer",
            "target": f"{space.provider.url}/catalog/energie",
            "permission": [{"action": "use"}],
        },
    )
    # an offer with no record of the offer asked for (a negotiation not started by
    # guichet dsp) is not taken: the negotiation is terminated, the reason kept
    r = httpx.post(f"{cb}/offers", json=offer, headers=provider)
    assert r.status_code == 200 and not r.content, r.text
    row = await until(lambda: in_state(store, pid, "TERMINATED"), "the negotiation terminated")
    assert row["problem"].startswith(
        "the provider offered urn:uuid:o; no record of the offer asked for"
    )
    error_of(
        httpx.post(f"{cb}/offers", json=offer, headers=provider),
        "ContractNegotiationError",
        409,
        "ContractOfferMessage cannot be accepted in state TERMINATED",
    )


async def test_transfer_requests_are_checked(space: Space, side: tuple[DspStore, Outbound]) -> None:
    _, outbound = side
    row = await negotiated(space, side)
    url = f"{space.provider.url}/dsp/transfers/request"
    request = dsp_message(
        "TransferRequestMessage",
        consumerPid="urn:uuid:t1",
        agreementId=row["agreement"],
        format="HttpData-PULL",
        callbackAddress=f"{space.consumer.url}/dsp/callback",
    )
    error_of(
        await outbound.request("POST", url, {**request, "format": "AmazonS3-PUSH"}),
        "TransferError",
        400,
        "this node offers HttpData-PULL only",
    )
    error_of(
        await outbound.request("POST", url, {**request, "agreementId": "urn:uuid:none"}),
        "TransferError",
        400,
        "no agreement 'urn:uuid:none' of yours",
    )
    other = bearer(space.token(OTHER, space.provider))
    error_of(httpx.post(url, json=request, headers=other), "TransferError", 400, "of yours here")
    error_of(httpx.post(url, json=request), "TransferError", 401, "identified participant")
    error_of(
        await outbound.request("POST", url, {k: v for k, v in request.items() if k != "format"}),
        "TransferError",
        400,
        "'format' is a required property",
    )
    # a transfer completed: suspending it is out of order, completing it again a repeat
    transfer = await started(space, side, row["agreement"])
    base = f"{space.provider.url}/dsp/transfers/{transfer['provider_pid']}"
    pids = {"providerPid": transfer["provider_pid"], "consumerPid": transfer["consumer_pid"]}
    done = dsp_message("TransferCompletionMessage", **pids)
    for _ in range(2):
        assert (await outbound.request("POST", f"{base}/completion", done)).status_code == 200
    error_of(
        await outbound.request(
            "POST", f"{base}/suspension", dsp_message("TransferSuspensionMessage", **pids)
        ),
        "TransferError",
        409,
        "TransferSuspensionMessage cannot be accepted in state COMPLETED",
    )
    error_of(
        await outbound.request(
            "POST", f"{base}/start", dsp_message("TransferStartMessage", **pids)
        ),
        "TransferError",
        400,
        "resuming a suspended transfer is not supported",
    )
    r = await outbound.request("GET", base)
    assert r.status_code == 200 and r.json()["state"] == "COMPLETED"
    assert check_all(space.capture.dsp()) == []


async def test_an_agreement_not_delivered_is_sent_again_on_a_repeated_request(
    space: Space, side: tuple[DspStore, Outbound]
) -> None:
    """The consumer node does not know the negotiation yet (its callback answers 404): the
    provider keeps the problem, AGREED; the consumer repeats its request once it does, and
    the agreement goes again, to FINALIZED."""
    store, outbound = side
    first = await negotiated(space, side)  # for the offer as the catalog lists it
    sent = request_of(space, first["consumer_pid"]).sent
    pid = "urn:uuid:late-consumer"
    request = {**sent, "consumerPid": pid}
    url = f"{space.provider.url}/dsp/negotiations"
    r = await outbound.request("POST", f"{url}/request", request)
    assert r.status_code == 201
    provider_pid = r.json()["providerPid"]

    async def refused() -> list[Exchange]:
        return [
            e
            for e in space.capture.dsp()
            if e.url.endswith(f"/negotiations/{pid}/agreement") and e.status == 404
        ]

    await until(refused, "the provider tried to send the agreement")
    assert (await outbound.request("GET", f"{url}/{provider_pid}")).json()["state"] == "AGREED"
    await recorded(space, store, pid, dataset=sent["offer"]["target"])
    r = await outbound.request("POST", f"{url}/request", request)
    assert r.status_code == 201 and r.json()["providerPid"] == provider_pid
    row = await until(lambda: in_state(store, pid, "FINALIZED"), "the negotiation finalized")
    assert row["provider_pid"] == provider_pid and row["agreement"]
    assert check_all(space.capture.dsp()) == []

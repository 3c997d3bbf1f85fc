"""A negotiation and a pull transfer between two real nodes over the Dataspace Protocol
(:mod:`tests.connector.dsp.space`): the consumer's requests as ``guichet dsp`` sends them,
the provider's agreement and events to the consumer node's callbacks, the consumer node's
verification; then the GraphQL query with the transfer's token. Every message sent and
every answer is checked against the protocol's schemas.

Expected values are the test's own: the offer of ``ENERGIE_WITH_OFFER``, the tiny node's
energy rows (70.47 and 23.49 MWh = 70 470 and 23 490 kWh, tests/connector/tiny.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from connector.config import load_config
from connector.dsp import consumer
from connector.dsp.outbound import Outbound
from connector.dsp.schemas import CONTEXT, problems
from connector.dsp.store import CONSUMER_NEGOTIATIONS, DspStore
from tests.connector.dsp.space import (
    CONSUMER,
    OFFER,
    OTHER,
    PROVIDER,
    Space,
    check_all,
    start_space,
)

pytestmark = pytest.mark.anyio

ENERGY = '{ e1: energyUse(id: "E1") { id kwh } e2: energyUse(id: "E2") { id kwh } }'
NAME = '{ building(rnbId: "PG46YY6YJW8N") { name } }'
SCHOOL_ENERGY = {"e1": {"id": "E1", "kwh": 70470.0}, "e2": {"id": "E2", "kwh": 23490.0}}


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


async def test_negotiate_transfer_and_query_with_every_message_valid(
    space: Space, side: tuple[DspStore, Outbound]
) -> None:
    before = len(space.capture.exchanges)
    row = await negotiated(space, side)
    agreement = row["agreement"]
    assert agreement.startswith(f"{space.provider.url}/agreements/")
    # the provider's view: FINALIZED, for the consumer's token only
    own = space.token(CONSUMER, space.provider)
    r = httpx.get(
        f"{space.provider.url}/dsp/negotiations/{row['provider_pid']}", headers=bearer(own)
    )
    assert r.status_code == 200 and r.json()["state"] == "FINALIZED"
    # the agreement is the one acceptOffer would make: listed by GraphQL's agreements
    r = httpx.post(
        f"{space.provider.url}/agreements/graphql",
        json={"query": "{ agreements { iri party dataset offer } }"},
        headers=bearer(own),
    )
    assert r.json()["data"]["agreements"] == [
        {
            "iri": agreement,
            "party": CONSUMER,
            "dataset": f"{space.provider.url}/catalog/energie",
            "offer": OFFER,
        }
    ]
    # ... and audited as one, naming the protocol and the negotiation
    (made,) = [e for e in space.provider.audit() if e["details"].get("agreement") == agreement]
    assert made["party"] == CONSUMER and made["rule"] == OFFER
    assert made["details"]["reasonCode"] == "offer-accepted"
    assert made["details"]["protocol"] == "dsp"
    assert made["details"]["negotiation"] == row["provider_pid"]

    transfer = await started(space, side, agreement)
    assert transfer["endpoint"] == f"{space.provider.url}/graphql"
    token = transfer["token"]
    # the bound token reads the agreement's dataset, with the offer's attribution duty
    body = graphql(space.provider.url, ENERGY, token).json()
    assert body["data"] == SCHOOL_ENERGY, body
    (terms,) = body["extensions"]["usage"]
    assert terms["dataset"] == f"{space.provider.url}/catalog/energie"
    assert terms["attribution"] == [PROVIDER]
    # ... and nothing else, though the registre is open to any identified party
    body = graphql(space.provider.url, NAME, token).json()
    assert body["data"] == {"building": None}
    (denied,) = body["errors"]
    assert denied["extensions"]["code"] == "POLICY_DENIED"
    assert "bound to agreement" in denied["extensions"]["reason"]
    assert graphql(space.provider.url, NAME, own).json()["data"]["building"]["name"]
    # audited at the provider like any query, naming the agreement and the transfer
    bound = [e for e in space.provider.audit() if "boundTo" in e["details"]]
    assert {(e["decision"], e["details"]["reasonCode"]) for e in bound} >= {("deny", "token-bound")}
    assert {e["party"] for e in bound} == {CONSUMER}
    assert {e["details"]["boundTo"]["agreement"] for e in bound} == {agreement}
    assert {e["details"]["boundTo"]["transfer"] for e in bound} == {transfer["provider_pid"]}

    # completion revokes the token
    _, outbound = side
    url = f"{space.provider.url}/dsp/transfers/{transfer['provider_pid']}/completion"
    done = dsp_message(
        "TransferCompletionMessage",
        providerPid=transfer["provider_pid"],
        consumerPid=transfer["consumer_pid"],
    )
    # the bound token is for the data address only: no protocol message, no new agreement
    r = httpx.post(url, json=done, headers=bearer(token))
    error_of(r, "TransferError", 401, "for its data address only")
    r = httpx.post(
        f"{space.provider.url}/agreements/graphql",
        json={"query": f'mutation {{ acceptOffer(offer: "{OFFER}") {{ iri }} }}'},
        headers=bearer(token),
    )
    assert "cannot accept offers" in r.json()["errors"][0]["message"], r.text
    assert (await outbound.request("POST", url, done)).status_code == 200
    r = graphql(space.provider.url, ENERGY, token)
    assert r.status_code == 401 and "no longer" in r.json()["error_description"]
    # a second transfer, terminated: its token is refused too
    second = await started(space, side, agreement)
    assert graphql(space.provider.url, ENERGY, second["token"]).status_code == 200
    url = f"{space.provider.url}/dsp/transfers/{second['provider_pid']}/termination"
    end = dsp_message(
        "TransferTerminationMessage",
        providerPid=second["provider_pid"],
        consumerPid=second["consumer_pid"],
        code="done",
        reason=["no longer needed"],
    )
    assert (await outbound.request("POST", url, end)).status_code == 200
    assert graphql(space.provider.url, ENERGY, second["token"]).status_code == 401

    exchanges = space.capture.dsp()[before:]
    kinds = {(e.method, e.url.rsplit("/", 1)[-1]) for e in exchanges}
    assert {
        ("POST", "request"),
        ("POST", "agreement"),
        ("POST", "verification"),
        ("POST", "events"),
        ("POST", "start"),
        ("POST", "completion"),
        ("POST", "termination"),
    } <= kinds, kinds
    assert check_all(space.capture.dsp()) == []
    # the check sees a broken message: the agreement message without its agreement
    (sent,) = [e for e in exchanges if e.url.endswith("/agreement")]
    broken = replace(sent, sent={k: v for k, v in sent.sent.items() if k != "agreement"})
    assert check_all([broken]) == [f"POST {sent.url} sent: $: 'agreement' is a required property"]


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
    (first,) = [
        e
        for e in space.capture.dsp()
        if e.url.endswith("/negotiations/request") and e.sent["consumerPid"] == row["consumer_pid"]
    ]
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
    for _ in range(100):
        if (await outbound.request("GET", url)).json()["state"] == "AGREED":
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the provider did not agree")
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
    await store.consumer_negotiations.insert(
        {
            "consumer_pid": pid,
            "provider_pid": None,
            "provider": PROVIDER,
            "provider_url": f"{space.provider.url}/dsp",
            "dataset": f"{space.provider.url}/catalog/energie",
            "offer": OFFER,
            "state": "REQUESTED",
            "created": "2026-12-07T10:00:00+00:00",
        },
        unique={"consumer_pid": pid},
    )
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
    error_of(
        httpx.post(f"{cb}/offers", json=offer, headers=provider),
        "ContractNegotiationError",
        400,
        "accepts no counter-offers",
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

"""A negotiation and a pull transfer between two real nodes over the Dataspace Protocol
(:mod:`tests.connector.dsp.space`): the consumer's requests as ``guichet dsp`` sends them,
the provider's agreement and events to the consumer node's callbacks, the consumer node's
verification; then the GraphQL query with the transfer's token. Every message sent and
every answer is checked against the protocol's schemas.

Expected values are the test's own: the offer of ``ENERGIE_WITH_OFFER``, the tiny node's
energy rows (70.47 and 23.49 MWh = 70 470 and 23 490 kWh, tests/connector/tiny.py)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from connector.dsp.outbound import Outbound
from connector.dsp.store import DspStore
from tests.connector.dsp.conftest import (
    bearer,
    dsp_message,
    error_of,
    graphql,
    negotiated,
    started,
)
from tests.connector.dsp.space import (
    CONSUMER,
    OFFER,
    PROVIDER,
    Space,
    check_all,
)

pytestmark = pytest.mark.anyio

ENERGY = '{ e1: energyUse(id: "E1") { id kwh } e2: energyUse(id: "E2") { id kwh } }'
NAME = '{ building(rnbId: "PG46YY6YJW8N") { name } }'
SCHOOL_ENERGY = {"e1": {"id": "E1", "kwh": 70470.0}, "e2": {"id": "E2", "kwh": 23490.0}}


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

    exchanges = space.capture.dsp(before)
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

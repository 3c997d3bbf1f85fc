"""An Offer grants nothing until accepted; acceptOffer makes an Agreement for the caller,
stored, listed, and checked on later queries (here: valid for 30 days)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from tests.connector.usage.conftest import (
    BASE,
    CTX,
    DS,
    POLICIES,
    Caller,
    TableVerifier,
    write_node,
)
from tests.connector.usage.conftest import P as PARTY

pytestmark = pytest.mark.anyio

OFFER = "https://example.org/offer/energie-30-days"
RESEARCH = "https://w3id.org/dpv#AcademicResearch"
ENERGY = "{ energyUses(first: 4) { nodes { id kwh } } }"
ACCEPT = """mutation($offer: String!, $purpose: String) {
  acceptOffer(offer: $offer, purpose: $purpose) { iri party dataset offer purpose } }"""

ENERGIE_WITH_OFFER = {
    "@context": CTX,
    "@graph": [
        {k: v for k, v in POLICIES["energie"].items() if k != "@context"},
        {
            "@type": "Offer",
            "uid": OFFER,
            "assigner": PARTY + "tiny",
            "target": DS + "energie",
            "permission": [
                {
                    "action": "read",
                    "constraint": [
                        {
                            "leftOperand": "elapsedTime",
                            "operator": "lteq",
                            "rightOperand": {"@value": "P30D", "@type": "xsd:duration"},
                        }
                    ],
                    "duty": [{"action": "attribute", "attributedParty": PARTY + "tiny"}],
                }
            ],
        },
    ],
}


@pytest.fixture
async def offering(tmp_path: Path, clock) -> AsyncIterator[Caller]:
    config = write_node(tmp_path, policies={**POLICIES, "energie": ENERGIE_WITH_OFFER})
    app = create_app(load_config(config), verifier=TableVerifier(), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield Caller(client, app)
    await app.state.usage.audit.aclose()


async def contract(node: Caller, query: str, token: str | None, **variables) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = await node.client.post(
        "/agreements/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_offer_alone_grants_nothing_then_agreement_does_for_30_days(offering, clock) -> None:
    before = await offering(ENERGY, token="univ")
    assert before["data"] == {"energyUses": None}

    body = await contract(offering, ACCEPT, "univ", offer=OFFER, purpose=RESEARCH)
    assert "errors" not in body, body
    agreement = body["data"]["acceptOffer"]
    assert agreement["iri"].startswith(f"{BASE}/agreements/")
    assert agreement == {
        "iri": agreement["iri"],
        "party": PARTY + "univ",
        "dataset": DS + "energie",
        "offer": OFFER,
        "purpose": RESEARCH,
    }

    after = await offering(ENERGY, token="univ")
    assert "errors" not in after, after
    assert [n["id"] for n in after["data"]["energyUses"]["nodes"]] == ["E1", "E2", "E3"]
    others = await offering(ENERGY, token="ana")
    assert others["data"] == {"energyUses": None}

    clock.now += timedelta(days=31)
    expired = await offering(ENERGY, token="univ")
    assert expired["data"] == {"energyUses": None}
    reason = expired["errors"][0]["extensions"]["reason"]
    assert "elapsedTime" in reason


async def test_agreements_are_listed_for_their_party_and_the_dpd(offering) -> None:
    await contract(offering, ACCEPT, "univ", offer=OFFER, purpose=RESEARCH)
    q = "{ agreements { party offer } }"
    assert (await contract(offering, q, "univ"))["data"]["agreements"] == [
        {"party": PARTY + "univ", "offer": OFFER}
    ]
    assert (await contract(offering, q, "ana"))["data"]["agreements"] == []
    assert (await contract(offering, q, "dpd"))["data"]["agreements"] == [
        {"party": PARTY + "univ", "offer": OFFER}
    ]


async def test_bad_acceptances_are_refused_with_a_reason(offering) -> None:
    public = await contract(offering, ACCEPT, None, offer=OFFER)
    assert public["errors"][0]["message"] == (
        "accepting an offer needs an identified participant (a token)"
    )
    unknown = await contract(offering, ACCEPT, "univ", offer="https://example.org/offer/x")
    assert unknown["errors"][0]["message"] == (
        "no dataset of this node offers 'https://example.org/offer/x'"
    )
    purpose = await contract(
        offering, ACCEPT, "univ", offer=OFFER, purpose="https://w3id.org/dpv#Marketing"
    )
    assert "is not the purpose of the caller's token" in purpose["errors"][0]["message"]
    audit = offering.app.state.usage.audit
    await audit.setup()
    assert await audit.count() == 0  # nothing was agreed


async def test_the_dpd_endpoint_lists_who_accepted_which_offer_when_with_its_duties(
    offering, clock
) -> None:
    body = await contract(offering, ACCEPT, "univ", offer=OFFER, purpose=RESEARCH)
    iri = body["data"]["acceptOffer"]["iri"]
    query = """{ agreements(lang: "en") { iri party { iri } dataset datasetTitle offer
      purpose { iri } issued duties sentences { kind } } }"""
    r = await offering.client.post(
        "/audit/graphql", json={"query": query}, headers={"Authorization": "Bearer dpd"}
    )
    assert r.json() == {
        "data": {
            "agreements": [
                {
                    "iri": iri,
                    "party": {"iri": PARTY + "univ"},
                    "dataset": "energie",
                    "datasetTitle": offering.app.state.usage.config.datasets["energie"].title,
                    "offer": OFFER,
                    "purpose": {"iri": RESEARCH},
                    "issued": clock.now.isoformat(),
                    # ENERGIE_WITH_OFFER: one permission, its one duty
                    "duties": ["attribute"],
                    "sentences": [{"kind": "permission"}],
                }
            ]
        }
    }
    denied = await offering.client.post(
        "/audit/graphql", json={"query": query}, headers={"Authorization": "Bearer univ"}
    )
    assert denied.json()["errors"][0]["message"] == "reading the audit log needs the role 'dpd'"
    entries = await offering.app.state.usage.audit.query()
    accepted = entries[0]
    assert (accepted.operation_name, accepted.details["reasonCode"]) == (
        "acceptOffer",
        "offer-accepted",
    )
    assert [(e.operation_name, e.decision) for e in entries[1:]] == [
        ("agreements", "permit"),
        ("agreements", "deny"),
    ]

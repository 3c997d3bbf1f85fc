"""Agreements in the console: La Rochelle Université accepts the agglomeration's offer of
energy readings (acceptOffer, with its own token), and the DPD sees who accepted which
offer, when, and its duties, node by node, in French and English."""

from __future__ import annotations

import json

import httpx
from playwright.sync_api import Page, expect

from connector.demo.participants import DPV
from tests.console_browser.conftest import DemoSpace, Shot

SPACE = "https://guichet.agglo-larochelle.fr/participants/"
OFFER = "https://guichet.agglo-larochelle.fr/policies/cda/consommations-energie/offre-recherche"
ACCEPT = """mutation($offer: String!, $purpose: String) {
  acceptOffer(offer: $offer, purpose: $purpose) { iri issued } }"""
RESEARCH = DPV + "AcademicResearch"


def accept(space: DemoSpace) -> dict[str, str]:
    """La Rochelle Université accepts the offer at the cda node, for academic research:
    a token by the client-credentials grant, as :func:`connector.demo.participants.token`
    asks it (synchronously here: playwright's sync API holds the event loop)."""
    creds = json.loads((space.directory / "credentials.json").read_text("utf-8"))["univ-lr"]
    form = {
        "grant_type": "client_credentials",
        "resource": space.nodes["cda"],
        "purpose": RESEARCH,
    }
    with httpx.Client(timeout=30) as client:
        issued = client.post(
            f"{space.issuer}/token", data=form, auth=(creds["client_id"], creds["client_secret"])
        )
        assert issued.status_code == 200, issued.text
        r = client.post(
            space.nodes["cda"] + "/agreements/graphql",
            json={"query": ACCEPT, "variables": {"offer": OFFER, "purpose": RESEARCH}},
            headers={"Authorization": f"Bearer {issued.json()['access_token']}"},
        )
    body = r.json()
    assert "errors" not in body, body
    accepted: dict[str, str] = body["data"]["acceptOffer"]
    return accepted


def test_the_dpd_sees_who_accepted_which_offer(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    agreement = accept(demo_space)
    page = dpd_page
    page.locator("#nav-agreements").click()
    page.wait_for_load_state()
    row = page.locator(f'section[data-node="cda"] tr[data-agreement="{agreement["iri"]}"]')
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-party", SPACE + "univ-lr")
    expect(row.locator("th")).to_have_text("La Rochelle Université")
    expect(row).to_contain_text(OFFER)
    expect(row).to_contain_text("consommations-energie")
    expect(row.locator("time")).to_have_attribute("datetime", agreement["issued"])
    # the purpose in words: policies/data/explain-labels.csv, capitalised as a label
    expect(row.locator(f'span[title="{RESEARCH}"]')).to_have_text("La recherche académique")
    # policies/demo/cda-consommations-energie.jsonld: the offer's one duty is to credit
    # the agglomeration (odrl:attribute)
    expect(row.locator("td.duties li")).to_have_text(["citer la source (attribution)"])
    expect(row.locator("ol.policy-sentences li")).to_have_count(1)
    # the other nodes offer nothing: no agreement there
    expect(page.locator('section[data-node="atmo"] .agreements-none')).to_have_text("Aucun accord.")
    shot("agreements-fr")
    page.locator('a[hreflang="en"]').first.click()
    page.wait_for_load_state()
    row = page.locator(f'section[data-node="cda"] tr[data-agreement="{agreement["iri"]}"]')
    expect(row.locator("td.duties li")).to_have_text(["credit the source (attribution)"])
    shot("agreements-en")

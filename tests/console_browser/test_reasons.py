"""Why each decision came out as it did, in the DPD's language: the log's reason codes
worded in French and English, the rule shown for refusals as for permits, and the
what-if page's duties in words."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.console_browser.conftest import DemoSpace, Shot, set_field
from tests.console_browser.test_log import UNIV, filter_log
from tests.console_browser.test_whatif import ACADEMIC, ask

POLICY = "https://guichet.agglo-larochelle.fr/policies/atmo/mesures-salles"


def test_a_refusal_is_worded_and_names_its_rule(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    # policies/demo/atmo-mesures-salles.jsonld: the raw readings (action `use`, which covers
    # `read`) are for Atmo (#brutes-atmo) and the school's staff (#brutes-personnel-ecole);
    # the university is neither, so its raw read was refused for want of being the
    # assignee. The rule shown is the first of the two in IRI order (RDF keeps no order;
    # the parser sorts rules by IRI): #brutes-atmo
    page = dpd_page
    filter_log(page, node="atmo", party=UNIV, decision="deny")
    row = page.locator("#log-entries tbody tr[data-seq]").first
    code = row.locator(".reason-code")
    expect(code).to_have_attribute("data-code", "not-assignee")
    expect(code).to_have_text("la permission est accordée à un autre participant")
    expect(row.locator(".reason-engine")).to_contain_text("is not")
    expect(row.locator("td.rule code")).to_have_text(POLICY + "#brutes-atmo")
    expect(row.locator("td.rule .rule-text")).not_to_be_empty()
    shot("refusal-fr")
    page.locator('a[hreflang="en"]').first.click()
    page.wait_for_load_state()
    row = page.locator("#log-entries tbody tr[data-seq]").first
    expect(row.locator(".reason-code")).to_have_text(
        "the permission is granted to another participant"
    )
    shot("refusal-en")


def test_a_refused_token_is_the_nodes_own_check(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    r = httpx.post(
        demo_space.nodes["atmo"] + "/graphql",
        json={"query": "{ __typename }"},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert r.status_code == 401
    page = dpd_page
    filter_log(page, node="atmo", decision="deny")
    row = page.locator('#log-entries tbody tr:has(.reason-code[data-code="invalid-token"])').first
    expect(row.locator(".reason-code")).to_have_text("jeton d'accès refusé")
    expect(row.locator("td.rule .rule-none")).to_have_text(
        "contrôle du nœud, avant toute politique"
    )
    shot("token-fr")


def test_what_if_words_the_duties_and_the_failed_condition(dpd_page: Page, shot: Shot) -> None:
    # #agregats-horaires-recherche: hourly or coarser aggregates for academic research,
    # with the duty to credit Atmo (odrl:attribute)
    page = dpd_page
    hourly = {
        "node": "atmo",
        "party": UNIV,
        "purpose": ACADEMIC,
        "dataset": "mesures-salles",
        "action": "aggregate",
        "level": "PT1H",
    }
    assert ask(page, **hourly) == "permit"
    result = page.locator("#whatif-result")
    expect(result.locator("dd.duties li")).to_have_text(["citer la source (attribution)"])
    expect(result.locator("dd.duties li").first).to_have_attribute("data-duty", "attribute")
    expect(result.locator(".reason-code")).to_have_text("une permission autorise cet usage")
    expect(result.locator("dd.rule .rule-text")).not_to_be_empty()
    shot("whatif-duties-fr")
    # without the academic-research purpose the permission's first condition fails
    set_field(page, "#whatif", "purpose", "")
    page.locator("#whatif [type=submit]").click()
    page.wait_for_load_state()
    expect(result).to_have_attribute("data-decision", "deny")
    expect(result.locator(".reason-code")).to_have_attribute(
        "data-code", "constraint-failed:purpose"
    )
    expect(result.locator(".reason-code")).to_have_text(
        "la finalité déclarée ne remplit pas la condition de la permission"
    )
    expect(result.locator("dd.rule code")).to_have_text(POLICY + "#agregats-horaires-recherche")
    shot("whatif-no-purpose-fr")
    page.locator('a[hreflang="en"]').first.click()
    page.wait_for_load_state()
    assert ask(page, **hourly) == "permit"
    expect(page.locator("#whatif-result dd.duties li")).to_have_text(
        ["credit the source (attribution)"]
    )
    shot("whatif-duties-en")

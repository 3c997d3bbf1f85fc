"""What the node would decide: the what-if form, checked against the policy's own words."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.console_browser.conftest import DemoSpace, Shot, set_field

SPACE = "https://guichet.agglo-larochelle.fr/participants/"
ACADEMIC = "https://w3id.org/dpv#AcademicResearch"


def ask(page: Page, **fields: str) -> str:
    page.locator("#nav-whatif").click()
    page.wait_for_load_state()
    for name, value in fields.items():
        set_field(page, "#whatif", name, value)
    page.locator("#whatif [type=submit]").click()
    page.wait_for_load_state()
    result = page.locator("#whatif-result")
    expect(result).to_have_count(1)
    return result.get_attribute("data-decision") or ""


def test_what_if_follows_the_policy(dpd_page: Page, demo_space: DemoSpace, shot: Shot) -> None:
    # policies/demo/atmo-mesures-salles.jsonld: « Le personnel de l'école Saint-Christophe et
    # Atmo lisent les mesures brutes. Les chercheurs de La Rochelle Université obtiennent des
    # agrégats horaires [...] pour la recherche académique » — so the school reads raw
    # readings, the university does not, but gets hourly aggregates for its research
    page = dpd_page
    school = ask(
        page,
        node="atmo",
        party=SPACE + "ecole-saint-christophe",
        dataset="mesures-salles",
        action="read",
    )
    assert school == "permit"
    shot("whatif-school-reads")
    university = ask(
        page,
        node="atmo",
        party=SPACE + "univ-lr",
        purpose=ACADEMIC,
        dataset="mesures-salles",
        action="read",
    )
    assert university == "deny"
    expect(page.locator("#whatif-result")).not_to_be_empty()
    shot("whatif-university-raw")
    hourly = ask(
        page,
        node="atmo",
        party=SPACE + "univ-lr",
        purpose=ACADEMIC,
        dataset="mesures-salles",
        action="aggregate",
        level="PT1H",
    )
    assert hourly == "permit"
    expect(page.locator("#whatif-result code").first).to_have_text(
        "https://guichet.agglo-larochelle.fr/policies/atmo/mesures-salles#agregats-horaires-recherche"
    )
    shot("whatif-university-hourly")

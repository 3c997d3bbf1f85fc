"""The DPD console's reading pages in Chromium: policies, register, language, labels,
keyboard."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from playwright.sync_api import Page, expect

from tests.console_browser.conftest import (
    NODES,
    ROOT,
    DemoSpace,
    Shot,
    assets,
    focused,
    tab_to,
    unlabelled_controls,
)

POLICY = ROOT / "policies" / "demo" / "cda-consommations-energie.jsonld"
PAGES = ("datasets", "register", "log", "integrity", "whatif", "catalog")


def test_a_policy_reads_in_french_beside_its_json_ld(dpd_page: Page, shot: Shot) -> None:
    page = dpd_page
    page.locator("#nav-datasets").click()
    page.wait_for_load_state()
    section = page.locator(
        'section.node[data-node="cda"] section.dataset[data-dataset="consommations-energie"]'
    )
    expect(section).to_have_count(1)
    on_disk = json.loads(POLICY.read_text("utf-8"))
    policy_set, offer = on_disk["@graph"]  # the Set, and an Offer to researchers
    sentences = section.locator("ol.policy-sentences > li")
    # one sentence per permission of the Set: everyone may derive results, crediting the
    # agglomeration; the agglomeration itself may use its readings; and one for the Offer's
    rules = {li.get_attribute("data-rule") for li in sentences.all()}
    assert rules == {r["uid"] for r in policy_set["permission"] + offer["permission"]}
    texts = sentences.all_inner_texts()
    assert any(t.startswith("Tout le monde peut") for t in texts), texts
    assert any("peut utiliser" in t for t in texts), texts
    # the policy as enforced, beside the sentences (the versions table keeps more below)
    enforced = json.loads(section.locator("pre.policy-jsonld").first.inner_text())
    assert [n["uid"] for n in enforced["@graph"]] == [policy_set["uid"], offer["uid"]]
    assert [r["uid"] for r in enforced["@graph"][0]["permission"]] == [
        r["uid"] for r in policy_set["permission"]
    ]
    # the policy has not changed since the demo started: one version
    versions = section.locator("table.policy-versions tr[data-version]")
    expect(versions).to_have_count(1)
    first = versions.locator("pre.policy-jsonld")
    assert json.loads(first.text_content() or "") == enforced
    section.scroll_into_view_if_needed()
    shot("datasets")


def personal_datasets(space: DemoSpace) -> dict[tuple[str, str], dict[str, Any]]:
    """``(node, dataset) → processing`` for every dataset the demo configs on disk mark as
    personal data."""
    found = {}
    for node in NODES:
        config = tomllib.loads((space.directory / f"{node}.toml").read_text("utf-8"))
        for name, dataset in config.get("datasets", {}).items():
            if dataset.get("personal_data"):
                found[(node, name)] = dataset.get("processing", {})
    return found


def test_the_register_lists_the_personal_data_processing(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    # consommations-energie: a dwelling's energy use relates to its occupants (CNIL), so it
    # is personal data; the school's CO2 readings are not
    expected = personal_datasets(demo_space)
    assert ("cda", "consommations-energie") in expected
    assert ("atmo", "mesures-salles") not in expected
    page = dpd_page
    page.locator("#nav-register").click()
    page.wait_for_load_state()
    rows = page.locator("#register tbody tr[data-dataset]")
    expect(rows).to_have_count(len(expected))
    shown = {(r.get_attribute("data-node"), r.get_attribute("data-dataset")) for r in rows.all()}
    assert shown == set(expected)
    for (node, name), processing in expected.items():
        row = page.locator(f'#register tr[data-node="{node}"][data-dataset="{name}"]')
        retention = row.locator("span[title]")
        expect(retention).to_have_attribute("title", processing["retention"])
        expect(retention).not_to_be_empty()
    # cda.toml keeps the energy records P5Y: five years
    energy = page.locator('#register tr[data-node="cda"][data-dataset="consommations-energie"]')
    expect(energy.locator("span[title]")).to_have_text("5 ans")
    shot("register")


def test_french_to_english_and_back(dpd_page: Page, shot: Shot) -> None:
    page = dpd_page
    page.locator("#nav-log").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    french = page.locator("#nav-log").inner_text()
    shot("log-fr")
    page.locator('a[hreflang="en"]').first.click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.locator("#nav-log").inner_text() != french
    shot("log-en")
    # the choice is kept (cookie) on the next page
    page.locator("#nav-datasets").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shot("datasets-en")
    page.locator('a[hreflang="fr"]').first.click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shot("datasets-fr")


def test_every_control_has_an_accessible_name(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    page = dpd_page
    for name in PAGES:
        page.locator(f"#nav-{name}").click()
        page.wait_for_load_state()
        expect(page.locator("main#main")).to_have_count(1)
        assert page.locator("html").get_attribute("lang") in ("fr", "en")
        assert unlabelled_controls(page) == [], name
        for url in assets(page):  # all bundled: nothing from another origin
            assert url.startswith(demo_space.gateway + "/console/static/"), (name, url)
        for chart in page.locator("svg").all():
            assert chart.get_attribute("role") == "img", name
            expect(chart.locator(":scope > title")).not_to_be_empty()
        shot(name)


def test_keyboard_only_login_and_navigation(page: Page, demo_space: DemoSpace, shot: Shot) -> None:
    account = demo_space.account("dpd")
    page.goto(demo_space.console)
    if not page.url.startswith(demo_space.issuer):
        tab_to(page, 'a[href*="login"]')
        shot("login-link-focused")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{demo_space.issuer}/authorize**")
    tab_to(page, "input[name=username]")
    page.keyboard.type(account.username)
    tab_to(page, "input[name=password]")
    page.keyboard.type(account.password)
    shot("login-by-keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo_space.gateway}/console/**")
    tab_to(page, "#nav-log")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/log**")
    tab_to(page, "#log-filters [name=decision]")
    for _ in range(5):  # arrow keys move a closed select's choice
        if page.evaluate("() => document.activeElement.value") == "deny":
            break
        page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.value") == "deny", focused(page)
    shot("log-by-keyboard")
    tab_to(page, "#log-filters [type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**decision=deny**")
    rows = page.locator("#log-entries tbody tr[data-seq]")
    expect(rows).not_to_have_count(0)
    assert {r.get_attribute("data-decision") for r in rows.all()} == {"deny"}
    shot("filtered-by-keyboard")

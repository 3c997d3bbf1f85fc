"""Signing in to the DPD console through the issuer's login page, and the ways it refuses."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.console_browser.conftest import (
    Account,
    DemoSpace,
    Shot,
    assets,
    login,
    unlabelled_controls,
)

DPD_NAME = "Claire Martin"  # the demo's DPD account (issue 5)


def test_the_dpd_signs_in_on_the_issuer_page_and_out(
    page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    page.goto(demo_space.console + "login")
    page.wait_for_url(f"{demo_space.issuer}/authorize**")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    for name in ("username", "password"):
        field = page.locator(f"input[name={name}]")
        field_id = field.get_attribute("id")
        assert field_id, f"the {name} field has no id for its <label for>"
        expect(page.locator(f'label[for="{field_id}"]')).not_to_be_empty()
    assert page.locator("input[name=password]").get_attribute("type") == "password"
    assert unlabelled_controls(page) == []
    # no external asset: every stylesheet and script is inline or on the issuer itself
    for url in assets(page):
        assert url.startswith(demo_space.issuer), url
    shot("issuer-login")

    account = demo_space.account("dpd")
    page.locator("input[name=username]").fill(account.username)
    page.locator("input[name=password]").fill(account.password)
    shot("issuer-login-filled")
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{demo_space.gateway}/console/**")
    expect(page.locator("main#main")).to_contain_text(DPD_NAME)
    for nav in ("datasets", "register", "log", "integrity", "whatif"):
        expect(page.locator(f"#nav-{nav}")).to_be_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "guichet_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie
    nodes = page.locator("table#nodes tbody tr[data-node]")
    expect(nodes).to_have_count(5)  # the five partners' nodes
    assert {n.get_attribute("data-ok") for n in nodes.all()} == {"true"}
    shot("console-home")

    page.locator("#logout").click()
    page.wait_for_load_state()
    expect(page.locator('main#main[data-state="logged-out"]')).to_have_count(1)
    shot("logged-out")
    response = page.goto(demo_space.console + "log")
    assert response is not None and response.status == 401
    expect(page.locator("main#main[data-error]")).to_have_count(1)
    expect(page.locator("#log-entries")).to_have_count(0)
    shot("log-after-logout")


def test_a_wrong_password_is_refused_on_the_same_page(
    page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    account = demo_space.account("dpd")
    page.goto(demo_space.console + "login")
    page.wait_for_url(f"{demo_space.issuer}/authorize**")
    page.locator("input[name=username]").fill(account.username)
    page.locator("input[name=password]").fill(account.password + "-wrong")
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/authorize" in r.url
    ) as answer:
        page.locator("form button[type=submit], form input[type=submit]").first.click()
    assert answer.value.status == 401
    page.wait_for_load_state()
    assert page.url.startswith(f"{demo_space.issuer}/authorize")
    expect(page.locator('main#main[data-error="login-failed"]')).to_have_count(1)
    expect(page.locator("[role=alert]")).to_have_text("Identifiant ou mot de passe incorrect.")
    expect(page.locator("input[name=password]")).to_have_value("")
    shot("wrong-password")
    # the form is there again and still works with the right password
    page.locator("input[name=username]").fill(account.username)
    page.locator("input[name=password]").fill(account.password)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{demo_space.gateway}/console/**")
    expect(page.locator("main#main")).to_contain_text(DPD_NAME)
    shot("then-right-password")


def test_an_account_without_the_dpd_role_sees_nothing(
    page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    agent: Account = demo_space.account("agent")
    with page.expect_response(lambda r: "/console/callback" in r.url) as callback:
        login(page, demo_space, agent)
    assert callback.value.status == 403
    expect(page.locator('main#main[data-error="forbidden"]')).to_have_count(1)
    expect(page.locator("#log-entries, #integrity, #nav-log")).to_have_count(0)
    shot("forbidden")
    response = page.goto(demo_space.console + "log?node=atmo")
    assert response is not None and response.status in (401, 403)
    expect(page.locator("main#main[data-error]")).to_have_count(1)
    expect(page.locator("#log-entries")).to_have_count(0)
    shot("forbidden-log")


def test_a_forged_cookie_opens_no_session(page: Page, demo_space: DemoSpace, shot: Shot) -> None:
    page.context.add_cookies(
        [{"name": "guichet_console", "value": "forged-" + "A" * 40, "url": demo_space.gateway}]
    )
    response = page.goto(demo_space.console + "log")
    assert response is not None and response.status == 401
    expect(page.locator('main#main[data-error="no-session"]')).to_have_count(1)
    expect(page.locator("#log-entries")).to_have_count(0)
    login_link = page.locator('main#main a[href*="login"]')
    expect(login_link).to_have_count(1)
    shot("forged-cookie")
    login_link.click()
    page.wait_for_url(re.compile(re.escape(demo_space.issuer) + "/authorize"))
    shot("login-link-leads-to-issuer")


def test_the_issuer_page_switches_to_english(page: Page, demo_space: DemoSpace, shot: Shot) -> None:
    page.goto(demo_space.console + "login")
    page.wait_for_url(f"{demo_space.issuer}/authorize**")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator('label[for="password"]')).to_have_text("Mot de passe")
    page.locator('a[hreflang="en"]').click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator('label[for="password"]')).to_have_text("Password")
    shot("issuer-login-en")
    # the request is carried over: signing in from the English page still lands in the console
    account = demo_space.account("dpd")
    page.locator("input[name=username]").fill(account.username)
    page.locator("input[name=password]").fill(account.password)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(f"{demo_space.gateway}/console/**")
    expect(page.locator("main#main")).to_contain_text(DPD_NAME)

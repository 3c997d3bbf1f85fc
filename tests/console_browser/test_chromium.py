"""Debian's Chromium, driven by playwright, against the running demo space."""

from __future__ import annotations

import json

from playwright.sync_api import Browser, Page

from tests.console_browser.conftest import DemoSpace, Shot


def test_debian_chromium_runs_headless(browser: Browser) -> None:
    major = int(browser.version.split(".")[0])
    assert major >= 100, browser.version


def test_the_demo_issuer_answers_the_browser(page: Page, demo_space: DemoSpace, shot: Shot) -> None:
    response = page.goto(f"{demo_space.issuer}/.well-known/oauth-authorization-server")
    assert response is not None and response.status == 200
    shot("issuer-metadata")
    metadata = json.loads(response.text())
    assert metadata["issuer"] == demo_space.issuer

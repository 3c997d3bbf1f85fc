"""An idle session ends: a second gateway over the demo's nodes, started as its own process
with ``--console-session-idle 3`` and registered with the demo's issuer as a web client."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.console_browser.conftest import DemoSpace, Shot, gateway_console, login
from tests.support.cli import guichet
from tests.support.ports import free_port

IDLE = 3  # seconds
CLIENT_ID = "guichet-console-short"


@pytest.fixture(scope="module")
def short_console(demo_space: DemoSpace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console of a gateway whose sessions end after ``IDLE`` idle seconds."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db = f"sqlite+aiosqlite:///{demo_space.directory / 'issuer.db'}"
    added = guichet(
        "issuer", "add-web-client", CLIENT_ID, "--name", "Console (session courte)",
        "--redirect-uri", f"{url}/console/callback", "--db", db,
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    log = tmp_path_factory.mktemp("short-console") / "gateway.log"
    idle = ("--console-session-idle", str(IDLE))
    with gateway_console(demo_space, port, CLIENT_ID, idle, log) as console:
        yield console


def test_an_idle_session_expires(
    page: Page, demo_space: DemoSpace, short_console: str, shot: Shot
) -> None:
    login(page, demo_space, demo_space.account("dpd"), start=short_console + "login",
          landing=short_console)  # fmt: skip
    expect(page.locator("#nav-log")).to_be_visible()
    shot("logged-in")
    time.sleep(IDLE + 1)
    response = page.goto(short_console + "log")
    assert response is not None and response.status == 401
    expect(page.locator('main#main[data-error="session-expired"]')).to_have_count(1)
    expect(page.locator("main#main")).to_contain_text("Votre session a expiré")
    expect(page.locator("#log-entries")).to_have_count(0)
    expect(page.locator('main#main a[href*="login"]')).to_have_count(1)
    shot("session-expired")

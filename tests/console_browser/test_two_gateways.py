"""Two gateways behind one console: a second gateway, its own process, started with the
demo gateway's ``--state-db``, serves the session opened at the demo's gateway, and a
logout at either ends it at both (cookies on 127.0.0.1 are shared across ports, as behind
one load-balanced address)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from connector.demo.participants import CONSOLE_CLIENT
from tests.console_browser.conftest import DemoSpace, Shot, gateway_console, login
from tests.support.ports import free_port


@pytest.fixture(scope="module")
def second_gateway(
    demo_space: DemoSpace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The second gateway's console, on the demo gateway's state database."""
    state = f"sqlite+aiosqlite:///{demo_space.directory / 'gateway.db'}"
    log = tmp_path_factory.mktemp("second-gateway") / "gateway.log"
    with gateway_console(demo_space, free_port(), CONSOLE_CLIENT, ("--state-db", state), log) as c:
        yield c
    assert "Traceback" not in log.read_text("utf-8", errors="replace")


def test_a_session_opened_at_one_gateway_is_served_and_ended_by_the_other(
    page: Page, demo_space: DemoSpace, second_gateway: str, shot: Shot
) -> None:
    login(page, demo_space, demo_space.account("dpd"))  # at the demo's gateway
    response = page.goto(second_gateway + "log")  # the other process, the same cookie
    assert response is not None and response.status == 200
    expect(page.locator("#log-entries")).to_have_count(1)
    shot("second-gateway-signed-in")
    kept = page.context.cookies()  # the session's cookie, as a stolen copy would be
    page.get_by_role("button", name="Se déconnecter").click()  # logout at the second one
    page.context.add_cookies(kept)  # logout deleted it here: send the copy to the first
    response = page.goto(demo_space.console + "log")
    assert response is not None and response.status == 401
    expect(page.locator('main#main[data-error="session-expired"]')).to_have_count(1)
    shot("first-gateway-session-ended")

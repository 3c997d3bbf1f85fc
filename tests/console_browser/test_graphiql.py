"""GraphiQL in Chromium, on a node and on the gateway of the running demo, with every
request that would leave 127.0.0.1 aborted and counted: the IDE must load from the
builds the package carries, run a query, and send the token typed in its field."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.console_browser.conftest import DemoSpace, Shot


def offline(page: Page) -> list[str]:
    """Abort every request to another host than 127.0.0.1; returns the list of those tried."""
    outside: list[str] = []

    def route(r: Route) -> None:
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return outside


@pytest.mark.parametrize("where", ["node", "gateway"])
def test_graphiql_loads_offline_runs_and_sends_the_token(
    page: Page, demo_space: DemoSpace, shot: Shot, where: str
) -> None:
    base = demo_space.nodes["cda"] if where == "node" else demo_space.gateway
    outside = offline(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/graphql")
    run = page.locator(".graphiql-execute-button")
    expect(run).to_be_visible()
    run.click()
    result = page.locator(".result-window")
    expect(result).to_contain_text('"queryType"')
    expect(result).to_contain_text('"buildings"')  # a root field of the schema it serves
    shot(f"graphiql-{where}")

    posted: list[Request] = []
    page.on("request", lambda r: posted.append(r) if r.method == "POST" else None)
    page.locator("#guichet-token").fill("not-a-token-the-issuer-signed")
    run.click()
    if where == "node":  # the node checks tokens; the gateway passes them to the nodes it asks
        expect(result).to_contain_text("token")  # the node's refusal of the bad token
    else:
        expect(result).to_contain_text('"queryType"')
    assert [r.headers.get("authorization") for r in posted] == [
        "Bearer not-a-token-the-issuer-signed"
    ]
    assert outside == []
    assert errors == []

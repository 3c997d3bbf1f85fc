"""The console where it is served: the gateway's ``/console/`` (with both flags, over every
subgraph's node), a node's ``/console/`` when its configuration has ``[console]``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from connector.console.mounting import node_base
from connector.errors import ConfigError
from connector.gateway import create_gateway_app
from connector.gateway.cli import parser
from tests.connector.tiny import make_tiny

pytestmark = pytest.mark.anyio

NO_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens


async def test_the_gateway_serves_the_console_over_its_subgraphs() -> None:
    app = create_gateway_app(
        {"cda": "http://127.0.0.1:8101/graphql", "atmo": "http://127.0.0.1:8102/graphql"},
        console_issuer=NO_ISSUER,
        console_client_id="guichet-console",
    )
    console = next(r for r in app.routes if getattr(r, "path", "") == "/console").app
    nodes = console.state.console.settings.nodes  # type: ignore[attr-defined]
    assert [(n.name, n.base_url) for n in nodes] == [
        ("cda", "http://127.0.0.1:8101"),
        ("atmo", "http://127.0.0.1:8102"),
    ]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:4000") as c:
        page = await c.get("/console/")
        assert page.status_code == 401
        assert '<main id="main" data-error="no-session">' in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'self';")
        css = await c.get("/console/static/console.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        login = await c.get("/console/login")
        assert login.status_code == 502
        assert "Le serveur d&#39;identité ne répond pas." in login.text
        assert (await c.get("/console", follow_redirects=False)).headers["location"] == (
            "http://127.0.0.1:4000/console/"
        )
    await console.state.aclose()


def test_the_gateway_console_needs_both_flags() -> None:
    args = parser().parse_args(
        [
            "--subgraph",
            "a=http://h:1/graphql",
            "--console-issuer",
            "http://i",
            "--console-client-id",
            "c",
        ]
    )
    assert (args.console_issuer, args.console_client_id) == ("http://i", "c")
    with pytest.raises(ConfigError) as caught:
        create_gateway_app({"a": "http://h:1/graphql"}, console_issuer="http://i")
    assert [str(i) for i in caught.value.issues] == [
        "gateway: console: give both the console's issuer and client id"
    ]
    plain = create_gateway_app({"a": "http://h:1/graphql"})
    assert all(getattr(r, "path", "") != "/console" for r in plain.routes)


async def test_a_node_with_a_console_table_serves_its_own_console(tmp_path: Path) -> None:
    file = make_tiny(tmp_path)
    text = file.read_text("utf-8")
    if "[auth]" not in text:
        text += f'\n[auth]\nissuer = "{NO_ISSUER}"\n'
    file.write_text(text + '\n[console]\nclient_id = "guichet-console"\n', "utf-8")
    config = load_config(file)
    app = create_app(config)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=config.base_iri) as c:
        page = await c.get("/console/?lang=en")
        assert page.status_code == 401
        assert '<html lang="en">' in page.text
        assert "<title>You are not logged in · Ville imaginaire · DPO console</title>" in page.text
    console = next(r for r in app.routes if getattr(r, "path", "") == "/console").app
    settings = console.state.console.settings  # type: ignore[attr-defined]
    assert [(n.name, n.base_url) for n in settings.nodes] == [("tiny", config.base_iri)]
    await console.state.aclose()


def test_node_base_drops_the_graphql_path() -> None:
    assert node_base("https://n.example:8443/sub/graphql") == "https://n.example:8443"

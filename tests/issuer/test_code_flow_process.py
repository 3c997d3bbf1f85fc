"""A person signs in through the issuer running as a real process on 127.0.0.1: account and
web client added with the CLI, the login page and the token endpoint over HTTP, the token
accepted by a node's verifier that discovers the JWKS from the RFC 8414 metadata."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from connector.identity import JwtVerifier, VerifierSettings
from issuer.cli_accounts import add_account, add_web_client
from tests.connector.test_node_process import free_port
from tests.issuer.codeflow import (
    DPD,
    DPD_NAME,
    PASSWORD,
    Page,
    parse,
    pkce_pair,
    redirect_query,
    submit,
)
from tests.issuer.process import running_issuer

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class LiveIssuer:
    url: str
    node: str
    callback: str


@pytest.fixture
def live_issuer(tmp_path: Path) -> Iterator[LiveIssuer]:
    db = f"sqlite+aiosqlite:///{tmp_path / 'issuer.db'}"
    callback = f"http://127.0.0.1:{free_port()}/console/callback"
    out = io.StringIO()
    add_account(db, "dpd", iri=DPD, name=DPD_NAME, roles=["dpd"], password=PASSWORD, out=out)
    add_web_client(db, "guichet-console", name="Console DPD", redirect_uris=[callback], out=out)
    url, node = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    with running_issuer(url, audience=node, db=db, key_dir=tmp_path / "keys"):
        yield LiveIssuer(url, node, callback)


async def test_a_person_signs_in_over_real_http(live_issuer: LiveIssuer) -> None:
    verifier, challenge = pkce_pair()
    async with httpx.AsyncClient(base_url=live_issuer.url, timeout=10) as browser:
        metadata = (await browser.get("/.well-known/oauth-authorization-server")).json()
        assert metadata["authorization_endpoint"] == f"{live_issuer.url}/authorize"
        params = [
            ("response_type", "code"),
            ("client_id", "guichet-console"),
            ("redirect_uri", live_issuer.callback),
            ("state", "etat-1"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("resource", live_issuer.node),
        ]
        r = await browser.get(metadata["authorization_endpoint"], params=params)
        assert r.status_code == 200
        page: Page = parse(r.text)
        assert page.html_lang == "fr"

        wrong = await submit(browser, page, "dpd", "pas le bon mot de passe")
        assert wrong.status_code == 401
        assert parse(wrong.text).alerts == ["Identifiant ou mot de passe incorrect."]

        done = await submit(browser, parse(wrong.text), "dpd", PASSWORD)
        assert done.status_code == 302
        query = redirect_query(done)
        assert done.headers["location"].startswith(live_issuer.callback + "?")
        assert (query["state"], query["iss"]) == ("etat-1", live_issuer.url)

    async with httpx.AsyncClient(timeout=10) as console:
        token = await console.post(
            metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": query["code"],
                "redirect_uri": live_issuer.callback,
                "client_id": "guichet-console",
                "code_verifier": verifier,
            },
        )
        assert token.status_code == 200, token.text
        access = token.json()["access_token"]
        node = JwtVerifier(
            VerifierSettings(issuer=live_issuer.url, audience=live_issuer.node), client=console
        )
        identity = await node.verify(f"Bearer {access}")
    assert identity.party == DPD
    assert identity.roles == ("dpd",)
    assert identity.client_id == "guichet-console"
    assert identity.claims["name"] == DPD_NAME

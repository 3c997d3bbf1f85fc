"""Logging in with the authorization code and PKCE, and every way it can go wrong: each
refusal is a whole page saying why (its ``data-error``), with the right status, and
leaves no session behind."""

from __future__ import annotations

import re

import httpx
import pytest
from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.routing import Mount

from connector.console import ConsoleSettings, create_console
from tests.connector.console.conftest import (
    ATMO,
    CDA,
    CONSOLE,
    Clock,
    login,
    start_login,
)
from tests.connector.console.fakes import CLAIRE, CLIENT_ID, FakeIssuer, FakeNode, Space

pytestmark = pytest.mark.anyio


def error_kind(html: str) -> str | None:
    found = re.search(r'<main id="main" data-error="([a-z-]+)">', html)
    return found.group(1) if found else None


async def test_the_authorize_request_carries_pkce_state_and_every_node_audience(
    client: httpx.AsyncClient,
) -> None:
    params = await start_login(client)
    assert params["response_type"] == ["code"]
    assert params["client_id"] == [CLIENT_ID]
    assert params["redirect_uri"] == [f"{CONSOLE}/console/callback"]
    assert params["code_challenge_method"] == ["S256"]
    assert params["resource"] == [CDA, ATMO]
    assert params["lang"] == ["fr"]
    assert len(params["state"][0]) >= 43
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", params["code_challenge"][0])
    assert client.cookies.get("guichet_console_login") == params["state"][0]


async def test_login_opens_a_session_and_the_home_page_shows_who_and_the_nodes(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode
) -> None:
    r = await login(client, issuer)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("guichet_console="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    # the verifier the console sent matches the challenge it sent (checked by hand: s256)
    sent = issuer.token_requests[-1]
    assert sent["grant_type"] == "authorization_code" and "client_secret" not in sent
    assert len(sent["code_verifier"]) == 64

    page = await client.get("/console/")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="fr">' in html
    assert "Claire Martin, déléguée à la protection des données (dpd)" in html
    assert f"<code>{CLAIRE}</code>" in html
    rows = re.findall(r'<tr data-node="(\w+)" data-ok="(true|false)">', html)
    assert rows == [("cda", "true"), ("atmo", "true")]
    assert "Agglomération de La Rochelle" in html and "Atmo Nouvelle-Aquitaine" in html
    token = cda.calls[-1][2]
    assert token.startswith("Bearer ey") and atmo.calls[-1][2] == token
    assert 'id="logout"' in html and 'id="nav-log"' in html


async def test_a_replayed_or_foreign_state_is_refused(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    params = await start_login(client)
    r = await client.get("/console/callback", params={"code": "c", "state": "not-mine"})
    assert (r.status_code, error_kind(r.text)) == (400, "login-failed")
    assert "ne correspond à aucune connexion en cours" in r.text
    issuer.grant(
        "c",
        challenge=params["code_challenge"][0],
        redirect_uri=params["redirect_uri"][0],
        resources=params["resource"],
    )
    ok = await client.get("/console/callback", params={"code": "c", "state": params["state"][0]})
    assert ok.status_code == 303
    again = await client.get("/console/callback", params={"code": "c", "state": params["state"][0]})
    assert error_kind(again.text) == "login-failed"


async def test_the_issuer_saying_no_is_shown_as_a_failed_login(client: httpx.AsyncClient) -> None:
    params = await start_login(client)
    r = await client.get(
        "/console/callback",
        params={
            "error": "access_denied",
            "error_description": "<b>non</b>",
            "state": params["state"][0],
        },
    )
    assert (r.status_code, error_kind(r.text)) == (400, "login-failed")
    assert "Le serveur d&#39;identité a refusé la connexion : access_denied &lt;b&gt;non" in r.text


async def test_a_mix_up_of_issuers_is_refused(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    params = await start_login(client)
    issuer.grant(
        "c",
        challenge=params["code_challenge"][0],
        redirect_uri=params["redirect_uri"][0],
        resources=params["resource"],
    )
    r = await client.get(
        "/console/callback",
        params={"code": "c", "state": params["state"][0], "iss": "https://evil.example"},
    )
    assert error_kind(r.text) == "login-failed"
    assert issuer.token_requests == []


async def test_an_account_without_the_dpd_role_sees_nothing(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode
) -> None:
    issuer.claims = {"roles": ["staff"], "preferred_username": "agent"}
    r = await login(client, issuer)
    assert (r.status_code, error_kind(r.text)) == (403, "forbidden")
    assert "n'a pas le rôle de délégué à la protection des données" in r.text.replace("&#39;", "'")
    assert "guichet_console=" not in r.headers.get("set-cookie", "")
    assert cda.calls == []
    after = await client.get("/console/")
    assert error_kind(after.text) == "no-session"


async def test_a_token_without_roles_is_refused(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    issuer.claims = {"roles": None}
    r = await login(client, issuer)
    assert (r.status_code, error_kind(r.text)) == (403, "forbidden")


async def test_a_token_signed_by_another_key_is_refused(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    real = issuer.key
    issuer.key = ECKey.generate_key("P-256", parameters={"kid": "k1"})
    params = await start_login(client)  # the console fetches the JWKS later, at the callback
    issuer.grant(
        "c",
        challenge=params["code_challenge"][0],
        redirect_uri=params["redirect_uri"][0],
        resources=params["resource"],
    )
    signed_with_other = issuer.key
    issuer.key = real  # the JWKS serves the real key; the token is signed by the other one
    original_sign = issuer.sign
    issuer.sign = lambda claims, key=None: original_sign(claims, signed_with_other)  # type: ignore[method-assign]
    r = await client.get("/console/callback", params={"code": "c", "state": params["state"][0]})
    assert (r.status_code, error_kind(r.text)) == (400, "login-failed")
    assert "Le jeton d&#39;accès reçu n&#39;a pas pu être vérifié." in r.text


async def test_no_cookie_and_a_forged_cookie_get_a_clear_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/console/log")
    assert (r.status_code, error_kind(r.text)) == (401, "no-session")
    assert "Vous n&#39;êtes pas connecté" in r.text
    assert '<a id="login" href="/console/login">Se connecter</a>' in r.text
    client.cookies.set("guichet_console", "forged-" + "A" * 40, path="/console")
    r = await client.get("/console/datasets")
    assert (r.status_code, error_kind(r.text)) == (401, "no-session")


async def test_an_idle_session_expires(
    client: httpx.AsyncClient, issuer: FakeIssuer, clock: Clock
) -> None:
    await login(client, issuer)
    clock.now += 899
    assert (await client.get("/console/")).status_code == 200
    clock.now += 899  # still within 900 s of the last request
    assert (await client.get("/console/")).status_code == 200
    clock.now += 901
    r = await client.get("/console/")
    assert (r.status_code, error_kind(r.text)) == (401, "session-expired")
    assert "Votre session a expiré" in r.text
    assert '<a id="login" href="/console/login">Se reconnecter</a>' in r.text
    again = await client.get("/console/")
    assert error_kind(again.text) in ("session-expired", "no-session")


async def test_a_session_ends_with_its_token_and_its_maximum_age(
    client: httpx.AsyncClient, issuer: FakeIssuer, clock: Clock
) -> None:
    issuer.lifetime = 600
    await login(client, issuer)
    clock.now += 601
    r = await client.get("/console/")
    assert error_kind(r.text) == "session-expired"
    issuer.lifetime = 10 * 3600
    await login(client, issuer, code="code-2")
    for _ in range(33):  # 33 × 880 s = 8 h 4 min, never idle for 900 s
        clock.now += 880
        r = await client.get("/console/")
    assert error_kind(r.text) == "session-expired"


async def test_logout_needs_the_form_token_and_ends_the_session(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    await login(client, issuer)
    page = (await client.get("/console/")).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    bad = await client.post("/console/logout", data={"csrf": "guess"})
    assert (bad.status_code, error_kind(bad.text)) == (400, "bad-request")
    assert (await client.get("/console/")).status_code == 200
    r = await client.post("/console/logout", data={"csrf": csrf.group(1)})
    assert r.status_code == 200
    assert 'data-state="logged-out"' in r.text and "Vous êtes déconnecté" in r.text
    after = await client.get("/console/")
    assert after.status_code == 401


async def test_unknown_pages_are_pages_too(client: httpx.AsyncClient) -> None:
    r = await client.get("/console/nope?lang=en")
    assert (r.status_code, error_kind(r.text)) == (404, "not-found")
    assert '<html lang="en">' in r.text and "Page not found" in r.text


async def test_over_https_the_cookies_are_secure(
    settings: ConsoleSettings, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode, clock: Clock
) -> None:
    space = httpx.AsyncClient(transport=httpx.MockTransport(Space(issuer, [cda, atmo])))
    app = Starlette(
        routes=[Mount("/console", app=create_console(settings, http=space, clock=clock))]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://dpd.example") as c:
        r = await login(c, issuer)
    await space.aclose()
    cookies = [h for h in r.headers.get_list("set-cookie") if h.startswith("guichet_console=")]
    assert len(cookies) == 1 and "; Secure" in cookies[0] and "HttpOnly" in cookies[0]
    assert issuer.token_requests[-1]["redirect_uri"] == "https://dpd.example/console/callback"

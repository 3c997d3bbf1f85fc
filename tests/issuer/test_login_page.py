"""``/authorize`` as a person and a browser see it: the login page, its refusals, the
password lock-out and the CSRF guard (through the issuer app over ASGI)."""

from __future__ import annotations

import base64
import hashlib
import re
import sqlite3
import time
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from issuer import Account, IssuerSettings, ParticipantRegistry, WebClient
from tests.issuer.codeflow import (
    CALLBACK,
    CONSOLE,
    DPD,
    DPD_NAME,
    PASSWORD,
    authorize_params,
    login_page,
    parse,
    redirect_query,
    sign_in,
    submit,
)
from tests.issuer.conftest import ISSUER, NODE

pytestmark = pytest.mark.anyio
WRONG_FR = "Identifiant ou mot de passe incorrect."
WRONG_EN = "Wrong username or password."


@pytest.fixture
async def console(registry: ParticipantRegistry) -> WebClient:
    return await registry.add_web_client(CONSOLE, name="Console DPD", redirect_uris=[CALLBACK])


@pytest.fixture
async def dpd(registry: ParticipantRegistry, console: WebClient) -> Account:
    return await registry.add_account(
        "dpd", iri=DPD, name=DPD_NAME, roles=["dpd"], password=PASSWORD
    )


async def test_the_login_page_is_french_labelled_self_contained_and_carries_the_request(
    http: httpx.AsyncClient, console: WebClient
) -> None:
    params = authorize_params(state="s1")
    r = await http.get("/authorize", params=params)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    page = parse(r.text)
    assert page.html_lang == "fr"
    assert page.main.get("id") == "main"
    assert "data-error" not in page.main
    assert "Console DPD" in r.text
    assert page.form["method"] == "post"
    assert page.form["action"] == "/authorize"
    assert [i["name"] for i in page.inputs] == ["username", "password"]
    assert page.labels == {"username": "Identifiant", "password": "Mot de passe"}
    assert all(i["id"] in page.labels for i in page.inputs)
    assert next(i for i in page.inputs if i["name"] == "password")["type"] == "password"
    assert dict(page.hidden)["lang"] == "fr"
    carried = [(k, v) for k, v in page.hidden if k not in ("lang", "csrf_token")]
    assert carried == params
    assert "Se connecter" in r.text

    assert not {"script", "link", "img", "iframe"} & page.tags  # nothing loaded from anywhere
    assert "http" not in " ".join(a.get("href", "") for a in page.links).replace(
        "http%3A%2F%2F", ""
    )
    csp = r.headers["content-security-policy"]
    style_hash = base64.b64encode(hashlib.sha256(page.style.encode()).digest()).decode()
    assert f"style-src 'sha256-{style_hash}'" in csp
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "form-action 'self' http://127.0.0.1:8104" in csp  # the redirect's origin
    assert r.headers["cache-control"] == "no-store"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("guichet_issuer_csrf=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/authorize" in cookie


async def test_the_language_switch_keeps_the_request(
    http: httpx.AsyncClient, console: WebClient
) -> None:
    params = authorize_params()
    french = parse((await http.get("/authorize", params=params)).text)
    (switch,) = french.links
    assert switch["hreflang"] == "en" and switch["lang"] == "en"
    target = urlsplit(switch["href"])
    assert parse_qsl(target.query) == [*params, ("lang", "en")]

    english = await http.get(f"{target.path}?{target.query}")
    page = parse(english.text)
    assert page.html_lang == "en"
    assert page.labels == {"username": "Username", "password": "Password"}
    assert dict(page.hidden)["lang"] == "en"
    assert page.links[0]["hreflang"] == "fr"
    nonsense = parse((await http.get("/authorize", params=[*params, ("lang", "de")])).text)
    assert nonsense.html_lang == "fr"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"client_id": "nobody"}, "The client does not exist on this server."),
        ({"client_id": ""}, "Missing 'client_id' parameter."),
        (
            {"redirect_uri": "http://127.0.0.1:9999/steal"},
            "Redirect URI http://127.0.0.1:9999/steal is not supported by client.",
        ),
        ({"redirect_uri": CALLBACK + "/"}, "is not supported by client"),
        ({"redirect_uri": ""}, "Missing 'redirect_uri' in request."),
        ({"code_challenge": "", "code_challenge_method": ""}, "missing 'code_challenge'"),
        ({"code_challenge_method": "plain"}, "must be S256 (plain is refused), got 'plain'"),
        ({"code_challenge_method": ""}, "must be S256 (plain is refused), got None"),
        ({"code_challenge": "short"}, "Invalid 'code_challenge'"),
    ],
)
async def test_requests_that_must_not_be_redirected_get_an_error_page(
    http: httpx.AsyncClient, console: WebClient, change: dict[str, str], named: str
) -> None:
    r = await http.get("/authorize", params=authorize_params(**change))
    assert r.status_code == 400
    assert "location" not in r.headers
    page = parse(r.text)
    assert page.main["data-error"] == "bad-request"
    assert named in page.alerts[0]
    assert "<form" not in r.text


async def test_a_resource_the_issuer_does_not_serve_is_an_error_page(
    http: httpx.AsyncClient, console: WebClient
) -> None:
    unknown = await http.get(
        "/authorize", params=authorize_params(resources=("http://127.0.0.1:9999",))
    )
    assert unknown.status_code == 400
    assert "location" not in unknown.headers
    assert (
        "invalid_target: resource 'http://127.0.0.1:9999' is not served"
        in (parse(unknown.text).alerts[0])
    )
    missing = await http.get("/authorize", params=authorize_params(resources=()))
    assert missing.status_code == 400
    assert "missing 'resource' parameter" in parse(missing.text).alerts[0]


async def test_other_errors_go_back_to_the_registered_redirect_uri(
    http: httpx.AsyncClient, console: WebClient
) -> None:
    r = await http.get("/authorize", params=authorize_params(response_type="token", state="s9"))
    assert r.status_code == 302
    assert r.headers["location"].startswith(CALLBACK + "?")
    query = redirect_query(r)
    assert query["error"] == "unsupported_response_type"
    assert query["state"] == "s9"
    assert query["iss"] == ISSUER
    assert "code" not in query

    scope = await http.get("/authorize", params=authorize_params(scope="admin"))
    assert scope.status_code == 302
    assert redirect_query(scope)["error"] == "invalid_scope"


async def test_a_wrong_password_shows_the_same_page_with_a_generic_message(
    http: httpx.AsyncClient, dpd: Account
) -> None:
    params = authorize_params()
    wrong = await sign_in(http, params, password="not the password")
    unknown = await sign_in(http, params, username="nobody", password="not the password")
    for r in (wrong, unknown):
        assert r.status_code == 401
        assert "location" not in r.headers
        page = parse(r.text)
        assert page.main["data-error"] == "login-failed"
        assert page.alerts == [WRONG_FR]
        assert page.form["aria-describedby"] == "login-error"
        assert "not the password" not in r.text
    same = [re.sub(r'value="[^"]*"', "", r.text.replace("nobody", "dpd")) for r in (wrong, unknown)]
    assert same[0] == same[1]  # nothing tells a known username from an unknown one
    assert parse(wrong.text).inputs[0]["value"] == "dpd"  # the username is kept

    english = await sign_in(http, authorize_params(lang="en"), password="nope-nope-nope")
    assert parse(english.text).alerts == [WRONG_EN]
    assert parse(english.text).html_lang == "en"


async def test_five_wrong_passwords_lock_the_account_for_five_minutes(
    http: httpx.AsyncClient, dpd: Account, settings: IssuerSettings, registry: ParticipantRegistry
) -> None:
    params = authorize_params()
    statuses = [(await sign_in(http, params, password=f"wrong-{i}")).status_code for i in range(4)]
    before = int(time.time())
    statuses.append((await sign_in(http, params, password="wrong-5")).status_code)
    after = time.time()
    assert statuses == [401, 401, 401, 401, 429]
    locked = await sign_in(http, params)  # even the right password
    assert locked.status_code == 429
    assert parse(locked.text).main["data-error"] == "locked"
    assert parse(locked.text).alerts == [
        "Ce compte est verrouillé après 5 essais infructueux. Réessayez dans 5 minutes."
    ]
    account = await registry.account("dpd")
    assert account is not None and account.locked_until is not None
    assert before + 300 <= account.locked_until <= after + 300

    path = settings.database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as db:  # five minutes later
        db.execute("UPDATE issuer_accounts SET locked_until = ?", (int(time.time()) - 1,))
    assert (await sign_in(http, params)).status_code == 302


async def test_a_success_resets_the_failure_count(http: httpx.AsyncClient, dpd: Account) -> None:
    params = authorize_params()
    for i in range(4):
        assert (await sign_in(http, params, password=f"wrong-{i}")).status_code == 401
    assert (await sign_in(http, params)).status_code == 302
    for i in range(4):
        assert (await sign_in(http, params, password=f"wrong-{i}")).status_code == 401


async def test_a_post_without_a_valid_csrf_token_gives_no_code(
    http: httpx.AsyncClient, dpd: Account, issuer_app: Starlette
) -> None:
    params = authorize_params()
    page = await login_page(http, params)
    token = dict(page.hidden)["csrf_token"]
    issued, _ = token.split(".")
    forged = f"{issued}.{'A' * 43}"
    for override in ({"csrf_token": ""}, {"csrf_token": forged}, {"csrf_token": "12.34"}):
        r = await submit(http, page, "dpd", PASSWORD, **override)
        assert r.status_code == 403, override
        assert "location" not in r.headers
        assert parse(r.text).main["data-error"] == "form-expired"

    stranger = httpx.AsyncClient(transport=httpx.ASGITransport(app=issuer_app), base_url=ISSUER)
    async with stranger:
        r = await submit(stranger, page, "dpd", PASSWORD)
    assert r.status_code == 403  # a valid token without its cookie is refused

    retry = parse(r.text)  # the refusal page is a fresh form that works
    assert (await submit(http, await login_page(http, params), "dpd", PASSWORD)).status_code == 302
    assert dict(retry.hidden)["csrf_token"] != token


async def test_a_post_carrying_a_bad_request_is_an_error_page_not_a_login(
    http: httpx.AsyncClient, dpd: Account
) -> None:
    page = await login_page(http, authorize_params())
    r = await submit(http, page, "dpd", PASSWORD, redirect_uri="http://127.0.0.1:9999/steal")
    assert r.status_code == 400
    assert "location" not in r.headers
    as_json = await http.post("/authorize", json={"username": "dpd"})
    assert as_json.status_code == 400
    assert parse(as_json.text).main["data-error"] == "bad-request"


async def test_every_login_asks_for_the_password_again(
    http: httpx.AsyncClient, dpd: Account
) -> None:
    assert (await sign_in(http, authorize_params())).status_code == 302
    again = await http.get("/authorize", params=authorize_params())
    assert again.status_code == 200
    assert parse(again.text).form["id"] == "login"
    assert NODE in dict(parse(again.text).hidden).values()

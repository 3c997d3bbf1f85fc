"""The authorization-code flow with PKCE S256 through the issuer app (ASGI): a person signs
in on the login page, the web client exchanges the code, a node's verifier accepts the token."""

from __future__ import annotations

import sqlite3
import time

import anyio
import httpx
import pytest

from connector.identity import JwtVerifier, VerifierSettings
from issuer import Account, IssuerSettings, ParticipantRegistry, WebClient
from tests.issuer.codeflow import (
    CALLBACK,
    CONSOLE,
    DPD,
    DPD_NAME,
    OTHER_CALLBACK,
    PASSWORD,
    RFC7636_CHALLENGE,
    RFC7636_VERIFIER,
    authorize_params,
    exchange,
    pkce_pair,
    redirect_query,
    sign_in,
)
from tests.issuer.conftest import ISSUER, NODE, OTHER_NODE
from tests.issuer.test_issuer import decode_part

pytestmark = pytest.mark.anyio


@pytest.fixture
async def console(registry: ParticipantRegistry) -> WebClient:
    return await registry.add_web_client(
        CONSOLE, name="Console DPD", redirect_uris=[CALLBACK, OTHER_CALLBACK]
    )


@pytest.fixture
async def dpd(registry: ParticipantRegistry, console: WebClient) -> Account:
    return await registry.add_account(
        "dpd", iri=DPD, name=DPD_NAME, roles=["dpd"], password=PASSWORD
    )


async def code_for(http: httpx.AsyncClient, params: list[tuple[str, str]]) -> str:
    r = await sign_in(http, params)
    assert r.status_code == 302, r.text
    return redirect_query(r)["code"]


async def test_the_full_flow_gives_a_token_that_the_nodes_verifiers_accept(
    http: httpx.AsyncClient, dpd: Account
) -> None:
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, resources=(NODE, OTHER_NODE), state="xyz-42")
    before = int(time.time())
    r = await sign_in(http, params)

    assert r.status_code == 302
    assert r.headers["cache-control"] == "no-store"
    location = r.headers["location"]
    assert location.startswith(CALLBACK + "?")
    query = redirect_query(r)
    assert set(query) == {"code", "state", "iss"}
    assert query["state"] == "xyz-42"
    assert query["iss"] == ISSUER  # RFC 9207

    token = await exchange(http, query["code"], verifier)
    assert token.status_code == 200, token.text
    assert token.headers["cache-control"] == "no-store"
    body = token.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}  # no refresh
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    header = decode_part(body["access_token"], 0)
    assert header["typ"] == "at+jwt"
    claims = decode_part(body["access_token"], 1)
    assert claims["iss"] == ISSUER
    assert claims["sub"] == DPD
    assert claims["roles"] == ["dpd"]
    assert claims["aud"] == [NODE, OTHER_NODE]
    assert claims["client_id"] == CONSOLE
    assert claims["name"] == DPD_NAME
    assert claims["preferred_username"] == "dpd"
    assert claims["scope"] == "read"
    assert "purpose" not in claims
    assert before <= claims["iat"] <= claims["exp"] - 600

    for audience in (NODE, OTHER_NODE):
        node = JwtVerifier(
            VerifierSettings(issuer=ISSUER, audience=audience, jwks_url=f"{ISSUER}/jwks.json"),
            client=http,
        )
        identity = await node.verify(f"Bearer {body['access_token']}")
        assert identity.party == DPD
        assert identity.roles == ("dpd",)
        assert identity.client_id == CONSOLE


async def test_the_rfc7636_example_pair_works_and_one_resource_is_a_string_audience(
    http: httpx.AsyncClient, dpd: Account
) -> None:
    code = await code_for(http, authorize_params(RFC7636_CHALLENGE))
    token = await exchange(http, code, RFC7636_VERIFIER)
    assert token.status_code == 200, token.text
    assert decode_part(token.json()["access_token"], 1)["aud"] == NODE


async def test_a_wrong_verifier_is_invalid_grant_and_burns_the_code(
    http: httpx.AsyncClient, dpd: Account
) -> None:
    verifier, challenge = pkce_pair()
    code = await code_for(http, authorize_params(challenge))
    other, _ = pkce_pair()
    wrong = await exchange(http, code, other)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert "access_token" not in wrong.json()
    again = await exchange(http, code, verifier)
    assert again.json()["error"] == "invalid_grant"


async def test_a_missing_verifier_is_refused(http: httpx.AsyncClient, dpd: Account) -> None:
    code = await code_for(http, authorize_params())
    r = await exchange(http, code, "")
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_request", "error_description": "Missing 'code_verifier'"}


async def test_a_code_works_once(http: httpx.AsyncClient, dpd: Account) -> None:
    code = await code_for(http, authorize_params())
    assert (await exchange(http, code, RFC7636_VERIFIER)).status_code == 200
    reused = await exchange(http, code, RFC7636_VERIFIER)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


async def test_two_concurrent_exchanges_of_one_code_give_one_token(
    http: httpx.AsyncClient, dpd: Account
) -> None:
    code = await code_for(http, authorize_params())
    statuses: list[int] = []

    async def one() -> None:
        statuses.append((await exchange(http, code, RFC7636_VERIFIER)).status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(one)
    assert sorted(statuses) == [200, 400, 400, 400]


async def test_an_expired_code_is_invalid_grant(
    http: httpx.AsyncClient, dpd: Account, settings: IssuerSettings
) -> None:
    before = int(time.time())
    code = await code_for(http, authorize_params())
    after = time.time()
    path = settings.database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as db:
        expires = db.execute("SELECT expires_at FROM issuer_authorization_codes").fetchone()[0]
        assert before + 60 <= expires <= after + 60  # the settings' default code_lifetime
        db.execute("UPDATE issuer_authorization_codes SET expires_at = ?", (int(time.time()),))
    r = await exchange(http, code, RFC7636_VERIFIER)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


async def test_the_code_is_stored_by_its_hash_only(
    http: httpx.AsyncClient, dpd: Account, settings: IssuerSettings
) -> None:
    code = await code_for(http, authorize_params())
    path = settings.database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM issuer_authorization_codes").fetchall()
        accounts = db.execute("SELECT * FROM issuer_accounts").fetchall()
    assert len(rows) == 1
    assert code not in repr(rows)
    assert PASSWORD not in repr(accounts)
    assert "scrypt$131072$8$1$" in repr(accounts)


async def test_another_redirect_uri_or_client_at_the_token_endpoint_is_invalid_grant(
    http: httpx.AsyncClient, dpd: Account, registry: ParticipantRegistry
) -> None:
    await registry.add_web_client("other-app", name="Autre", redirect_uris=[CALLBACK])
    code = await code_for(http, authorize_params())
    r = await exchange(http, code, RFC7636_VERIFIER, redirect_uri=OTHER_CALLBACK)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"

    code = await code_for(http, authorize_params())
    r = await exchange(http, code, RFC7636_VERIFIER, client_id="other-app")
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


async def test_unknown_or_confidential_clients_cannot_use_the_code_grant(
    http: httpx.AsyncClient, dpd: Account, registry: ParticipantRegistry
) -> None:
    code = await code_for(http, authorize_params())
    unknown = await exchange(http, code, RFC7636_VERIFIER, client_id="nobody")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_client"

    school = await registry.register("https://example.org/school", "École", ["staff"], [])
    assert school.client_secret is not None
    r = await http.post(
        "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(school.client_id, school.client_secret),
    )
    assert r.json()["error"] == "invalid_client"


async def test_a_web_client_cannot_use_client_credentials(
    http: httpx.AsyncClient, console: WebClient
) -> None:
    r = await http.post(
        "/token",
        data={"grant_type": "client_credentials", "client_id": CONSOLE, "resource": NODE},
    )
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"

"""The issuer through ASGI: token requests, their refusals, metadata and JWKS."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.errors import ConfigError
from connector.identity import JwtVerifier, VerifierSettings
from issuer import Credentials, IssuerSettings, ParticipantRegistry, create_issuer_app
from tests.issuer.conftest import DPV, ISSUER, NODE, OTHER_NODE, SCHOOL, get_token

pytestmark = pytest.mark.anyio


def decode_part(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return value


async def test_client_secret_basic_gets_an_rfc9068_token_with_the_participant_claims(
    http: httpx.AsyncClient, school: Credentials
) -> None:
    before = int(time.time())
    r = await get_token(http, school, purpose=f"{DPV}EducationalActivity")
    after = int(time.time())

    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600  # the settings' token_lifetime
    assert body["scope"] == "read"
    header = decode_part(body["access_token"], 0)
    claims = decode_part(body["access_token"], 1)
    jwks = (await http.get("/jwks.json")).json()
    assert header == {"typ": "at+jwt", "alg": "ES256", "kid": jwks["keys"][0]["kid"]}
    assert claims["iss"] == ISSUER
    assert claims["sub"] == SCHOOL
    assert claims["client_id"] == school.client_id
    assert claims["aud"] == NODE
    assert claims["scope"] == "read"
    assert claims["roles"] == ["staff", "teacher"]
    assert claims["purpose"] == "https://w3id.org/dpv#EducationalActivity"
    assert before <= claims["iat"] <= after
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["iat"] == 600
    assert len(claims["jti"]) >= 16


async def test_two_tokens_have_distinct_ids(http: httpx.AsyncClient, school: Credentials) -> None:
    first = (await get_token(http, school)).json()["access_token"]
    second = (await get_token(http, school)).json()["access_token"]
    assert decode_part(first, 1)["jti"] != decode_part(second, 1)["jti"]
    assert "purpose" not in decode_part(first, 1)  # none requested, none granted


async def test_compact_dpv_purpose_is_expanded(
    http: httpx.AsyncClient, school: Credentials
) -> None:
    r = await get_token(http, school, purpose="dpv:ServiceProvision")
    assert decode_part(r.json()["access_token"], 1)["purpose"] == f"{DPV}ServiceProvision"


async def test_a_purpose_the_participant_is_not_allowed_is_refused_by_name(
    http: httpx.AsyncClient, school: Credentials
) -> None:
    r = await get_token(http, school, purpose=f"{DPV}Marketing")
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_scope"
    description = r.json()["error_description"]
    assert "purpose 'https://w3id.org/dpv#Marketing' is not allowed" in description
    assert SCHOOL in description
    assert "access_token" not in r.json()


async def test_a_purpose_that_is_not_an_iri_is_an_invalid_request(
    http: httpx.AsyncClient, school: Credentials
) -> None:
    r = await get_token(http, school, purpose="marketing")
    assert r.status_code == 400
    assert r.json() == {
        "error": "invalid_request",
        "error_description": "purpose 'marketing' is not an IRI",
    }


async def test_audience_must_be_requested_and_served(
    http: httpx.AsyncClient, school: Credentials
) -> None:
    r = await get_token(http, school, resource="http://127.0.0.1:9999")
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_target"
    assert "resource 'http://127.0.0.1:9999' is not served" in r.json()["error_description"]

    assert school.client_secret is not None
    missing = await http.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(school.client_id, school.client_secret),
    )
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    assert "missing 'resource'" in missing.json()["error_description"]


async def test_several_resources_give_a_list_audience(
    http: httpx.AsyncClient, school: Credentials
) -> None:
    assert school.client_secret is not None
    r = await http.post(
        "/token",
        content=f"grant_type=client_credentials&resource={NODE}&resource={OTHER_NODE}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(school.client_id, school.client_secret),
    )
    assert decode_part(r.json()["access_token"], 1)["aud"] == [NODE, OTHER_NODE]


async def test_wrong_secret_and_unknown_client_are_invalid_client(
    http: httpx.AsyncClient, school: Credentials
) -> None:
    data = {"grant_type": "client_credentials", "resource": NODE}
    wrong = await http.post("/token", data=data, auth=(school.client_id, "not-the-secret"))
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    unknown = await http.post("/token", data=data, auth=("nobody", "whatever"))
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_client"
    anonymous = await http.post("/token", data=data)
    assert anonymous.status_code == 401


async def test_malformed_token_requests(http: httpx.AsyncClient, school: Credentials) -> None:
    assert school.client_secret is not None
    auth = (school.client_id, school.client_secret)
    as_json = await http.post("/token", json={"grant_type": "client_credentials"}, auth=auth)
    assert as_json.status_code == 400
    assert as_json.json()["error"] == "invalid_request"
    grant = await http.post("/token", data={"grant_type": "password"}, auth=auth)
    assert grant.status_code == 400
    assert grant.json()["error"] == "unsupported_grant_type"
    scope = await http.post(
        "/token",
        data={"grant_type": "client_credentials", "resource": NODE, "scope": "admin"},
        auth=auth,
    )
    assert scope.status_code == 400
    assert scope.json()["error"] == "invalid_scope"
    get = await http.get("/token")
    assert get.status_code == 405


async def test_metadata_follows_rfc8414(http: httpx.AsyncClient) -> None:
    metadata = (await http.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["issuer"] == ISSUER
    assert metadata["token_endpoint"] == f"{ISSUER}/token"
    assert metadata["jwks_uri"] == f"{ISSUER}/jwks.json"
    assert metadata["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert metadata["grant_types_supported"] == ["client_credentials", "authorization_code"]
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "private_key_jwt",
        "none",
    ]
    assert "none" not in metadata["token_endpoint_auth_signing_alg_values_supported"]
    jwks = (await http.get("/jwks.json")).json()
    assert (await http.get("/.well-known/jwks.json")).json() == jwks
    assert [k["kty"] for k in jwks["keys"]] == ["EC"]
    assert all("d" not in k for k in jwks["keys"])  # public parts only


async def test_rs256_issuer_tokens_verify(tmp_path: Path, sqlite_url: str) -> None:
    settings = IssuerSettings(
        issuer=ISSUER,
        audiences=(NODE,),
        database_url=sqlite_url,
        key_dir=tmp_path / "rsa",
        algorithm="RS256",
    )
    app = create_issuer_app(settings)
    try:
        registry: ParticipantRegistry = app.state.registry
        creds = await registry.register(SCHOOL, "École", ["staff"], [])
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=ISSUER
        ) as http:
            token = (await get_token(http, creds)).json()["access_token"]
            assert decode_part(token, 0)["alg"] == "RS256"
            verifier = JwtVerifier(VerifierSettings(issuer=ISSUER, audience=NODE), client=http)
            identity = await verifier.verify(f"Bearer {token}")
    finally:
        await app.state.registry.aclose()
    assert identity.party == SCHOOL
    assert identity.roles == ("staff",)


async def test_registry_stores_no_secret_in_clear(
    http: httpx.AsyncClient, school: Credentials, settings: IssuerSettings
) -> None:
    assert school.client_secret is not None
    path = settings.database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM issuer_participants").fetchall()
    dump = repr(rows)
    assert school.client_secret not in dump
    assert "scrypt$" in dump


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"issuer": "ftp://x"}, "issuer"),
        ({"issuer": "http://127.0.0.1:8100/"}, "issuer"),
        ({"audiences": ()}, "audiences"),
        ({"token_lifetime": 0}, "token_lifetime"),
        ({"algorithm": "HS256"}, "algorithm"),
    ],
)
def test_bad_settings_name_the_key(kwargs: dict[str, Any], key: str) -> None:
    base: dict[str, Any] = {"issuer": ISSUER, "audiences": (NODE,)}
    with pytest.raises(ConfigError) as info:
        IssuerSettings(**{**base, **kwargs})
    assert [issue.key for issue in info.value.issues] == [key]


def test_a_plain_http_issuer_off_loopback_is_refused(tmp_path: Path) -> None:
    settings = IssuerSettings(
        issuer="http://issuer.example", audiences=(NODE,), key_dir=tmp_path / "k"
    )
    with pytest.raises(ConfigError, match=r"https.*loopback only"):
        create_issuer_app(settings)

"""Every bad token from the usage-control issue is refused, each with its own reason,
and a resource server answers it with 401, an RFC 6750 challenge and no data."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.errors import AuthError
from connector.identity import (
    PUBLIC_PARTY,
    JwtVerifier,
    TokenVerifier,
    identity_from_request,
    unauthorized,
)
from issuer import Credentials
from tests.connector.identity import forge
from tests.issuer.conftest import ISSUER, NODE, SCHOOL, get_token

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class World:
    """What a forger can see or make: the issuer's real key (to isolate one bad claim)."""

    key: ec.EllipticCurvePrivateKey
    kid: str
    public_pem: bytes
    real_token: str


@pytest.fixture
async def world(issuer_app: Starlette, http: httpx.AsyncClient, school: Credentials) -> World:
    signing = issuer_app.state.keys.signing_key()
    private = signing.private_key
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    pem = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    token = (await get_token(http, school)).json()["access_token"]
    return World(private, str(signing.kid), pem, token)


def iso(instant: int) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


NOW = int(time.time())


def good_header(w: World) -> dict[str, str]:
    return {"alg": "ES256", "typ": "at+jwt", "kid": w.kid}


def good_claims(**changes: object) -> dict[str, object]:
    return {**forge.claims_for(issuer=ISSUER, audience=NODE, now=NOW), **changes}


def alg_none(w: World) -> tuple[str, str]:
    header = {"alg": "none", "typ": "at+jwt", "kid": w.kid}
    return (
        forge.token(header, good_claims(), b""),
        "algorithm 'none' is not allowed (allowed: ES256, RS256)",
    )


def wrong_key(w: World) -> tuple[str, str]:
    other = ec.generate_private_key(ec.SECP256R1())
    return (
        forge.es256_token(other, good_header(w), good_claims()),
        f"signature does not verify with key kid={w.kid!r}",
    )


def hs256_with_public_key(w: World) -> tuple[str, str]:
    header = {"alg": "HS256", "typ": "at+jwt", "kid": w.kid}
    claims = good_claims()
    signature = forge.hs256(w.public_pem, forge.signing_input(header, claims))
    return (
        forge.token(header, claims, signature),
        "algorithm 'HS256' is not allowed (allowed: ES256, RS256)",
    )


def expired(w: World) -> tuple[str, str]:
    claims = good_claims(iat=NOW - 1200, nbf=NOW - 1200, exp=NOW - 600)
    return forge.es256_token(w.key, good_header(w), claims), f"token expired at {iso(NOW - 600)}"


def not_yet_valid(w: World) -> tuple[str, str]:
    claims = good_claims(nbf=NOW + 600, exp=NOW + 1200)
    return (
        forge.es256_token(w.key, good_header(w), claims),
        f"token not valid before {iso(NOW + 600)}",
    )


def wrong_audience(w: World) -> tuple[str, str]:
    claims = good_claims(aud=["http://127.0.0.1:9999"])
    return (
        forge.es256_token(w.key, good_header(w), claims),
        "audience ['http://127.0.0.1:9999'] does not include 'http://127.0.0.1:8101'",
    )


def wrong_issuer(w: World) -> tuple[str, str]:
    claims = good_claims(iss="https://evil.example")
    return (
        forge.es256_token(w.key, good_header(w), claims),
        "issuer 'https://evil.example' is not the expected 'http://127.0.0.1:8100'",
    )


def unknown_kid(w: World) -> tuple[str, str]:
    header = {**good_header(w), "kid": "not-a-known-kid"}
    return (
        forge.es256_token(w.key, header, good_claims()),
        "unknown signing key kid='not-a-known-kid'",
    )


def tampered_payload(w: World) -> tuple[str, str]:
    header, _, signature = w.real_token.split(".")
    claims = forge.claims_for(
        issuer=ISSUER, audience=NODE, subject=SCHOOL, roles=["staff", "teacher", "dpd"]
    )
    forged = f"{header}.{forge.segment(claims)}.{signature}"
    return forged, f"signature does not verify with key kid={w.kid!r}"


def not_an_access_token(w: World) -> tuple[str, str]:
    header = {**good_header(w), "typ": "JWT"}
    return (
        forge.es256_token(w.key, header, good_claims()),
        "token type 'JWT' is not 'at+jwt' (RFC 9068)",
    )


def no_expiry(w: World) -> tuple[str, str]:
    claims = good_claims()
    del claims["exp"]
    return forge.es256_token(w.key, good_header(w), claims), "token has no 'exp' claim"


def malformed(w: World) -> tuple[str, str]:
    return ("abc.def", "malformed token: expected 3 base64url parts separated by '.', got 2")


CASES: dict[str, Callable[[World], tuple[str, str]]] = {
    "alg none": alg_none,
    "wrong key, same kid": wrong_key,
    "HS256 signed with the public key": hs256_with_public_key,
    "expired": expired,
    "not yet valid": not_yet_valid,
    "wrong audience": wrong_audience,
    "wrong issuer": wrong_issuer,
    "unknown kid": unknown_kid,
    "tampered payload": tampered_payload,
    "typ JWT": not_an_access_token,
    "no exp": no_expiry,
    "malformed": malformed,
}


async def test_the_real_token_is_accepted(world: World, verifier: JwtVerifier) -> None:
    identity = await verifier.verify(f"Bearer {world.real_token}")
    assert identity.party == SCHOOL
    assert identity.roles == ("staff", "teacher")


@pytest.mark.parametrize("case", list(CASES))
async def test_bad_token_is_refused_with_its_reason(
    case: str, world: World, verifier: JwtVerifier
) -> None:
    token, reason = CASES[case](world)
    with pytest.raises(AuthError) as info:
        await verifier.verify(f"Bearer {token}")
    assert str(info.value) == reason


def resource_app(verifier: TokenVerifier) -> Starlette:
    """A minimal resource server: data for verified callers, 401 otherwise."""

    async def data(request: Request) -> Response:
        try:
            identity = await identity_from_request(request, verifier)
        except AuthError as exc:
            return unauthorized(exc, realm="guichet")
        return JSONResponse({"party": identity.party, "data": [1, 2, 3]})

    return Starlette(routes=[Route("/data", data)])


@pytest.mark.parametrize("case", list(CASES))
async def test_bad_token_gets_401_and_no_data(
    case: str, world: World, verifier: JwtVerifier
) -> None:
    token, reason = CASES[case](world)
    app = resource_app(verifier)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=NODE) as client:
        r = await client.get("/data", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json() == {"error": "invalid_token", "error_description": reason.replace('"', "?")}
    assert r.headers["www-authenticate"] == (
        f'Bearer realm="guichet", error="invalid_token", error_description="{reason}"'
    )
    assert "data" not in r.json()


async def test_resource_server_without_token_serves_the_public_party(
    world: World, verifier: JwtVerifier
) -> None:
    app = resource_app(verifier)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=NODE) as client:
        public = await client.get("/data")
        known = await client.get("/data", headers={"Authorization": f"Bearer {world.real_token}"})
    assert public.json() == {"party": PUBLIC_PARTY, "data": [1, 2, 3]}
    assert known.json() == {"party": SCHOOL, "data": [1, 2, 3]}


async def test_header_shapes(verifier: JwtVerifier) -> None:
    anonymous = await verifier.verify(None)
    assert anonymous.party == "https://guichet.agglo-larochelle.fr/participants/public"
    assert anonymous.anonymous
    with pytest.raises(AuthError, match="unsupported authorization scheme 'Basic'"):
        await verifier.verify("Basic dXNlcjpwYXNz")
    with pytest.raises(AuthError, match="empty bearer token"):
        await verifier.verify("Bearer   ")

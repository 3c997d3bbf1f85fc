"""The verifier against other issuers (a Keycloak-shaped one, served by MockTransport),
JWKS discovery and the JWKS cache's refetch rules."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.jwk import ECKey, RSAKey

from connector.errors import AuthError, ConfigError
from connector.identity import JwtVerifier, VerifierSettings, discover_jwks_url
from connector.identity.jwks import JwksCache
from tests.connector.identity import forge

pytestmark = pytest.mark.anyio

KEYCLOAK = "https://sso.example/realms/guichet"
NODE = "https://node.example"


def public_jwk(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    jwk: RSAKey | ECKey
    if isinstance(key, rsa.RSAPrivateKey):
        jwk = RSAKey.import_key(key.public_key())
    else:
        jwk = ECKey.import_key(key.public_key())
    return {**jwk.as_dict(private=False), "kid": kid, "use": "sig"}


class FakeIssuer:
    """Serves OIDC discovery and a JWKS the test can change; counts JWKS fetches."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys = keys
        self.jwks_fetches = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/realms/guichet/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={"issuer": KEYCLOAK, "jwks_uri": f"{KEYCLOAK}/protocol/openid-connect/certs"},
            )
        if path == "/realms/guichet/protocol/openid-connect/certs":
            self.jwks_fetches += 1
            return httpx.Response(200, json={"keys": self.keys})
        return httpx.Response(404)


async def test_a_keycloak_token_is_understood_by_configuration() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    enc_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = FakeIssuer(
        [
            public_jwk(key, "kc-1"),
            {**public_jwk(enc_key, "kc-enc"), "use": "enc", "alg": "RSA-OAEP"},
        ]
    )
    header = {"alg": "RS256", "typ": "JWT", "kid": "kc-1"}
    claims = forge.claims_for(
        issuer=KEYCLOAK,
        audience=NODE,
        subject="https://guichet.example/participants/atmo",
        azp="atmo-client",
        realm_access={"roles": ["analyst", "offline_access"]},
        scope="profile read",
        purpose="https://w3id.org/dpv#ScientificResearch",
    )
    del claims["client_id"]
    token = forge.token(header, claims, forge.rs256(key, forge.signing_input(header, claims)))
    settings = VerifierSettings(
        issuer=KEYCLOAK,
        audience=NODE,
        roles_claim="realm_access.roles",
        client_claim="azp",
        token_type=None,
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(issuer)) as client:
        identity = await JwtVerifier(settings, client=client).verify(f"Bearer {token}")
    assert identity.party == "https://guichet.example/participants/atmo"
    assert identity.client_id == "atmo-client"
    assert identity.roles == ("analyst", "offline_access")
    assert identity.scopes == ("profile", "read")
    assert identity.purpose == "https://w3id.org/dpv#ScientificResearch"
    assert identity.audience == (NODE,)


async def test_rfc9068_typ_is_required_by_default() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = {"alg": "RS256", "typ": "JWT", "kid": "kc-1"}
    claims = forge.claims_for(issuer=KEYCLOAK, audience=NODE)
    token = forge.token(header, claims, forge.rs256(key, forge.signing_input(header, claims)))
    async with httpx.AsyncClient(transport=httpx.MockTransport(FakeIssuer([]))) as client:
        verifier = JwtVerifier(VerifierSettings(issuer=KEYCLOAK, audience=NODE), client=client)
        with pytest.raises(AuthError, match="token type 'JWT' is not 'at\\+jwt'"):
            await verifier.verify(f"Bearer {token}")


async def test_discovery_refuses_metadata_for_another_issuer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"issuer": "https://evil.example", "jwks_uri": "x"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(AuthError, match=r"names issuer 'https://evil\.example'"):
            await discover_jwks_url(KEYCLOAK, client)


async def test_discovery_prefers_rfc8414_path_insertion() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"issuer": KEYCLOAK, "jwks_uri": "https://sso.example/k"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        assert await discover_jwks_url(KEYCLOAK, client) == "https://sso.example/k"
    assert seen == ["https://sso.example/.well-known/oauth-authorization-server/realms/guichet"]


async def test_discovery_failure_names_what_was_tried() -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(404))
    ) as client:
        with pytest.raises(AuthError, match="cannot discover the JWKS") as info:
            await discover_jwks_url(KEYCLOAK, client)
    assert "openid-configuration" in str(info.value)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_unknown_kid_refetches_once_then_waits_the_minimum_interval() -> None:
    k1 = ec.generate_private_key(ec.SECP256R1())
    k2 = ec.generate_private_key(ec.SECP256R1())
    issuer = FakeIssuer([public_jwk(k1, "k1")])
    clock = Clock()
    async with httpx.AsyncClient(transport=httpx.MockTransport(issuer)) as client:
        cache = JwksCache(
            f"{KEYCLOAK}/protocol/openid-connect/certs",
            client,
            ttl=300,
            min_refetch_interval=10,
            clock=clock,
        )
        assert (await cache.key("k1")).kid == "k1"
        assert issuer.jwks_fetches == 1

        clock.now += 11
        issuer.keys = [public_jwk(k2, "k2"), public_jwk(k1, "k1")]  # the issuer rotated
        assert (await cache.key("k2")).kid == "k2"
        assert issuer.jwks_fetches == 2

        for flood in range(50):  # made-up kids within the interval: no more fetches
            with pytest.raises(AuthError, match=f"unknown signing key kid='bogus-{flood}'"):
                await cache.key(f"bogus-{flood}")
        assert issuer.jwks_fetches == 2

        clock.now += 11
        with pytest.raises(AuthError):
            await cache.key("bogus")
        assert issuer.jwks_fetches == 3

        clock.now += 301  # ttl elapsed: refreshed even for a known kid
        await cache.key("k1")
        assert issuer.jwks_fetches == 4


async def test_jwks_unavailable_then_stale_keys_are_kept() -> None:
    k1 = ec.generate_private_key(ec.SECP256R1())
    state = {"up": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if not state["up"]:
            return httpx.Response(503)
        return httpx.Response(200, content=json.dumps({"keys": [public_jwk(k1, "k1")]}))

    clock = Clock()
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        cache = JwksCache("https://sso.example/certs", client, clock=clock)
        with pytest.raises(AuthError, match=r"signing keys are unavailable \(https://sso"):
            await cache.key("k1")
        state["up"] = True
        with pytest.raises(AuthError, match="unavailable"):  # no retry within the interval
            await cache.key("k1")
        assert cache.fetches == 1
        clock.now += 11
        assert (await cache.key("k1")).kid == "k1"
        assert cache.fetches == 2
        state["up"] = False
        clock.now += 1000
        assert (await cache.key("k1")).kid == "k1"  # stale but kept
        assert cache.fetches == 3


async def test_a_shared_secret_in_the_jwks_is_never_used() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(AuthError, match="unknown signing key kid='s'"):
            await JwksCache("https://sso.example/certs", client).key("s")


async def test_key_of_the_wrong_type_for_the_algorithm() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = FakeIssuer([public_jwk(ec_key, "k1")])
    header = {"alg": "RS256", "typ": "at+jwt", "kid": "k1"}
    claims = forge.claims_for(issuer=KEYCLOAK, audience=NODE)
    token = forge.token(header, claims, forge.rs256(rsa_key, forge.signing_input(header, claims)))
    async with httpx.AsyncClient(transport=httpx.MockTransport(issuer)) as client:
        verifier = JwtVerifier(VerifierSettings(issuer=KEYCLOAK, audience=NODE), client=client)
        with pytest.raises(AuthError, match=r"key kid='k1' is a EC key and cannot verify RS256"):
            await verifier.verify(f"Bearer {token}")


@pytest.mark.parametrize("algorithms", [("none",), ("ES256", "HS256"), ("HS512",)])
def test_symmetric_or_none_algorithms_cannot_be_configured(algorithms: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError, match="only asymmetric signatures"):
        VerifierSettings(issuer=KEYCLOAK, audience=NODE, algorithms=algorithms)

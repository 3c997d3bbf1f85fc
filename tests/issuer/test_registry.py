"""The participants registry on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey

from connector.errors import ConfigError
from issuer import ParticipantRegistry
from issuer.passwords import check_secret

pytestmark = pytest.mark.anyio

ATMO = "https://guichet.agglo-larochelle.fr/participants/atmo"


def public_jwks() -> dict[str, object]:
    key = ECKey.import_key(ec.generate_private_key(ec.SECP256R1()).public_key())
    key.ensure_kid()
    return {"keys": [dict(key.as_dict(private=False))]}


async def test_register_get_and_list(database_url: str) -> None:
    registry = ParticipantRegistry(database_url)
    try:
        creds = await registry.register(
            ATMO, "Atmo Nouvelle-Aquitaine", ["analyst"], ["dpv:ScientificResearch"]
        )
        jwks = public_jwks()
        keyed = await registry.register(
            "https://guichet.example/participants/b",
            "B",
            [],
            [],
            auth_method="private_key_jwt",
            jwks=jwks,
        )
        atmo = await registry.get(creds.client_id)
        everyone = await registry.participants()
    finally:
        await registry.aclose()
    assert creds.client_secret is not None and keyed.client_secret is None
    assert atmo is not None
    assert (atmo.iri, atmo.name, atmo.roles, atmo.purposes, atmo.auth_method) == (
        ATMO,
        "Atmo Nouvelle-Aquitaine",
        ("analyst",),
        ("https://w3id.org/dpv#ScientificResearch",),
        "client_secret_basic",
    )
    assert atmo.secret_hash is not None and check_secret(creds.client_secret, atmo.secret_hash)
    assert [p.iri for p in everyone] == [ATMO, "https://guichet.example/participants/b"]
    assert everyone[1].jwks == jwks


async def test_a_participant_is_registered_once(database_url: str) -> None:
    registry = ParticipantRegistry(database_url)
    try:
        await registry.register(ATMO, "Atmo", [], [])
        with pytest.raises(ConfigError, match=f"'{ATMO}' is already registered"):
            await registry.register(ATMO, "Atmo again", [], [])
    finally:
        await registry.aclose()


async def test_assertion_ids_are_single_use(database_url: str) -> None:
    registry = ParticipantRegistry(database_url)
    expires = int(time.time()) + 60
    try:
        assert await registry.remember_assertion("client", "jti-1", expires)
        assert not await registry.remember_assertion("client", "jti-1", expires)
        assert await registry.remember_assertion("other", "jti-1", expires)
    finally:
        await registry.aclose()


@pytest.mark.parametrize(
    ("iri", "kwargs", "message"),
    [
        ("atmo", {}, "iri: expected an absolute IRI, got 'atmo'"),
        (ATMO, {"purposes": ["research"]}, "purposes: expected a purpose IRI, got 'research'"),
        (ATMO, {"auth_method": "client_secret_post"}, "auth_method: expected one of"),
        (ATMO, {"auth_method": "private_key_jwt"}, "jwks: private_key_jwt needs the client's"),
        (
            ATMO,
            {
                "auth_method": "private_key_jwt",
                "jwks": {"keys": [ECKey.generate_key(private=True).as_dict(private=True)]},
            },
            "contains a private key; register the public key only",
        ),
    ],
)
async def test_bad_registrations_name_the_field(
    sqlite_url: str, iri: str, kwargs: dict[str, object], message: str
) -> None:
    registry = ParticipantRegistry(sqlite_url)
    purposes = kwargs.pop("purposes", [])
    try:
        with pytest.raises(ConfigError) as info:
            await registry.register(iri, "Name", [], purposes, **kwargs)  # type: ignore[arg-type]
    finally:
        await registry.aclose()
    assert message in str(info.value)

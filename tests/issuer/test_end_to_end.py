"""The issuer as a real process on 127.0.0.1 (``python -m issuer.cli serve``):
participants registered with the CLI functions, tokens obtained over HTTP with
``client_secret_basic`` and ``private_key_jwt``, verified by a node's verifier that
discovers the issuer's JWKS, across a key rotation."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from connector.errors import AuthError
from connector.identity import JwtVerifier, VerifierSettings
from issuer import Credentials
from issuer.cli import register, rotate_keys
from tests.connector.test_node_process import free_port
from tests.issuer.process import running_issuer

DPV = "https://w3id.org/dpv#"
ATMO = "https://guichet.agglo-larochelle.fr/participants/atmo"
UNIV = "https://guichet.agglo-larochelle.fr/participants/universite"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class LiveIssuer:
    url: str
    node: str
    key_dir: Path
    atmo: Credentials
    univ: Credentials
    univ_key: ECKey


@pytest.fixture
def live_issuer(tmp_path: Path) -> Iterator[LiveIssuer]:
    db = f"sqlite+aiosqlite:///{tmp_path / 'issuer.db'}"
    key_dir = tmp_path / "keys"
    out = io.StringIO()
    atmo = register(db, ATMO, "Atmo", ["analyst"], [f"{DPV}ScientificResearch"], out=out)
    assert atmo.client_secret is not None and atmo.client_secret in out.getvalue()

    univ_key = ECKey.generate_key("P-256", private=True)
    univ_key.ensure_kid()
    public = tmp_path / "univ.pem"
    public.write_bytes(univ_key.as_pem(private=False))
    univ = register(
        db,
        UNIV,
        "La Rochelle Université",
        ["researcher"],
        ["dpv:ScientificResearch", "dpv:AcademicResearch"],
        auth_method="private_key_jwt",
        public_key_path=public,
        out=io.StringIO(),
    )

    port, node = free_port(), f"http://127.0.0.1:{free_port()}"
    url = f"http://127.0.0.1:{port}"
    with running_issuer(url, audience=node, db=db, key_dir=key_dir, extra=("--lifetime", "300")):
        yield LiveIssuer(url, node, key_dir, atmo, univ, univ_key)


def client_assertion(issuer: LiveIssuer, *, jti: str | None = None) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer.univ.client_id,
        "sub": issuer.univ.client_id,
        "aud": f"{issuer.url}/token",
        "iat": now,
        "exp": now + 60,
        "jti": jti or uuid.uuid4().hex,
    }
    return jwt.encode({"alg": "ES256", "kid": issuer.univ_key.kid}, claims, issuer.univ_key)


async def basic_token(
    client: httpx.AsyncClient, issuer: LiveIssuer, **extra: str
) -> httpx.Response:
    assert issuer.atmo.client_secret is not None
    return await client.post(
        f"{issuer.url}/token",
        data={"grant_type": "client_credentials", "resource": issuer.node, **extra},
        auth=(issuer.atmo.client_id, issuer.atmo.client_secret),
    )


async def keyed_token(
    client: httpx.AsyncClient, issuer: LiveIssuer, assertion: str
) -> httpx.Response:
    return await client.post(
        f"{issuer.url}/token",
        data={
            "grant_type": "client_credentials",
            "resource": issuer.node,
            "purpose": "dpv:AcademicResearch",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        },
    )


def kid_of(token: str) -> str:
    import base64
    import json

    head = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"])


@pytest.mark.anyio
async def test_tokens_over_real_http_verify_across_a_key_rotation(live_issuer: LiveIssuer) -> None:
    async with httpx.AsyncClient() as client:
        verifier = JwtVerifier(
            VerifierSettings(
                issuer=live_issuer.url, audience=live_issuer.node, min_refetch_interval=0.2
            ),
            client=client,
        )
        # client_secret_basic
        r = await basic_token(client, live_issuer, purpose=f"{DPV}ScientificResearch")
        assert r.status_code == 200, r.text
        old_token = r.json()["access_token"]
        atmo = await verifier.verify(f"Bearer {old_token}")
        assert (atmo.party, atmo.client_id, atmo.roles, atmo.purpose) == (
            ATMO,
            live_issuer.atmo.client_id,
            ("analyst",),
            f"{DPV}ScientificResearch",
        )
        jwks = await verifier.jwks()
        assert jwks.url == f"{live_issuer.url}/jwks.json"  # discovered from RFC 8414 metadata
        assert jwks.fetches == 1

        # private_key_jwt
        r = await keyed_token(client, live_issuer, client_assertion(live_issuer))
        assert r.status_code == 200, r.text
        univ = await verifier.verify(f"Bearer {r.json()['access_token']}")
        assert (univ.party, univ.roles, univ.purpose) == (
            UNIV,
            ("researcher",),
            f"{DPV}AcademicResearch",
        )

        # purpose refused over HTTP
        refused = await basic_token(client, live_issuer, purpose=f"{DPV}AcademicResearch")
        assert refused.status_code == 400
        assert (
            "purpose 'https://w3id.org/dpv#AcademicResearch' is not allowed"
            in (refused.json()["error_description"])
        )

        # rotation: the running issuer signs with the new key, the verifier refetches once
        old_kid = kid_of(old_token)
        new_kid = rotate_keys(live_issuer.key_dir, retain_seconds=300, out=io.StringIO())
        await anyio.sleep(0.3)
        new_token = (await basic_token(client, live_issuer)).json()["access_token"]
        assert kid_of(new_token) == new_kid != old_kid
        assert (await verifier.verify(f"Bearer {new_token}")).party == ATMO
        assert jwks.fetches == 2
        assert (await verifier.verify(f"Bearer {old_token}")).party == ATMO  # still live
        assert jwks.fetches == 2


@pytest.mark.anyio
async def test_private_key_jwt_refusals(live_issuer: LiveIssuer) -> None:
    async with httpx.AsyncClient() as client:
        assertion = client_assertion(live_issuer, jti="once")
        assert (await keyed_token(client, live_issuer, assertion)).status_code == 200
        replay = await keyed_token(client, live_issuer, assertion)
        assert replay.status_code == 400
        assert replay.json() == {
            "error": "invalid_client",
            "error_description": "JWT ID is used before.",
        }

        stranger = ECKey.generate_key("P-256", private=True)
        now = int(time.time())
        forged = jwt.encode(
            {"alg": "ES256"},
            {
                "iss": live_issuer.univ.client_id,
                "sub": live_issuer.univ.client_id,
                "aud": f"{live_issuer.url}/token",
                "exp": now + 60,
                "jti": "x",
            },
            stranger,
        )
        bad_sig = await keyed_token(client, live_issuer, forged)
        assert bad_sig.status_code == 400
        assert bad_sig.json()["error"] == "invalid_client"

        # the keyed participant cannot fall back to a secret
        basic = await client.post(
            f"{live_issuer.url}/token",
            data={"grant_type": "client_credentials", "resource": live_issuer.node},
            auth=(live_issuer.univ.client_id, "guess"),
        )
        assert basic.status_code == 401


@pytest.mark.anyio
async def test_a_token_for_another_node_is_refused_by_this_node(live_issuer: LiveIssuer) -> None:
    async with httpx.AsyncClient() as client:
        token = (await basic_token(client, live_issuer)).json()["access_token"]
        elsewhere = JwtVerifier(
            VerifierSettings(issuer=live_issuer.url, audience="http://127.0.0.1:1"), client=client
        )
        with pytest.raises(AuthError, match=r"does not include 'http://127\.0\.0\.1:1'"):
            await elsewhere.verify(f"Bearer {token}")


def test_cli_lists_participants_without_secrets(live_issuer: LiveIssuer, tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'issuer.db'}"
    out = subprocess.run(
        [sys.executable, "-m", "issuer.cli", "list", "--db", db],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ATMO in out and UNIV in out
    assert live_issuer.atmo.client_secret is not None
    assert live_issuer.atmo.client_secret not in out

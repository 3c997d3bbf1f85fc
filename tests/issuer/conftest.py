"""Fixtures: an issuer app over a fresh registry (SQLite, or PostgreSQL where asked),
an HTTP client reaching it through ASGI, a verifier pointed at its JWKS."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from connector.identity import JwtVerifier, VerifierSettings
from issuer import Credentials, IssuerSettings, ParticipantRegistry, create_issuer_app

ISSUER = "http://127.0.0.1:8100"
NODE = "http://127.0.0.1:8101"
OTHER_NODE = "http://127.0.0.1:8102"
DPV = "https://w3id.org/dpv#"
SCHOOL = "https://guichet.agglo-larochelle.fr/participants/ecole"
_names = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database for the issuer's registry."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'issuer.db'}"
    make: Callable[[str], str] = request.getfixturevalue("postgres_database")
    return make(f"identity_{next(_names)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'issuer.db'}"


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str) -> IssuerSettings:
    return IssuerSettings(
        issuer=ISSUER,
        audiences=(NODE, OTHER_NODE),
        database_url=sqlite_url,
        key_dir=tmp_path / "keys",
        token_lifetime=600,
    )


@pytest.fixture
async def issuer_app(settings: IssuerSettings) -> AsyncIterator[Starlette]:
    app = create_issuer_app(settings)
    yield app
    await app.state.registry.aclose()


@pytest.fixture
async def registry(issuer_app: Starlette) -> ParticipantRegistry:
    registry: ParticipantRegistry = issuer_app.state.registry
    return registry


@pytest.fixture
async def http(issuer_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=issuer_app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as client:
        yield client


@pytest.fixture
async def school(registry: ParticipantRegistry) -> Credentials:
    return await registry.register(
        SCHOOL,
        "École Jean Macé",
        ["staff", "teacher"],
        [f"{DPV}EducationalActivity", "dpv:ServiceProvision"],
    )


@pytest.fixture
def verifier(http: httpx.AsyncClient) -> JwtVerifier:
    return JwtVerifier(
        VerifierSettings(issuer=ISSUER, audience=NODE, jwks_url=f"{ISSUER}/jwks.json"),
        client=http,
    )


async def get_token(
    http: httpx.AsyncClient, credentials: Credentials, **params: str
) -> httpx.Response:
    data = {"grant_type": "client_credentials", "resource": NODE, **params}
    assert credentials.client_secret is not None
    return await http.post(
        "/token", data=data, auth=(credentials.client_id, credentials.client_secret)
    )

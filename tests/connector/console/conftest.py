"""A console mounted at ``/console`` in front of a fake issuer and two fake nodes (all
through ``httpx.MockTransport``), a clock the test moves, and a login helper."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from connector.console import ConsoleNode, ConsoleSettings, create_console
from tests.connector.console.fakes import CLIENT_ID, ISSUER, FakeIssuer, FakeNode, Space

CONSOLE = "http://127.0.0.1:4000"
CDA = "http://127.0.0.1:8101"
ATMO = "http://127.0.0.1:8102"
PARTY_UNIV = "https://guichet.agglo-larochelle.fr/participants/univ-lr"
PARTY_CDA = "https://guichet.agglo-larochelle.fr/participants/cda"
RESEARCH = "https://w3id.org/dpv#AcademicResearch"


@dataclass
class Clock:
    now: float

    def __call__(self) -> float:
        return self.now


def home(title: str, *, ok: bool = True, entries: int = 12, bad: int | None = None) -> Any:
    return {
        "node": {"name": "x", "title": title, "participant": PARTY_CDA},
        "auditChain": {"ok": ok, "entries": entries, "badEntry": bad},
    }


@pytest.fixture
def clock() -> Clock:
    return Clock(time.time())


@pytest.fixture
def issuer(clock: Clock) -> FakeIssuer:
    return FakeIssuer(clock=clock)


@pytest.fixture
def cda() -> FakeNode:
    return FakeNode("cda", CDA, answers={"ConsoleHome": home("Agglomération de La Rochelle")})


@pytest.fixture
def atmo() -> FakeNode:
    return FakeNode("atmo", ATMO, answers={"ConsoleHome": home("Atmo Nouvelle-Aquitaine")})


@pytest.fixture
def settings() -> ConsoleSettings:
    return ConsoleSettings(
        issuer=ISSUER,
        client_id=CLIENT_ID,
        nodes=(ConsoleNode("cda", CDA), ConsoleNode("atmo", ATMO)),
        session_idle=900,
        session_max=8 * 3600,
        title="Guichet La Rochelle",
    )


@pytest.fixture
async def client(
    settings: ConsoleSettings, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    space = httpx.AsyncClient(transport=httpx.MockTransport(Space(issuer, [cda, atmo])))
    app = Starlette(
        routes=[Mount("/console", app=create_console(settings, http=space, clock=clock))]
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=CONSOLE) as c:
        yield c
    await space.aclose()


async def start_login(client: httpx.AsyncClient) -> dict[str, list[str]]:
    """``/console/login``: the authorize request's parameters (asserted to go to the issuer)."""
    r = await client.get("/console/login")
    assert r.status_code == 302
    target = urlsplit(r.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{ISSUER}/authorize"
    return parse_qs(target.query)


async def login(
    client: httpx.AsyncClient, issuer: FakeIssuer, code: str = "code-1"
) -> httpx.Response:
    """The whole login as the browser would do it, the password step played by the issuer."""
    params = await start_login(client)
    issuer.grant(
        code,
        challenge=params["code_challenge"][0],
        redirect_uri=params["redirect_uri"][0],
        resources=params["resource"],
    )
    return await client.get(
        "/console/callback",
        params={"code": code, "state": params["state"][0], "iss": ISSUER},
    )

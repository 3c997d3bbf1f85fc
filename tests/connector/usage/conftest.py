"""A tiny node under usage control: policies written here, identities through the
verifier port (tokens themselves are tested against the real issuer elsewhere)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from connector.errors import AuthError
from connector.identity import Identity
from tests.connector.tiny import make_tiny

BASE = "http://127.0.0.1:8199"
P = "https://example.org/participants/"
DS = f"{BASE}/catalog/"
CTX = [
    "http://www.w3.org/ns/odrl.jsonld",
    {"gui": "https://w3id.org/guichet/ontology#", "dpv": "https://w3id.org/dpv#"},
]

POLICIES: dict[str, dict[str, Any]] = {
    "registre": {
        "@context": CTX,
        "@type": "Set",
        "uid": "https://example.org/policy/registre",
        "target": DS + "registre",
        "permission": [
            {
                "uid": "https://example.org/policy/registre#open",
                "action": "use",
                "duty": [{"action": "attribute", "attributedParty": P + "tiny"}],
            }
        ],
    },
    "energie": {
        "@context": CTX,
        "@type": "Set",
        "uid": "https://example.org/policy/energie",
        "target": DS + "energie",
        "permission": [
            {
                "uid": "https://example.org/policy/energie#city",
                "action": "use",
                "assignee": P + "city",
            }
        ],
    },
    "mesures": {
        "@context": CTX,
        "@type": "Set",
        "uid": "https://example.org/policy/mesures",
        "target": DS + "mesures",
        "permission": [
            {
                "uid": "https://example.org/policy/mesures#staff",
                "action": "read",
                "assignee": {"@type": "PartyCollection", "uid": P + "school/staff"},
                "duty": [{"action": "anonymize"}],
            },
            {
                "uid": "https://example.org/policy/mesures#research",
                "action": "aggregate",
                "assignee": {"@type": "PartyCollection", "uid": P + "univ/researchers"},
                "constraint": [
                    {
                        "leftOperand": "purpose",
                        "operator": "isA",
                        "rightOperand": {"@id": "dpv:AcademicResearch"},
                    },
                    {
                        "leftOperand": "gui:aggregationLevel",
                        "operator": "gteq",
                        "rightOperand": {"@value": "PT1H", "@type": "xsd:duration"},
                    },
                    {
                        "leftOperand": "gui:dailyCount",
                        "operator": "lteq",
                        "rightOperand": {"@value": "2", "@type": "xsd:integer"},
                    },
                ],
            },
            {
                "uid": "https://example.org/policy/mesures#city-groups",
                "action": "aggregate",
                "assignee": P + "city",
                "constraint": [
                    {
                        "leftOperand": "gui:groupSize",
                        "operator": "gteq",
                        "rightOperand": {"@value": "3", "@type": "xsd:integer"},
                    }
                ],
            },
        ],
    },
}

USAGE = """
[usage]
audit_db = "sqlite+aiosqlite:///audit.db"
min_group_size = 1   # the node's floor is tested on its own (test_floors.py)
[usage.memberships]
"https://example.org/participants/ana" = ["https://example.org/participants/school/staff"]
"https://example.org/participants/univ" = ["https://example.org/participants/univ/researchers"]
"""

IDENTITIES = {
    "city": Identity(party=P + "city", client_id="city-app", token_id="t1"),
    "ana": Identity(party=P + "ana", client_id="school-app", token_id="t2"),
    "univ": Identity(
        party=P + "univ",
        client_id="lab",
        token_id="t3",
        purpose="https://w3id.org/dpv#AcademicResearch",
    ),
    "univ-nopurpose": Identity(party=P + "univ", client_id="lab", token_id="t4"),
    "dpd": Identity(party=P + "city/dpd", client_id="dpd-console", token_id="t5", roles=("dpd",)),
}


class TableVerifier:
    """The verifier port answering from a table of opaque test tokens (``IDENTITIES``
    unless another is given)."""

    def __init__(self, table: Mapping[str, Identity] = IDENTITIES) -> None:
        self.table = table

    async def verify(self, authorization_header: str | None) -> Identity:
        if not authorization_header:
            return Identity.public()
        token = authorization_header.removeprefix("Bearer ")
        if token not in self.table:
            raise AuthError(f"unknown test token {token!r}")
        return self.table[token]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def write_node(folder: Path, *, policies: dict[str, Any] | None = None) -> Path:
    config = make_tiny(folder)
    text = config.read_text().replace("[usage]\nenforce = false", "")
    for ds, policy in (policies or POLICIES).items():
        (folder / f"{ds}.jsonld").write_text(
            policy if isinstance(policy, str) else json.dumps(policy), encoding="utf-8"
        )
        text = text.replace(f"[datasets.{ds}]\n", f'[datasets.{ds}]\npolicy = "{ds}.jsonld"\n')
    config.write_text(text + USAGE, encoding="utf-8")
    return config


class Caller:
    def __init__(self, client: httpx.AsyncClient, app: Any) -> None:
        self.client = client
        self.app = app

    async def __call__(
        self, query: str, token: str | None = None, **variables: Any
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = await self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def node(tmp_path: Path, clock: Clock) -> AsyncIterator[Caller]:
    app = create_app(load_config(write_node(tmp_path)), verifier=TableVerifier(), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield Caller(client, app)
    await app.state.usage.audit.aclose()

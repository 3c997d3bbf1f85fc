"""NGSI-LD under the node's usage control and audit (tests/connector/usage/conftest.py):
one decision per request, a denied dataset refused with a problem, every request logged."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from tests.connector.ngsi.schemas import assert_valid
from tests.connector.usage.conftest import BASE, POLICIES, TableVerifier, write_node

pytestmark = pytest.mark.anyio

P = "https://example.org/participants/"
PUBLIC = "https://guichet.agglo-larochelle.fr/participants/public"
URL = "/ngsi-ld/v1/entities"
DENIED = "https://w3id.org/guichet/errors/PolicyDenied"


def city_only_registre() -> dict[str, Any]:
    """The tiny node's policies, the building register restricted to the city."""
    policies = copy.deepcopy(POLICIES)
    policies["registre"]["permission"][0]["assignee"] = P + "city"
    return policies


@pytest.fixture
async def app(tmp_path: Path, clock: Any) -> AsyncIterator[Any]:
    config = load_config(write_node(tmp_path, policies=city_only_registre()))
    app = create_app(config, verifier=TableVerifier(), clock=clock)
    yield app
    await app.state.usage.audit.aclose()


async def test_a_denied_dataset_is_refused_and_audited(app) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        public = await c.get(URL, params={"type": "Building", "options": "keyValues"})
        city = await c.get(
            URL,
            params={"type": "Building", "options": "keyValues", "q": "category==school"},
            headers={"Authorization": "Bearer city"},
        )
    assert public.status_code == 403, public.text
    body = public.json()
    assert body["type"] == DENIED and body["code"] == "POLICY_DENIED"
    assert "public is not city" in body["reason"]
    assert "PG46YY6YJW8N" not in public.text
    assert city.status_code == 200, city.text
    assert [e["id"] for e in city.json()] == ["urn:ngsi-ld:Building:PG46YY6YJW8N"]
    assert_valid("Building", city.json()[0])
    entries = await app.state.usage.audit.query()
    assert [(e.party, e.datasets, e.decision, e.operation_name) for e in entries] == [
        (PUBLIC, ("registre",), "deny", "GET /ngsi-ld/v1/entities"),
        (P + "city", ("registre",), "permit", "GET /ngsi-ld/v1/entities"),
    ]


async def test_an_open_register_is_served_to_the_public_and_logged(node) -> None:
    r = await node.client.get(URL, params={"type": "Building", "options": "keyValues"})
    assert r.status_code == 200, r.text
    assert len(r.json()) == 2  # the node's default page
    for entity in r.json():
        assert_valid("Building", entity)
    bad = await node.client.get(URL, params={"type": "Building", "q": "yearBuilt=1990"})
    assert bad.status_code == 400
    assert bad.json()["type"] == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
    entries = await node.app.state.usage.audit.query()
    # the bad query is refused before any decision: only the served request is logged
    assert [(e.party, e.datasets, e.decision, e.rows_returned) for e in entries] == [
        (PUBLIC, ("registre",), "permit", 2),
    ]


async def test_pseudonymised_identifiers_are_not_served_as_entity_ids(
    tmp_path: Path, clock: Any
) -> None:
    # the register open to all, but under an anonymize duty: an NGSI-LD id would be the
    # building's identifier in clear
    policies = copy.deepcopy(POLICIES)
    policies["registre"]["permission"][0]["duty"] = [{"action": "anonymize"}]
    app = create_app(
        load_config(write_node(tmp_path, policies=policies)), verifier=TableVerifier(), clock=clock
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        r = await c.get(URL, params={"type": "Building"})
    await app.state.usage.audit.aclose()
    assert r.status_code == 403, r.text
    assert r.json()["type"] == DENIED and "pseudonymised" in r.json()["detail"]
    assert "PG46YY6YJW8N" not in r.text

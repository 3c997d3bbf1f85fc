"""The node's usage summary (``GET /audit/summary``), what the families' page reads: counts by
participant type and purpose, for the page's role and the DPD only, every read logged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from connector.errors import ConfigError
from connector.identity import Identity
from tests.connector.usage.conftest import (
    BASE,
    IDENTITIES,
    Caller,
    Clock,
    P,
    TableVerifier,
    write_node,
)
from tests.connector.usage.test_enforcement import BUILDING

pytestmark = pytest.mark.anyio

PUBLIC = "https://guichet.agglo-larochelle.fr/participants/public"
PAGE = Identity(party=P + "page", client_id="page", token_id="t9", roles=("transparence",))


@pytest.fixture
async def typed_node(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Caller]:
    """The tiny node, its callers typed (the city as a local authority), and a token of the
    families' page's participant."""
    config = write_node(tmp_path)
    config.write_text(
        config.read_text("utf-8") + f'[usage.party_types]\n"{P}city" = "collectivite"\n',
        encoding="utf-8",
    )
    monkeypatch.setitem(IDENTITIES, "page", PAGE)
    app = create_app(load_config(config), verifier=TableVerifier(), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield Caller(client, app)
    await app.state.usage.audit.aclose()


async def summary(node: Caller, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await node.client.get("/audit/summary", params={"lang": "en"}, headers=headers)


async def test_only_the_page_and_the_dpd_read_it_and_every_read_is_logged(typed_node) -> None:
    for token in (None, "city"):
        r = await summary(typed_node, token)
        assert r.status_code == 403
        assert r.json() == {
            "error": "reading the usage summary needs the role 'transparence' or 'dpd'"
        }
    for token in ("page", "dpd"):
        assert (await summary(typed_node, token)).status_code == 200
    entries = await typed_node.app.state.usage.audit.query()
    assert [(e.party, e.decision, e.datasets, e.details["action"]) for e in entries] == [
        (PUBLIC, "deny", (), "auditRead"),
        (P + "city", "deny", (), "auditRead"),
        (P + "page", "permit", (), "auditRead"),
        (P + "city/dpd", "permit", (), "auditRead"),
    ]
    assert entries[2].reason == "usageSummary: read the usage summary"


async def test_counts_by_type_and_purpose_never_by_party(typed_node) -> None:
    await typed_node(BUILDING, token="city")  # permitted (the city's policy)
    await typed_node(BUILDING)  # refused: the public is not the city
    await typed_node(BUILDING, token="ana")  # refused too; ana has no type: "autre"
    await typed_node(BUILDING, token="univ")  # refused; no type, a purpose of its own
    first = (await summary(typed_node, "page")).json()
    again = (await summary(typed_node, "page")).json()
    assert first == again  # the summary's own reads name no dataset and count nowhere
    energy = next(d for d in first["datasets"] if d["id"] == "energie")
    assert energy["groups"] == [
        {"type": "autre", "purpose": None, "permit": 0, "deny": 1},
        {
            "type": "autre",
            "purpose": "https://w3id.org/dpv#AcademicResearch",
            "permit": 0,
            "deny": 1,
        },
        {"type": "collectivite", "purpose": None, "permit": 1, "deny": 0},
        {"type": "public", "purpose": None, "permit": 0, "deny": 1},
    ]
    groups = [g for d in first["datasets"] for g in d["groups"]]
    assert all(set(g) == {"type", "purpose", "permit", "deny"} for g in groups)
    assert first["node"] == typed_node.app.state.usage.config.name


async def test_an_unknown_parameter_is_refused(typed_node) -> None:
    r = await typed_node.client.get(
        "/audit/summary", params={"party": "x"}, headers={"Authorization": "Bearer page"}
    )
    assert r.status_code == 400
    assert r.json() == {"error": "unknown parameter 'party'; expected lang"}


def test_a_party_type_that_is_not_a_name_is_a_config_error(tmp_path: Path) -> None:
    config = write_node(tmp_path)
    config.write_text(
        config.read_text("utf-8") + f'[usage.party_types]\n"{P}city" = 3\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert [(i.key, i.message) for i in caught.value.issues] == [
        (f"usage.party_types.{P}city", "expected a type name such as 'recherche', got 3")
    ]

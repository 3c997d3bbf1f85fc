"""NGSI-LD ``CarbonFootprint`` on the demo's construction company node: each project's
embodied carbon, computed there from its bill and the agglomeration's product
declarations (the agglomeration's node answers in-process, through the HTTP client port),
schema-validated, under the results-only policies (policies/demo/bouygues-*.jsonld)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from connector.demo import DemoPaths
from connector.demo.participants import GUI
from connector.identity import Identity
from tests.connector.ngsi.schemas import assert_valid
from tests.connector.usage.conftest import TableVerifier

pytestmark = pytest.mark.anyio

G = "https://guichet.agglo-larochelle.fr/participants/"
URL = "/ngsi-ld/v1/entities"
CF = "CarbonFootprint"
DENIED = "https://w3id.org/guichet/errors/PolicyDenied"


PEOPLE: dict[str, Identity] = {
    "bailleur": Identity(
        party=G + "bailleur", client_id="b", token_id="b", purpose=GUI + "CarbonAccounting"
    ),
    "bailleur-nopurpose": Identity(party=G + "bailleur", client_id="b", token_id="c"),
}


@pytest.fixture
async def bouygues(demo: DemoPaths) -> AsyncIterator[Any]:
    cda = create_app(load_config(demo.cda_toml), verifier=TableVerifier(PEOPLE))
    async with cda.router.lifespan_context(cda):
        to_cda = httpx.AsyncClient(transport=httpx.ASGITransport(app=cda))
        app = create_app(
            load_config(demo.bouygues_toml), verifier=TableVerifier(PEOPLE), http_client=to_cda
        )
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                c.app = app  # type: ignore[attr-defined]
                yield c
        await to_cda.aclose()


async def test_each_project_as_a_valid_carbon_footprint(bouygues) -> None:
    r = await bouygues.get(
        URL,
        params={"type": CF, "options": "keyValues,count"},
        headers={"Authorization": "Bearer bailleur"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["NGSILD-Results-Count"] == "2"
    by_id = {e["id"]: e for e in r.json()}
    assert set(by_id) == {
        "urn:ngsi-ld:CarbonFootprint:EXT-SC",
        "urn:ngsi-ld:CarbonFootprint:LOG-MIN",
    }
    for entity in r.json():
        assert_valid(CF, entity)
        assert entity["emissionSource"] == "construction"
        assert entity["dataProvider"] == G + "bouygues"
    ext = by_id["urn:ngsi-ld:CarbonFootprint:EXT-SC"]
    # tests/domain/test_extension_carbon.py: 444.9 kg CO2e/m² over the 420 m² SRef
    # (operations_illustratives.csv), i.e. 186.9 t; CO2eq is in tonnes (the model's unit)
    assert ext["CO2eq"] == pytest.approx(444.9 * 420 / 1000, abs=0.05 * 420 / 1000 + 0.001)
    assert ext["icConstruction"] == pytest.approx(444.9, abs=0.05)
    assert ext["tags"] == ["RE2020", "Ic_construction", "verdict:within"]
    assert ext["relatedSource"].endswith("/id/construction-project/EXT-SC")
    normalized = await bouygues.get(
        URL,
        params={"id": "urn:ngsi-ld:CarbonFootprint:EXT-SC"},
        headers={"Authorization": "Bearer bailleur"},
    )
    [one] = normalized.json()
    assert one["CO2eq"] == {"type": "Property", "value": ext["CO2eq"], "unitCode": "TNE"}
    assert one["relatedSource"] == {"type": "Relationship", "object": ext["relatedSource"]}


async def test_without_the_purpose_or_a_token_it_is_refused_and_audited(bouygues) -> None:
    nopurpose = await bouygues.get(
        URL, params={"type": CF}, headers={"Authorization": "Bearer bailleur-nopurpose"}
    )
    public = await bouygues.get(URL, params={"type": CF})
    for r in (nopurpose, public):
        assert r.status_code == 403, r.text
        assert r.json()["type"] == DENIED and r.json()["code"] == "POLICY_DENIED"
        assert "CO2eq" not in r.text
    entries = await bouygues.app.state.usage.audit.query()
    # one entry per dataset the computation uses, named after the NGSI-LD face's query
    denied = {(e.party, e.datasets, e.operation_name) for e in entries if e.decision == "deny"}
    assert denied == {
        (who, (ds,), "NgsiCarbonFootprint")
        for who in (G + "bailleur", G + "public")
        for ds in ("bilans-carbone-operations", "operations", "metres")
    }

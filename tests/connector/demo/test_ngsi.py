"""NGSI-LD on the demo's agglomeration node: its real register, schema-validated."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from connector.demo import DemoPaths
from tests.connector.ngsi.schemas import assert_valid
from tests.connector.usage.conftest import TableVerifier

pytestmark = pytest.mark.anyio
URL = "/ngsi-ld/v1/entities"


async def test_the_register_as_smart_data_models_buildings(demo: DemoPaths) -> None:
    con = sqlite3.connect(demo.cda_db)
    try:
        # the second page of 10 schools (ENS, mapped to "school" in cda.toml), key order
        schools = con.execute(
            "SELECT id_rnb, nom, adresse FROM batiments WHERE code_usage = 'ENS' "
            "ORDER BY id_rnb LIMIT 10 OFFSET 10"
        ).fetchall()
        (n_schools,) = con.execute(
            "SELECT count(*) FROM batiments WHERE code_usage = 'ENS'"
        ).fetchone()
    finally:
        con.close()
    app = create_app(load_config(demo.cda_toml), verifier=TableVerifier())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            page = await c.get(URL, params={"type": "Building", "options": "keyValues"})
            school = await c.get(
                URL,
                params={
                    "type": "Building",
                    "q": "category==school",
                    "options": "keyValues,count",
                    "limit": "10",
                    "offset": "10",
                },
            )
    assert len(schools) == 10
    assert page.status_code == 200, page.text
    assert page.json(), "no building served"
    for entity in page.json():
        assert_valid("Building", entity)
    assert school.status_code == 200, school.text
    assert [(e["id"], e.get("name"), e["address"].get("streetAddress")) for e in school.json()] == [
        (f"urn:ngsi-ld:Building:{rnb}", name, address) for rnb, name, address in schools
    ]
    assert school.headers["NGSILD-Results-Count"] == str(n_schools)
    for entity in school.json():
        assert entity["category"] == ["school"]
        assert_valid("Building", entity)

"""A citizen's access request on the demo's agglomeration node: every access to one
building found by its address, as its register writes it (read from cda.db with sqlite3)."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from connector.demo import DemoPaths
from tests.connector.usage.conftest import TableVerifier

pytestmark = pytest.mark.anyio
LOG = """query($f: AuditFilterInput) { auditLog(filter: $f, first: 100) {
  entries { seq datasets details } } }"""


async def test_every_access_to_a_house_is_found_by_its_address(demo: DemoPaths) -> None:
    con = sqlite3.connect(demo.cda_db)
    try:
        columns = [r[1] for r in con.execute("PRAGMA table_info(batiments)")]
        address_column = next(c for c in columns if "adresse" in c)
        rnb, address = con.execute(
            f"SELECT id_rnb, {address_column} FROM batiments "
            f"WHERE {address_column} IS NOT NULL ORDER BY id_rnb LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    app = create_app(load_config(demo.cda_toml), verifier=TableVerifier())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            one = await c.post(
                "/graphql", json={"query": f'{{ building(rnbId: "{rnb}") {{ name }} }}'}
            )
            assert one.json()["data"]["building"] is not None, one.text
            other = await c.post(
                "/graphql", json={"query": "{ buildings(first: 2) { nodes { name } } }"}
            )
            assert "errors" not in other.json(), other.text
            r = await c.post(
                "/audit/graphql",
                json={"query": LOG, "variables": {"f": {"address": address}}},
                headers={"Authorization": "Bearer dpd"},
            )
    body = r.json()
    assert "errors" not in body, body
    entries = body["data"]["auditLog"]["entries"]
    assert entries, f"no access found for {address!r}"
    assert all(rnb in e["details"] for e in entries)  # the register is open data: in clear

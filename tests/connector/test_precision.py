"""Numbers given to their unit's precision in every face: GraphQL (entities and stats),
the /id/ JSON-LD and Turtle views. The partner's values below, once converted, carry the
float noise of a unit conversion; every expected value is the hand-converted one
(decimals of ontology/units.csv: kWh 3, m² 2, ppm 0)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef

from connector.app import create_app
from connector.config import NodeConfig, load_config, load_unit_decimals
from connector.node import Node
from connector.precision import rounded
from tests.connector.conftest import Runner
from tests.connector.tiny import make_tiny

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:8199"
GUI = "https://w3id.org/guichet/ontology#"
QUDT = "http://qudt.org/schema/qudt/"


@pytest.fixture
def noisy_config(tmp_path: Path) -> NodeConfig:
    config = make_tiny(tmp_path)
    db = sqlite3.connect(tmp_path / "tiny.db")
    # 32.013 MWh = 32 013 kWh (read as 32.013 * 1000 = 32012.999999999996)
    db.execute(
        "INSERT INTO consommations VALUES ('E4','A1B2C3D4E5F6',2024,'fioul','chauffage',32.013)"
    )
    # 123 457 dm² = 1 234.57 m² (read as 123457 * 0.01 = 1234.5700000000002)
    db.execute("INSERT INTO batiments VALUES ('B1B2B3B4B5B6','Halle',NULL,2001,123457,'17300')")
    # 412.6 ppm, given to 1 ppm: 413
    db.execute("INSERT INTO mesures VALUES (7,'S-CM2-CO2','2025-01-08 09:00:00','CO2',412.6,'ppm')")
    db.commit()
    db.close()
    return load_config(config)


def test_the_rule_rounds_floats_of_known_units_only() -> None:
    assert 32.013 * 1000 == 32012.999999999996  # the noise this rule removes
    assert rounded(32.013 * 1000, "unit:KiloW-HR") == 32013.0
    assert rounded(123457 * 0.01, "unit:M2") == 1234.57
    assert rounded(412.6, "unit:PPM") == 413.0
    assert rounded(-0.0001, "unit:M2") == 0.0 and str(rounded(-0.0001, "unit:M2")) == "0.0"
    assert rounded(1.23456, "unit:NOT-IN-THE-TABLE") == 1.23456
    assert rounded(1.23456, None) == 1.23456
    assert rounded(7, "unit:KiloW-HR") == 7  # an integer stays one


async def test_graphql_entities_and_stats(noisy_config: NodeConfig) -> None:
    node = Node.from_config(noisy_config)
    try:
        gql = Runner(node)
        r = await gql(
            '{ energyUse(id: "E4") { kwh } building(rnbId: "B1B2B3B4B5B6") { floorArea } '
            '  observation(id: "7") { value unit } }'
        )
        assert r.errors is None
        assert r.data == {
            "energyUse": {"kwh": 32013.0},
            "building": {"floorArea": 1234.57},
            "observation": {"value": 413.0, "unit": "unit:PPM"},
        }
        # A1B2C3D4E5F6: 40 MWh + 32.013 MWh = 72 013 kWh, mean 36 006.5, min 32 013
        r = await gql(
            '{ energyUseStats(field: KWH, groupBy: [RNB_ID], filter: {rnbId: {eq: "A1B2C3D4E5F6"}})'
            " { count mean min max sum } }"
        )
        assert r.errors is None
        assert r.data["energyUseStats"] == [
            {"count": 2, "mean": 36006.5, "min": 32013.0, "max": 40000.0, "sum": 72013.0}
        ]
    finally:
        await node.aclose()


async def test_linked_data_views(noisy_config: NodeConfig) -> None:
    app = create_app(noisy_config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        ttl = await c.get("/id/energy-use/E4", headers={"Accept": "text/turtle"})
        doc = await c.get("/id/building/B1B2B3B4B5B6", headers={"Accept": "application/ld+json"})
        obs = await c.get("/id/observation/7", headers={"Accept": "text/turtle"})
    assert ttl.status_code == doc.status_code == obs.status_code == 200
    energy = Graph().parse(data=ttl.text, format="turtle")
    assert set(energy.objects(URIRef(f"{BASE}/id/energy-use/E4"), URIRef(GUI + "finalEnergy"))) == {
        Literal(32013.0)
    }
    assert "32012.99" not in ttl.text
    assert doc.json()["floorArea"] == 1234.57
    reading = Graph().parse(data=obs.text, format="turtle")
    assert set(
        reading.objects(URIRef(f"{BASE}/id/observation/7"), URIRef(QUDT + "numericValue"))
    ) == {Literal(413.0)}


def test_a_bad_decimals_value_is_refused_naming_file_and_unit(tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text(
        "# comment\nunit,quantity_kind,multiplier,offset,decimals\nunit:M2,Area,1,0,two\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"units.csv: unit unit:M2: decimals must be .* 'two'"):
        load_unit_decimals(units)

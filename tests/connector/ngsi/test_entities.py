"""``GET /ngsi-ld/v1/entities`` on the tiny node (tests/connector/tiny.py).

The tiny partner's buildings, in key order (the source's keyset order):
A1B2C3D4E5F6 "Gymnase Nord" SPO->sport 1990 80000 dm² (= 800 m²) INSEE 17300;
PG46YY6YJW8N "École des Salines" ENS->school 1972 145000 dm² (= 1450 m²) 17300;
ZZZZ99998888 "Résidence Aytré" LOG->housing 2023 220000 dm² (= 2200 m²) 17028.
The node's page sizes: default 2, maximum 4.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import NodeConfig
from connector.ngsi._models import BUILDING, wkt_point
from connector.node import Node
from connector.sources.base import Select
from tests.connector.ngsi.schemas import assert_valid

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:8199"
URL = "/ngsi-ld/v1/entities"
SCHOOL = "urn:ngsi-ld:Building:PG46YY6YJW8N"
GYM = "urn:ngsi-ld:Building:A1B2C3D4E5F6"
HOUSING = "urn:ngsi-ld:Building:ZZZZ99998888"


@pytest.fixture
async def client(tiny_config: NodeConfig) -> Any:
    app = create_app(tiny_config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield c


async def get(client: httpx.AsyncClient, **params: str) -> httpx.Response:
    return await client.get(URL, params=params)


async def test_key_values_follow_the_smart_data_model(client) -> None:
    r = await get(client, type="Building", options="keyValues")
    assert r.status_code == 200, r.text
    body = r.json()
    # default page of 2, in key order
    assert [e["id"] for e in body] == [GYM, SCHOOL]
    assert body[1] == {
        "id": SCHOOL,
        "type": "Building",
        "name": "École des Salines",
        "category": ["school"],
        "address": {"addressCountry": "FR"},  # the tiny partner has no street address
        "yearBuilt": 1972,
        "floorArea": 1450.0,  # 145000 dm² / 100
        "inseeCode": "17300",
    }
    # "sport" has no SDM Building category: an empty category, never a guess
    assert body[0]["category"] == []
    for entity in body:
        assert_valid("Building", entity)


async def test_offset_is_keyset_paging_in_the_source(client, monkeypatch) -> None:
    seen: list[Select] = []
    original = Node.select

    async def spy(self: Node, query: Select) -> list[dict[str, object]]:
        seen.append(query)
        return await original(self, query)

    monkeypatch.setattr(Node, "select", spy)
    r = await get(client, type="Building", options="keyValues", offset="2", limit="4")
    assert [e["id"] for e in r.json()] == [HOUSING]
    assert r.json()[0]["category"] == ["residential"]
    assert_valid("Building", r.json()[0])
    # the skipped entities are read as their keys alone, then the page after the last one
    assert [(q.fields, q.limit, q.after) for q in seen] == [
        (("rnbId",), 2, None),
        (seen[1].fields, 4, ("PG46YY6YJW8N",)),
    ]
    past = await get(client, type="Building", offset="3")
    assert past.status_code == 200 and past.json() == []


async def test_q_filters_in_the_source_and_counts(client) -> None:
    # 1990 > 1980 and INSEE 17300: the gym only (the school is 1972, the housing 17028)
    r = await get(
        client,
        type="Building",
        q='yearBuilt>1980;inseeCode=="17300"',
        options="keyValues,count",
    )
    assert r.status_code == 200, r.text
    assert [e["id"] for e in r.json()] == [GYM]
    assert r.headers["NGSILD-Results-Count"] == "1"
    school = await get(client, type="Building", q="category==school", count="true")
    assert [e["id"] for e in school.json()] == [SCHOOL]
    assert school.headers["NGSILD-Results-Count"] == "1"
    # count alone: all three buildings, no entity
    only = await get(client, type="Building", limit="0", options="count")
    assert only.json() == [] and only.headers["NGSILD-Results-Count"] == "3"
    # floorArea in m² (canonical), the partner stores dm²: > 1000 m² is the school and housing
    big = await get(client, type="Building", q="floorArea>=1000", limit="4")
    assert [e["id"] for e in big.json()] == [SCHOOL, HOUSING]
    assert "NGSILD-Results-Count" not in big.headers


async def test_normalized_form_and_attrs(client) -> None:
    r = await get(client, id=SCHOOL, attrs="name,floorArea")
    assert r.status_code == 200, r.text
    assert r.json() == [
        {
            "id": SCHOOL,
            "type": "Building",
            "address": {"type": "Property", "value": {"addressCountry": "FR"}},
            "category": {"type": "Property", "value": ["school"]},
            "name": {"type": "Property", "value": "École des Salines"},
            "floorArea": {"type": "Property", "value": 1450.0, "unitCode": "MTK"},
        }
    ]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"type": "Building", "q": "yearBuilt!=1990"}, "not understood"),
        ({"type": "Building", "q": "yearBuilt>old"}, "not an integer"),
        ({"type": "Building", "q": 'name>"A"'}, "cannot be compared with >"),
        ({"type": "Building", "q": "height==3"}, "no attribute 'height'"),
        ({"type": "Building", "q": "category==church"}, "category 'church'"),
        ({"type": "Building", "limit": "5"}, "limit=5 is out of range"),
        ({"type": "Building", "georel": "near"}, "georel"),
        ({"id": "urn:ngsi-ld:Building:nope"}, "urn:ngsi-ld:Building:nope"),
        ({"q": "yearBuilt>1"}, "give the entity type"),
        ({"type": "Building", "attrs": "colour"}, "no attribute 'colour'"),
    ],
)
async def test_bad_queries_are_bad_request_data(client, params, says) -> None:
    r = await client.get(URL, params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["type"] == "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"
    assert says in body["detail"], body


async def test_a_type_the_node_does_not_serve_is_an_empty_list(client) -> None:
    r = await get(client, type="Vehicle")
    assert r.status_code == 200 and r.json() == []


def test_the_schema_check_can_fail() -> None:
    """The validator is live: the Building schema's own rules and the common schema's
    (reached through its $ref URL, resolved locally) both reject."""
    good = {"id": SCHOOL, "type": "Building", "category": ["school"], "address": {}}
    assert_valid("Building", good)
    with pytest.raises(AssertionError, match="'church ' is not one of"):
        assert_valid("Building", {**good, "category": ["church "]})
    with pytest.raises(AssertionError, match="'category' is a required property"):
        assert_valid("Building", {k: v for k, v in good.items() if k != "category"})
    # location is defined in common-schema.json (Location-Commons): a GeoJSON geometry
    with pytest.raises(AssertionError, match="is not valid under any of the given schemas"):
        assert_valid("Building", {**good, "location": {"type": "Point", "coordinates": "x"}})


def test_wkt_points_become_geojson_points() -> None:
    # WKT writes x y, i.e. longitude latitude, as GeoJSON does (RFC 7946 §3.1.1)
    assert wkt_point("POINT(-1.1522 46.1591)") == {
        "type": "Point",
        "coordinates": [-1.1522, 46.1591],
    }
    assert wkt_point("POLYGON((0 0, 1 0, 1 1, 0 0))") is None
    entity = BUILDING.key_values({"rnbId": "PG46YY6YJW8N", "location": "POINT (1 2)"}, None)
    assert entity["location"] == {"type": "Point", "coordinates": [1.0, 2.0]}
    assert_valid("Building", entity)
    normalized = BUILDING.normalized({"rnbId": "PG46YY6YJW8N", "location": "POINT (1 2)"}, None)
    assert normalized["location"] == {
        "type": "GeoProperty",
        "value": {"type": "Point", "coordinates": [1.0, 2.0]},
    }


async def test_a_source_failure_is_a_problem_not_a_crash(tiny_config, tmp_path) -> None:
    db = sqlite3.connect(tmp_path / "tiny.db")
    db.execute("DROP TABLE batiments")
    db.commit()
    db.close()
    app = create_app(tiny_config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        r = await c.get(URL, params={"type": "Building"})
    assert r.status_code == 503, r.text
    assert r.json()["type"] == "https://uri.etsi.org/ngsi-ld/errors/InternalError"

"""Partitioned entity types through the gateway: three commune nodes (in-process apps over
SQLite databases written here) each hold the buildings of their communes. Expected
answers come from the test's own rows, sorted in plain Python."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from connector.config.entities import Partition
from connector.demo.generate import DemoPaths
from connector.graphql import build_schema
from connector.node import Node
from gateway import GatewaySettings, SubgraphSource, create_gateway_app
from tests.gateway.conftest import (
    SCHOOL,
    GatewayCaller,
    GatewayFactory,
    Gateways,
    direct,
    node_apps,
)
from tests.gateway.partitions import Row, write_holder

pytestmark = pytest.mark.anyio

ALPHABET = "123456789ABCDEFGHJKMNPQRSTVWXYZ"


def rnb(i: int) -> str:
    out = ""
    for _ in range(12):
        i, r = divmod(i * 7 + 3, len(ALPHABET))
        out += ALPHABET[r]
    return out


# names tie across holders ("École"), some are null; floor areas tie too
LAGORD: list[Row] = [
    (rnb(1), "École", 1990, 120.0, "17200"),
    (rnb(2), "Mairie", 1900, 300.0, "17200"),
    (rnb(3), None, 2001, 120.0, "17200"),
    (rnb(4), "Gymnase", 1985, None, "17200"),
    (rnb(5), "Bibliothèque", 1970, 80.5, "17200"),
]
AYTRE: list[Row] = [
    (rnb(11), "École", 1960, 120.0, "17028"),
    (rnb(12), "Crèche", 2010, 95.0, "17028"),
    (rnb(13), None, 1999, 300.0, "17028"),
    (rnb(14), "Salle des fêtes", 1975, 410.0, "17028"),
]
HOLDERS: dict[str, tuple[list[Row], str]] = {
    "lagord": (LAGORD, '{ communes = ["17200"] }'),
    "aytre": (AYTRE, '{ communes = ["17028"] }'),
    "perigny": ([], '{ communes = ["17274"] }'),  # a holder with zero rows
}
ALL = LAGORD + AYTRE
MAX_PAGE = 10


def expected(field: int, desc: bool = False, rows: list[Row] = ALL) -> list[str]:
    """rnb ids in the nodes' order: the field (nulls last either way), then the key."""
    present = sorted((r for r in rows if r[field] is not None), key=lambda r: r[0])
    present.sort(key=lambda r: r[field], reverse=desc)  # type: ignore[arg-type, return-value]
    missing = sorted((r for r in rows if r[field] is None), key=lambda r: r[0])
    return [r[0] for r in present + missing]


Make = Callable[..., Any]


@pytest.fixture
async def make(tmp_path: Path) -> AsyncIterator[Make]:
    gateways = Gateways()

    async def build(
        holders: dict[str, tuple[list[Row], str]] = HOLDERS, others: dict[str, Any] | None = None
    ) -> GatewayCaller:
        apps = {
            name: create_app(
                load_config(write_holder(tmp_path, name, rows, partition=p, max_page=MAX_PAGE))
            )
            for name, (rows, p) in holders.items()
        }
        apps.update(others or {})
        return await gateways.over(apps)

    yield build
    await gateways.aclose()


PAGE = """
query($first: Int, $after: String, $order: [BuildingOrder!], $filter: BuildingFilter) {
  buildings(first: $first, after: $after, orderBy: $order, filter: $filter) {
    nodes { rnbId name }
    pageInfo { endCursor hasNextPage }
    totalCount
  }
}"""


async def walk(gw: GatewayCaller, first: int, **variables: Any) -> tuple[list[str], list[Any]]:
    seen: list[str] = []
    bodies: list[Any] = []
    after = None
    for _ in range(50):
        body = await gw(PAGE, first=first, after=after, **variables)
        assert "errors" not in body, body
        page = body["data"]["buildings"]
        bodies.append(page)
        assert len(page["nodes"]) <= first
        seen += [n["rnbId"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen, bodies
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("paging never ended")


@pytest.mark.parametrize("first", [1, 2, 3, MAX_PAGE])
@pytest.mark.parametrize(
    ("field", "column", "desc"),
    [("NAME", 1, False), ("NAME", 1, True), ("FLOOR_AREA", 3, False), ("FLOOR_AREA", 3, True)],
)
async def test_pages_across_holders_in_order_without_duplicate_or_gap(
    make: Make, first: int, field: str, column: int, desc: bool
) -> None:
    gw = await make()
    order = [{"field": field, "direction": "DESC" if desc else "ASC"}]
    seen, pages = await walk(gw, first, order=order)
    assert seen == expected(column, desc)
    assert {p["totalCount"] for p in pages} == {len(ALL)}


async def test_no_order_is_key_order_and_one_request_per_holder(make: Make) -> None:
    gw = await make()
    body = await gw(PAGE, first=4, plan=True)
    page = body["data"]["buildings"]
    assert [n["rnbId"] for n in page["nodes"]] == sorted(r[0] for r in ALL)[:4]
    assert page["totalCount"] == len(ALL)
    assert body["extensions"]["subgraphRequests"] == {"lagord": 1, "aytre": 1, "perigny": 1}
    assert body["extensions"]["queryPlan"]["nodes"][0]["holders"] == ["lagord", "aytre", "perigny"]


async def test_a_commune_filter_skips_the_other_holders(make: Make) -> None:
    gw = await make()
    flt = {"inseeCode": {"eq": "17028"}, "floorArea": {"gte": 100}}
    seen, _ = await walk(gw, 2, filter=flt, order=[{"field": "NAME"}])
    rows = [r for r in AYTRE if r[3] is not None and r[3] >= 100]
    assert seen == expected(1, rows=rows)
    assert {n for n, _, _ in gw.router.requests} == {"aytre"}
    gw.router.reset()
    await walk(gw, 2, filter={"inseeCode": {"in": ["17028", "17200"]}})
    assert {n for n, _, _ in gw.router.requests} == {"aytre", "lagord"}


async def test_a_filter_on_other_fields_reaches_every_holder(make: Make) -> None:
    gw = await make()
    seen, pages = await walk(gw, 2, filter={"yearBuilt": {"lt": 1990}}, order=[{"field": "NAME"}])
    rows = [r for r in ALL if r[2] is not None and r[2] < 1990]
    assert seen == expected(1, rows=rows)
    assert pages[0]["totalCount"] == len(rows)


async def test_edges_carry_composite_cursors_that_resume_after_their_row(make: Make) -> None:
    gw = await make()
    q = (
        "query($after: String) { buildings(first: 3, after: $after, orderBy: [{field: NAME}]) "
        "{ edges { cursor node { rnbId } } } }"
    )
    edges = (await gw(q))["data"]["buildings"]["edges"]
    order = expected(1)
    assert [e["node"]["rnbId"] for e in edges] == order[:3]
    after_second = (await gw(q, after=edges[1]["cursor"]))["data"]["buildings"]["edges"]
    assert [e["node"]["rnbId"] for e in after_second] == order[2:5]


@pytest.mark.parametrize(
    ("cursor", "why"),
    [
        ("garbage!!", "it is not a cursor of this gateway"),
        (
            base64.urlsafe_b64encode(b'{"v": 1, "type": "Space"}').decode(),
            "it is a cursor of 'Space' rows, not Building",
        ),
        ("W10", "it is not a cursor of this gateway"),  # base64 of []
    ],
)
async def test_a_forged_cursor_is_a_clear_error_and_asks_nobody(
    make: Make, cursor: str, why: str
) -> None:
    gw = await make()
    body = await gw(PAGE, first=2, after=cursor)
    assert body["data"] == {"buildings": None}
    (error,) = body["errors"]
    assert error["message"] == (
        f"after: {cursor!r} is not a cursor of this list: {why}; use pageInfo.endCursor "
        "from the previous page"
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert gw.router.requests == []


async def test_a_cursor_of_another_order_is_refused(make: Make) -> None:
    gw = await make()
    page = (await gw(PAGE, first=2, order=[{"field": "NAME"}]))["data"]["buildings"]
    body = await gw(
        PAGE, first=2, after=page["pageInfo"]["endCursor"], order=[{"field": "FLOOR_AREA"}]
    )
    assert "made for another orderBy" in body["errors"][0]["message"]
    decoded = json.loads(base64.urlsafe_b64decode(page["pageInfo"]["endCursor"] + "=="))
    assert set(decoded) == {"v", "type", "order", "at", "done"}


async def test_one_holder_down_serves_the_others_and_names_it(make: Make) -> None:
    gw = await make()
    gw.router.down.add("lagord")
    body = await gw(PAGE, first=MAX_PAGE, order=[{"field": "NAME"}])
    page = body["data"]["buildings"]
    assert [n["rnbId"] for n in page["nodes"]] == expected(1, rows=AYTRE)
    assert page["totalCount"] == len(AYTRE)
    assert body["errors"] == [
        {
            "message": "subgraph 'lagord' (holding Building communes 17200): connection "
            "failed; the other holders' rows are served",
            "path": ["buildings"],
            "extensions": {
                "code": "SUBGRAPH_UNREACHABLE",
                "node": "lagord",
                "partition": {"type": "Building", "communes": ["17200"]},
            },
        }
    ]


async def test_a_lookup_by_key_asks_each_holder_once_and_takes_the_one_that_has_it(
    make: Make,
) -> None:
    gw = await make()
    target = AYTRE[1]
    body = await gw(
        "query($id: RnbId!) { building(rnbId: $id) { rnbId name inseeCode } }", id=target[0]
    )
    assert body == {
        "data": {"building": {"rnbId": target[0], "name": target[1], "inseeCode": "17028"}}
    }
    assert sorted(n for n, _, _ in gw.router.requests) == ["aytre", "lagord", "perigny"]
    gw.router.reset()
    body = await gw('{ building(rnbId: "111111111111") { rnbId } }')
    assert body == {"data": {"building": None}}


async def test_holders_that_clash_or_disagree_are_left_out_and_named(
    make: Make, tmp_path: Path
) -> None:
    gw = await make(
        {
            "lagord": (LAGORD, '{ communes = ["17200"] }'),
            "aytre": (AYTRE, '{ communes = ["17028"] }'),
            "intrus": ([], '{ communes = ["17028", "17999"] }'),  # aytre's commune too
            "bancal": ([], '{ communes = ["17300"] }'),
        }
    )
    health = (await gw.client.get("/health")).json()
    assert health["status"] == "degraded"
    assert health["supergraph"]["error"] == (
        "left out of the supergraph:\n"
        "- subgraphs 'aytre' and 'intrus' both claim Building instances (communes 17028); "
        "'intrus' is left out"
    )
    seen, _ = await walk(gw, 3, order=[{"field": "NAME"}])
    assert seen == expected(1)
    assert {n for n, _, _ in gw.router.requests} == {"lagord", "aytre", "bancal"}


async def test_a_field_some_holders_lack_comes_from_the_others_and_is_null_elsewhere(
    make: Make, tmp_path: Path
) -> None:
    court: list[Row] = [
        (rnb(21), "Abri", None, None, "17300"),
        (rnb(22), "Zénith", None, None, "17300"),
    ]
    write_holder(
        tmp_path,
        "court",
        court,
        partition='{ communes = ["17300"] }',
        fields=("rnbId", "name", "inseeCode"),
    )
    gw = await make(
        {"lagord": HOLDERS["lagord"]},
        {"court": create_app(load_config(tmp_path / "court.toml"))},
    )
    health = (await gw.client.get("/health")).json()
    assert health["supergraph"]["error"] is None
    body = await gw(
        "{ buildings(first: 10, orderBy: [{field: NAME}]) { nodes { rnbId floorArea } } }",
        plan=True,
    )
    assert "errors" not in body, body
    rows = LAGORD + court
    assert body["data"]["buildings"]["nodes"] == [
        {"rnbId": r, "floorArea": next(x[3] for x in rows if x[0] == r)}
        for r in expected(1, rows=rows)
    ]
    # the list from both holders, then floorArea by key from lagord only
    assert body["extensions"]["subgraphRequests"] == {"lagord": 2, "court": 1}


async def test_a_holder_whose_shape_disagrees_is_left_out(make: Make, tmp_path: Path) -> None:
    gw = await make({"lagord": HOLDERS["lagord"], "aytre": HOLDERS["aytre"]})
    sdl = build_schema(Node.from_config(load_config(tmp_path / "aytre.toml"))).as_str()
    bent = sdl.replace("  yearBuilt: Int ", "  yearBuilt: String ", 1)
    assert bent != sdl
    (tmp_path / "aytre.graphql").write_text(bent, encoding="utf-8")
    http = httpx.AsyncClient(transport=gw.router)
    gateway = create_gateway_app(
        [
            SubgraphSource("lagord", "http://lagord/graphql"),
            SubgraphSource("aytre", "http://aytre/graphql", sdl_file=tmp_path / "aytre.graphql"),
        ],
        http_client=http,
        settings=GatewaySettings(poll_interval=0),
    )
    assert await gateway.state.gateway.refresh()
    await http.aclose()
    assert gateway.state.gateway.health()["supergraph"]["error"] == (
        "left out of the supergraph:\n"
        "- subgraph 'aytre' holds a partition of Building whose shape disagrees with "
        "'lagord''s: Building.yearBuilt: String where 'lagord' has Building.yearBuilt: Int"
    )


AIR = """
query($from: DateTime, $to: DateTime) {
  buildings(first: 10, orderBy: [{field: NAME}]) {
    nodes { rnbId name indoorAir(from: $from, to: $to) { spaceId icone occupiedReadings } }
  }
}"""
WEEK = {"from": "2025-09-01T00:00:00+02:00", "to": "2025-09-08T00:00:00+02:00"}


async def test_fields_of_another_node_attach_to_every_partition_and_entities_are_routed(
    make: Make, demo: DemoPaths
) -> None:
    atmo = node_apps(demo)["atmo"]
    spaces = await direct(atmo, "{ spaces(first: 50) { nodes { id rnbId } } }")
    school = spaces["data"]["spaces"]["nodes"][0]["rnbId"]
    reference = await direct(
        atmo,
        "query($r: [_Any!]!, $from: DateTime, $to: DateTime) { _entities(representations: $r) "
        "{ ... on Building { indoorAir(from: $from, to: $to) "
        "{ spaceId icone occupiedReadings } } } }",
        r=[{"__typename": "Building", "rnbId": school}],
        **WEEK,
    )
    reports = reference["data"]["_entities"][0]["indoorAir"]
    assert reports  # the school's classrooms
    lagord = [*LAGORD, (school, "École Saint-Christophe", 1965, 2000.0, "17200")]
    gw = await make({**HOLDERS, "lagord": (lagord, HOLDERS["lagord"][1])}, {"atmo": atmo})
    body = await gw(AIR, plan=True, **WEEK)
    assert "errors" not in body, body
    nodes = body["data"]["buildings"]["nodes"]
    assert [n["rnbId"] for n in nodes] == expected(1, rows=lagord + AYTRE)[:10]
    assert {n["rnbId"]: n["indoorAir"] for n in nodes} == {
        n["rnbId"]: reports if n["rnbId"] == school else [] for n in nodes
    }
    assert body["extensions"]["subgraphRequests"] == {
        "lagord": 1,
        "aytre": 1,
        "perigny": 1,
        "atmo": 1,
    }
    gw.router.reset()
    body = await gw(
        "{ spaces(first: 2, orderBy: [{field: ID}]) { nodes { id building { name inseeCode } } } }",
        plan=True,
    )
    assert "errors" not in body, body
    expected_spaces = sorted((s for s in spaces["data"]["spaces"]["nodes"]), key=lambda s: s["id"])[
        :2
    ]
    assert body["data"]["spaces"]["nodes"] == [
        {"id": s["id"], "building": {"name": "École Saint-Christophe", "inseeCode": "17200"}}
        for s in expected_spaces
    ]
    # RNB ids carry no partition: every holder asked once, the one holding it answers
    assert body["extensions"]["subgraphRequests"] == {
        "atmo": 1,
        "lagord": 1,
        "aytre": 1,
        "perigny": 1,
    }


async def test_statistics_across_holders_are_refused_not_cut(make: Make) -> None:
    gw = await make()
    body = await gw("{ buildingStats(field: FLOOR_AREA) { count } }")
    assert body == {
        "errors": [
            {
                "message": "Query.buildingStats is answered by each holder of the partitioned "
                "type Building (lagord, aytre, perigny); this gateway merges their lists and "
                "look-ups, not this field yet",
                "extensions": {"code": "QUERY_REJECTED"},
            }
        ]
    }
    assert gw.router.requests == []


async def test_a_partition_naming_nothing_and_a_whole_holder_are_named(
    make: Make, tmp_path: Path
) -> None:
    gw = await make({"lagord": HOLDERS["lagord"], "aytre": HOLDERS["aytre"]})
    config = load_config(tmp_path / "aytre.toml")
    sdl = build_schema(Node.from_config(config)).as_str()
    empty = sdl.replace(
        '@partition(communes: ["17028"], keyPrefixes: null, usages: null)', "@partition"
    )
    assert empty != sdl
    (tmp_path / "vide.graphql").write_text(empty, encoding="utf-8")
    sources = [
        SubgraphSource("lagord", "http://lagord/graphql"),
        SubgraphSource("vide", "http://aytre/graphql", sdl_file=tmp_path / "vide.graphql"),
    ]
    http = httpx.AsyncClient(transport=gw.router)
    gateway = create_gateway_app(
        sources, http_client=http, settings=GatewaySettings(poll_interval=0)
    )
    assert await gateway.state.gateway.refresh()
    assert gateway.state.gateway.health()["supergraph"]["error"] == (
        "left out of the supergraph:\n"
        "- subgraph 'vide': @partition on Building names nothing "
        "(no communes, no usages, no keyPrefixes)"
    )
    # a node holding Building whole (no partition) claims every instance: the holders
    # declaring a part are left out, the whole one serves
    whole = write_holder(tmp_path, "cda", LAGORD, partition=None)
    gw.router.apps["cda"] = create_app(load_config(whole))
    gateway = create_gateway_app(
        {n: f"http://{n}/graphql" for n in ("cda", "lagord", "aytre")},
        http_client=http,
        settings=GatewaySettings(poll_interval=0),
    )
    assert await gateway.state.gateway.refresh()
    assert gateway.state.gateway.health()["supergraph"]["error"] == (
        "left out of the supergraph:\n"
        "- subgraph 'lagord' declares a partition of Building but 'cda' holds Building "
        "without @partition, so claims every instance\n"
        "- subgraph 'aytre' declares a partition of Building but 'cda' holds Building "
        "without @partition, so claims every instance"
    )
    await http.aclose()


async def test_a_holder_down_mid_walk_comes_back_late_with_no_row_lost_or_repeated(
    make: Make,
) -> None:
    gw = await make()
    order = [{"field": "NAME"}]
    page = (await gw(PAGE, first=2, order=order))["data"]["buildings"]
    seen = [n["rnbId"] for n in page["nodes"]]
    gw.router.down.add("lagord")
    body = await gw(PAGE, first=2, order=order, after=page["pageInfo"]["endCursor"])
    assert [e["extensions"]["node"] for e in body["errors"]] == ["lagord"]
    page = body["data"]["buildings"]
    seen += [n["rnbId"] for n in page["nodes"]]
    gw.router.down.clear()
    after = page["pageInfo"]["endCursor"]
    while True:
        page = (await gw(PAGE, first=2, order=order, after=after))["data"]["buildings"]
        seen += [n["rnbId"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(r[0] for r in ALL)  # every row once


async def test_a_page_size_over_the_holders_limit_is_their_error_once_each(make: Make) -> None:
    gw = await make()
    body = await gw(PAGE, first=MAX_PAGE + 1)
    assert body["data"] == {"buildings": None}
    assert [(e["message"], e["extensions"]["node"]) for e in body["errors"]] == [
        (f"first: expected a page size between 1 and {MAX_PAGE}, got {MAX_PAGE + 1}", n)
        for n in ("lagord", "aytre", "perigny")
    ]


WIDE = """
[node]
name = "commune"
participant = "https://example.org/participants/commune"
base_iri = "https://commune.example.org"

[sources.registre]
kind = "sql"
url = "sqlite+aiosqlite:///{db}"

[entities.Building]
source = "registre"
table = "batiments"
partition = {{ communes = ["{commune}"] }}
[entities.Building.fields]
rnbId = "id_rnb"
bdnbId = "id_bdnb"
uai = "uai"
name = "nom"
address = "adresse"
inseeCode = "insee"
usage = "usage"
yearBuilt = "annee"
floorArea = "surface"
location = "geom"

[datasets.registre]
title = "Registre"
entities = {{ Building = ["*"] }}

[usage]
enforce = false
"""
CARBON = """
query($name: String!) {
  buildings(first: 50, filter: {name: {eq: $name}}) {
    nodes { rnbId name carbon { icConstruction verdict operationalKgCo2ePerYear } }
    totalCount
  }
}"""


async def test_a_field_computed_by_one_holder_with_requires_attaches_to_its_rows_only(
    make: Make, make_gateway: GatewayFactory, demo: DemoPaths, tmp_path: Path
) -> None:
    """cda holds its communes and computes ``carbon`` (``@requires`` the bill on
    bouygues); a commune node holds one more commune's buildings, without ``[carbon]``:
    the school's carbon is cda's, the commune's building has none."""
    reference = await (await make_gateway())(CARBON, name=SCHOOL)
    (school,) = reference["data"]["buildings"]["nodes"]
    assert school["carbon"] is not None
    with sqlite3.connect(demo.cda_db) as db:
        communes = tuple(c for (c,) in db.execute("SELECT DISTINCT code_insee FROM batiments"))
    other = next(f"17{i:03d}" for i in range(1000) if f"17{i:03d}" not in communes)
    db_path = tmp_path / "commune.db"
    with sqlite3.connect(db_path) as db:
        db.execute(
            "CREATE TABLE batiments (id_rnb TEXT, id_bdnb TEXT, uai TEXT, nom TEXT, adresse TEXT, "
            "insee TEXT, usage TEXT, annee INTEGER, surface REAL, geom TEXT)"
        )
        db.execute(
            "INSERT INTO batiments VALUES (?, NULL, NULL, ?, NULL, ?, 'school', 1990, 800, NULL)",
            (rnb(31), SCHOOL, other),
        )
    (tmp_path / "commune.toml").write_text(WIDE.format(db=db_path, commune=other), "utf-8")
    config = load_config(demo.cda_toml)
    building = replace(config.entities["Building"], partition=Partition(communes=communes))
    cda = replace(
        config,
        entities={**config.entities, "Building": building},
        usage=replace(config.usage, enforce=False),
    )
    apps = node_apps(demo)
    gw = await make(
        {},
        {
            "cda": create_app(cda),
            "commune": create_app(load_config(tmp_path / "commune.toml")),
            "atmo": apps["atmo"],
            "bouygues": apps["bouygues"],
        },
    )
    assert (await gw.client.get("/health")).json()["supergraph"]["error"] is None
    body = await gw(CARBON, plan=True, name=SCHOOL)
    assert "errors" not in body, body
    page = body["data"]["buildings"]
    assert page["totalCount"] == 2
    assert sorted(page["nodes"], key=lambda n: n["rnbId"]) == sorted(
        [school, {"rnbId": rnb(31), "name": SCHOOL, "carbon": None}], key=lambda n: n["rnbId"]
    )
    # the list from both holders; the bill from bouygues; carbon from cda only
    assert body["extensions"]["subgraphRequests"] == {"cda": 2, "commune": 1, "bouygues": 1}

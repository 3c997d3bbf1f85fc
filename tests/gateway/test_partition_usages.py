"""A partition's ``usages`` dimension and the overlap rule of boxes: two declarations
overlap iff, on every dimension both declare, their values meet; a dimension one leaves
out is any value. Three holders of Building as in the demo: a commune's municipal
buildings, a landlord's collective housing in every commune, and the agglomeration's
register of the rest. Expected answers come from the test's own rows."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from connector.app import create_app
from connector.config import load_config
from tests.gateway.conftest import GatewayCaller, Gateways
from tests.gateway.partitions import CONFIG

pytestmark = pytest.mark.anyio

Row = tuple[str, str, str, str]  # rnb, name, insee, usage code (the holder's own)
CODES = {"ENS": "school", "BUR": "office", "LOG": "collective_housing", "MAI": "individual_house"}
FIELDS = """rnbId = "id_rnb"
name = "nom"
inseeCode = "insee"
[entities.Building.fields.usage]
column = "code"
values = { ENS = "school", BUR = "office", LOG = "collective_housing", MAI = "individual_house" }"""

AGGLO: list[Row] = [
    ("AG111111111A", "Collège", "17300", "ENS"),
    ("AG111111111B", "Maison", "17028", "MAI"),
    ("AG111111111C", "Bureaux", "17300", "BUR"),
]
COMMUNE: list[Row] = [
    ("MG111111111A", "École du Bourg", "17200", "ENS"),
    ("MG111111111B", "Mairie", "17200", "BUR"),
]
LANDLORD: list[Row] = [
    ("HB111111111A", "Résidence A", "17300", "LOG"),
    ("HB111111111B", "Résidence B", "17200", "LOG"),
]
OTHERS = '"individual_house", "office", "school"'
DEMO: dict[str, tuple[list[Row], str]] = {
    "agglo": (AGGLO, f'{{ communes = ["17300", "17028"], usages = [{OTHERS}] }}'),
    "lagord": (COMMUNE, '{ communes = ["17200"], usages = ["school", "office"] }'),
    "bailleur": (LANDLORD, '{ usages = ["collective_housing"] }'),
}

Make = Callable[..., Any]


def write(folder: Path, name: str, rows: list[Row], partition: str) -> Path:
    db = folder / f"{name}.db"
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE batiments (id_rnb TEXT PRIMARY KEY, nom TEXT, insee TEXT, code TEXT)"
    )
    conn.executemany("INSERT INTO batiments VALUES (?,?,?,?)", rows)
    conn.commit()
    conn.close()
    path = folder / f"{name}.toml"
    text = CONFIG.format(
        name=name, db=db, partition=f"partition = {partition}", max_page=10, fields=FIELDS
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
async def make(tmp_path: Path) -> AsyncIterator[Make]:
    gateways = Gateways()

    async def build(holders: dict[str, tuple[list[Row], str]]) -> GatewayCaller:
        apps = {
            n: create_app(load_config(write(tmp_path, n, rows, p)))
            for n, (rows, p) in holders.items()
        }
        return await gateways.over(apps)

    yield build
    await gateways.aclose()


LIST = """query($filter: BuildingFilter, $after: String) {
  buildings(first: 3, filter: $filter, after: $after) {
    nodes { rnbId inseeCode usage } pageInfo { endCursor hasNextPage } totalCount
  }
}"""


async def walk(gw: GatewayCaller, **variables: Any) -> tuple[list[dict[str, str]], set[str]]:
    rows: list[dict[str, str]] = []
    asked: set[str] = set()
    after = None
    for _ in range(20):
        body = await gw(LIST, after=after, **variables)
        assert "errors" not in body, body
        asked |= {n for n, _, _ in gw.router.requests}
        page = body["data"]["buildings"]
        rows += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return rows, asked
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("paging never ended")


def ours(rows: list[Row]) -> list[dict[str, str]]:
    return [{"rnbId": r, "inseeCode": i, "usage": CODES[u]} for r, _, i, u in rows]


async def test_three_disjoint_boxes_compose_and_page_as_their_union(make: Make) -> None:
    gw = await make(DEMO)
    health = (await gw.client.get("/health")).json()
    assert health["status"] == "ok", health
    rows, asked = await walk(gw)
    assert rows == sorted(ours(AGGLO + COMMUNE + LANDLORD), key=lambda r: r["rnbId"])
    assert asked == {"agglo", "lagord", "bailleur"}


@pytest.mark.parametrize(
    ("condition", "holders", "expected"),
    [
        # the landlord declares no commune: it may hold housing anywhere
        ({"inseeCode": {"eq": "17200"}}, {"lagord", "bailleur"}, COMMUNE + LANDLORD[1:]),
        ({"usage": {"eq": "collective_housing"}}, {"bailleur"}, LANDLORD),
        ({"usage": {"in": ["school", "retail"]}}, {"agglo", "lagord"}, AGGLO[:1] + COMMUNE[:1]),
        (
            {"usage": {"eq": "office"}, "inseeCode": {"in": ["17300", "17028"]}},
            {"agglo"},
            AGGLO[2:],
        ),
        ({"usage": {"eq": "sports"}}, set(), []),  # declared by nobody: nobody asked
    ],
)
async def test_a_usage_or_commune_filter_skips_the_holders_it_excludes(
    make: Make, condition: dict[str, Any], holders: set[str], expected: list[Row]
) -> None:
    gw = await make(DEMO)
    rows, asked = await walk(gw, filter=condition)
    assert rows == sorted(ours(expected), key=lambda r: r["rnbId"])
    assert asked == holders


@pytest.mark.parametrize(
    ("first", "second", "clash"),
    [
        # no dimension in common: each is any value of the other's (housing in 17200)
        (
            '{ communes = ["17200"] }',
            '{ usages = ["collective_housing"] }',
            "communes 17200 and usages collective_housing, no dimension in common",
        ),
        # one dimension in common, meeting; the other left out by one side
        (
            '{ communes = ["17200"], usages = ["school"] }',
            '{ usages = ["school", "office"] }',
            "usages school",
        ),
        # every common dimension meets
        (
            '{ communes = ["17200", "17300"], usages = ["school"] }',
            '{ communes = ["17300"], usages = ["school", "office"] }',
            "communes 17300; usages school",
        ),
        # key prefixes are a dimension like the others
        (
            '{ communes = ["17200"], key_prefixes = ["MG"] }',
            '{ communes = ["17200"], key_prefixes = ["M"] }',
            "communes 17200; key prefixes 'MG' and 'M'",
        ),
        (
            '{ key_prefixes = ["MG"] }',
            '{ usages = ["school"] }',
            "key prefixes MG and usages school, no dimension in common",
        ),
    ],
)
async def test_overlapping_declarations_are_refused_and_named(
    make: Make, first: str, second: str, clash: str
) -> None:
    gw = await make({"un": (COMMUNE, first), "deux": ([], second)})
    health = (await gw.client.get("/health")).json()
    assert health["supergraph"]["error"] == (
        "left out of the supergraph:\n"
        f"- subgraphs 'un' and 'deux' both claim Building instances ({clash}); "
        "'deux' is left out"
    )
    rows, asked = await walk(gw)
    assert rows == ours(COMMUNE)
    assert asked == {"un"}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # disjoint on one dimension both declare is enough, whatever the others
        ('{ communes = ["17200"], usages = ["school"] }', '{ usages = ["collective_housing"] }'),
        ('{ communes = ["17200"] }', '{ communes = ["17300"], usages = ["school"] }'),
        ('{ usages = ["school"] }', '{ communes = ["17200"], usages = ["office"] }'),
        ('{ communes = ["17200"], key_prefixes = ["MG"] }', '{ key_prefixes = ["HB"] }'),
    ],
)
async def test_declarations_disjoint_on_one_common_dimension_both_serve(
    make: Make, first: str, second: str
) -> None:
    gw = await make({"un": (COMMUNE[:1], first), "deux": ([], second)})
    health = (await gw.client.get("/health")).json()
    assert health["status"] == "ok", health
    rows, asked = await walk(gw)
    assert rows == ours(COMMUNE[:1])
    assert asked == {"un", "deux"}


async def test_a_key_goes_to_the_holders_whose_prefixes_admit_it(make: Make) -> None:
    """A holder declaring no key prefix admits every key; one declaring some, only those."""
    gw = await make(
        {
            "un": (COMMUNE, '{ usages = ["school", "office"], key_prefixes = ["MG"] }'),
            "deux": (LANDLORD, '{ usages = ["collective_housing"], key_prefixes = ["HB"] }'),
            "trois": (AGGLO, '{ usages = ["individual_house"] }'),
        }
    )
    health = (await gw.client.get("/health")).json()
    assert health["status"] == "ok", health
    look = "query($k: RnbId!) { building(rnbId: $k) { rnbId name } }"
    body = await gw(look, k=LANDLORD[0][0])
    assert body == {"data": {"building": {"rnbId": LANDLORD[0][0], "name": "Résidence A"}}}
    assert sorted(n for n, _, _ in gw.router.requests) == ["deux", "trois"]
    gw.router.reset()
    body = await gw(look, k=AGGLO[1][0])
    assert body == {"data": {"building": {"rnbId": AGGLO[1][0], "name": "Maison"}}}
    assert sorted(n for n, _, _ in gw.router.requests) == ["trois"]

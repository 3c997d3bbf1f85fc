"""The five demo partners as real processes: every building of the agglomeration, paged
through our gateway across its three holders (the agglomeration's register, the commune
of Lagord, the social landlord's API), is exactly the union of their sources' rows, read
here with sqlite3 and json; Apollo Gateway composes the five nodes too.

Apollo Gateway knows nothing of ``@partition``: for a root field several subgraphs share
(``buildings``, ``building``) its planner picks one of them, so its answers over the
partitioned Building are one holder's (its ``totalCount`` is that holder's count, not the
data space's). Those queries are not compared with ours; what is compared is a query that
touches no partitioned type, and each gateway's count is checked against the sources.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from tests.connector.demo.test_partners import LAGORD_USAGE
from tests.federation.conftest import Query
from tests.federation.stack import Stack, post
from tests.federation.test_apollo import USAGE as CDA_USAGE
from tests.federation.test_apollo import shape

PAGE = """
query($first: Int!, $after: String, $order: [BuildingOrder!], $filter: BuildingFilter) {
  buildings(first: $first, after: $after, orderBy: $order, filter: $filter) {
    nodes { rnbId inseeCode usage yearBuilt }
    pageInfo { endCursor hasNextPage }
    totalCount
  }
}"""

Row = dict[str, Any]


@pytest.fixture(scope="module")
def holders(stack: Stack, demo_db: dict[str, sqlite3.Connection]) -> dict[str, list[Row]]:
    """Each holder's buildings, read straight from its source."""
    assert stack.paths is not None
    cda = [
        {
            "rnbId": r["id_rnb"],
            "inseeCode": r["code_insee"],
            "usage": CDA_USAGE[r["code_usage"]],
            "yearBuilt": r["annee_construction"],
        }
        for r in demo_db["cda"].execute("SELECT * FROM batiments")
    ]
    lagord = [
        {
            "rnbId": r["rnb"],
            "inseeCode": r["commune"],
            "usage": LAGORD_USAGE[r["type_equipement"]],
            "yearBuilt": r["annee_construction"],
        }
        for r in demo_db["lagord"].execute("SELECT * FROM equipements")
    ]
    residences = json.loads(stack.paths.bailleur_json.read_text(encoding="utf-8"))
    landlord = [
        {
            "rnbId": r["identifiants"]["rnb"],
            "inseeCode": r["adresse"]["commune_insee"],
            "usage": "collective_housing",
            "yearBuilt": r["caracteristiques"]["annee_livraison"],
        }
        for r in residences
        if r["type"] == "COLLECTIF"
    ]
    return {"cda": cda, "lagord": lagord, "bailleur": landlord}


def walk(url: str, first: int, **variables: Any) -> tuple[list[Row], list[int]]:
    rows: list[Row] = []
    totals: list[int] = []
    after = None
    for _ in range(200):
        body = post(url, PAGE, {"first": first, "after": after, **variables})
        assert "errors" not in body, body
        page = body["data"]["buildings"]
        assert len(page["nodes"]) <= first
        rows += page["nodes"]
        totals.append(page["totalCount"])
        if not page["pageInfo"]["hasNextPage"]:
            return rows, totals
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("paging never ended")


def test_paging_through_the_gateway_is_the_union_of_the_three_holders(
    ours_all_url: str, holders: dict[str, list[Row]]
) -> None:
    union = [r for rows in holders.values() for r in rows]
    assert all(holders.values())
    rows, totals = walk(ours_all_url, 500)
    # without an order: key order, every row once
    assert rows == sorted(union, key=lambda r: r["rnbId"])
    assert len({r["rnbId"] for r in rows}) == len(rows)
    assert set(totals) == {len(union)}


def test_an_ordered_walk_in_small_pages_neither_loses_nor_repeats_a_row(
    ours_all_url: str, holders: dict[str, list[Row]]
) -> None:
    union = [r for rows in holders.values() for r in rows]
    rows, _ = walk(ours_all_url, 97, order=[{"field": "YEAR_BUILT", "direction": "DESC"}])
    dated = sorted((r for r in union if r["yearBuilt"] is not None), key=lambda r: r["rnbId"])
    dated.sort(key=lambda r: r["yearBuilt"], reverse=True)
    undated = sorted((r for r in union if r["yearBuilt"] is None), key=lambda r: r["rnbId"])
    assert rows == dated + undated  # nulls last, then the key, as the nodes order


@pytest.mark.parametrize(
    ("condition", "keep"),
    [
        ({"inseeCode": {"eq": "17200"}}, lambda r: r["inseeCode"] == "17200"),
        ({"usage": {"eq": "collective_housing"}}, lambda r: r["usage"] == "collective_housing"),
        ({"usage": {"in": ["school", "sports"]}}, lambda r: r["usage"] in ("school", "sports")),
    ],
)
def test_a_commune_or_usage_filter_over_the_holders(
    ours_all_url: str, holders: dict[str, list[Row]], condition: dict[str, Any], keep: Any
) -> None:
    union = [r for rows in holders.values() for r in rows]
    rows, _ = walk(ours_all_url, 500, filter=condition)
    assert rows == sorted((r for r in union if keep(r)), key=lambda r: r["rnbId"])


def test_apollo_composes_the_five_nodes_and_answers_for_one_holder_only(
    stack: Stack, ours_all_url: str, tokens: dict[str, str], holders: dict[str, list[Row]]
) -> None:
    """Apollo Gateway starts over the five nodes (its composition accepts the three
    holders' ``@shareable`` Building and their ``@partition``); on a query that touches no
    partitioned type its answer is ours; on ``buildings`` it asks one holder."""
    apollo = stack.start_apollo(stack.urls, name="apollo-all")
    bill = """{ materialLines(first: 5, orderBy: [{field: ID}]) {
        totalCount nodes { id quantity unit } } }"""
    ours_bill = post(ours_all_url, bill, token=tokens["carbon"])
    assert "errors" not in ours_bill and len(ours_bill["data"]["materialLines"]["nodes"]) == 5
    assert shape(post(apollo, bill, token=tokens["carbon"])) == shape(ours_bill)
    count = "{ buildings(first: 1) { totalCount } }"
    theirs = post(apollo, count)["data"]["buildings"]["totalCount"]
    assert theirs in {len(rows) for rows in holders.values()}
    ours = post(ours_all_url, count)["data"]["buildings"]["totalCount"]
    assert ours == sum(len(rows) for rows in holders.values())


def test_the_school_keeps_its_carbon_and_icone_among_five_nodes(
    ours_all_url: str, tokens: dict[str, str], query_apollo: Query
) -> None:
    """The federated school query of the demo: the same answer over the five nodes as
    Apollo Gateway's over the three original ones (where cda is Building's one holder)."""
    query = """
    query($name: String!) { buildings(filter: {name: {eq: $name}}) { totalCount nodes {
      rnbId floorArea carbon(permitYear: 2026) { icConstruction operationalKgCo2ePerYear }
      indoorAir(from: "2025-09-01T00:00:00+02:00", to: "2026-07-04T00:00:00+02:00") {
        spaceId icone } } } }"""
    variables = {"name": "École Saint-Christophe"}
    ours = post(ours_all_url, query, variables, token=tokens["carbon"])
    assert "errors" not in ours, ours
    (school,) = ours["data"]["buildings"]["nodes"]
    assert school["carbon"]["icConstruction"] is not None and len(school["indoorAir"]) == 6
    assert shape(ours) == shape(query_apollo(query, variables, token=tokens["carbon"]))

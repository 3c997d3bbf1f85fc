"""Federated queries through the gateway, checked against the nodes asked directly."""

from __future__ import annotations

from typing import Any

import pytest

from connector.demo.generate import DemoPaths
from tests.gateway.conftest import SCHOOL, GatewayFactory, direct, node_apps

pytestmark = pytest.mark.anyio

SCHOOL_QUERY = """
query School($name: String!) {
  buildings(filter: {name: {eq: $name}}) {
    nodes {
      rnbId name address floorArea
      spaces(orderBy: [{field: ID}]) { id code name }
      materialLines(orderBy: [{field: ID}], first: 500) {
        id lot quantity unit
        product { id name gwpA1A3 }
      }
    }
  }
}"""


async def expected_school(demo: DemoPaths) -> dict[str, Any]:
    """The same answer assembled by hand from one direct query per node and join."""
    apps = node_apps(demo)
    cda = await direct(
        apps["cda"],
        "query($n: String!) { buildings(filter: {name: {eq: $n}}) "
        "{ nodes { rnbId name address floorArea } } }",
        n=SCHOOL,
    )
    (building,) = cda["data"]["buildings"]["nodes"]
    rnb = building["rnbId"]
    atmo = await direct(
        apps["atmo"],
        "query($r: RnbId!) { spaces(filter: {rnbId: {eq: $r}}, orderBy: [{field: ID}], "
        "first: 500) { nodes { id code name } } }",
        r=rnb,
    )
    bouygues = await direct(
        apps["bouygues"],
        "query($r: RnbId!) { materialLines(filter: {rnbId: {eq: $r}}, orderBy: [{field: ID}], "
        "first: 500) { nodes { id lot quantity unit productId } } }",
        r=rnb,
    )
    lines = bouygues["data"]["materialLines"]["nodes"]
    ids = sorted({line["productId"] for line in lines})
    products = await direct(
        apps["cda"],
        "query($ids: [ID!]) { productDeclarations(filter: {id: {in: $ids}}, first: 500) "
        "{ nodes { id name gwpA1A3 } } }",
        ids=ids,
    )
    by_id = {p["id"]: p for p in products["data"]["productDeclarations"]["nodes"]}
    assert lines and atmo["data"]["spaces"]["nodes"]  # the school has both, or the test is void
    return {
        "buildings": {
            "nodes": [
                {
                    **building,
                    "spaces": atmo["data"]["spaces"]["nodes"],
                    "materialLines": [
                        {
                            "id": line["id"],
                            "lot": line["lot"],
                            "quantity": line["quantity"],
                            "unit": line["unit"],
                            "product": by_id.get(line["productId"]),
                        }
                        for line in lines
                    ],
                }
            ]
        }
    }


async def test_the_school_joins_three_partners_in_one_answer(
    demo: DemoPaths, make_gateway: GatewayFactory
) -> None:
    gw = await make_gateway()
    body = await gw(SCHOOL_QUERY, name=SCHOOL)
    assert body == {"data": await expected_school(demo)}
    # one request per subgraph per step: cda, then atmo and bouygues, then cda again
    assert [n for n, _, _ in gw.router.requests].count("cda") == 2
    assert gw.router.count("atmo") == 1 and gw.router.count("bouygues") == 1


async def test_query_plan_on_request(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway()
    body = await gw(SCHOOL_QUERY, name=SCHOOL, plan=True)
    plan = body["extensions"]["queryPlan"]
    (root,) = plan["nodes"]
    assert root["subgraph"] == "cda"
    children = {c["subgraph"]: c for c in root["then"]}
    assert set(children) == {"atmo", "bouygues"}
    (product,) = children["bouygues"]["then"]
    assert product["subgraph"] == "cda"
    assert product["path"] == ["buildings", "nodes", "materialLines", "product"]
    assert product["type"] == "ProductDeclaration"
    assert body["extensions"]["subgraphRequests"] == {"cda": 2, "atmo": 1, "bouygues": 1}
    plain = await gw(SCHOOL_QUERY, name=SCHOOL)
    assert "extensions" not in plain
    # or asked in the request's extensions; the plan comes from the cache
    r = await gw.client.post(
        "/graphql",
        json={"query": SCHOOL_QUERY, "variables": {"name": SCHOOL}, "extensions": {"queryPlan": 1}},
    )
    assert r.json()["extensions"]["queryPlan"] == plan
    responder = gw.app.state.gateway.responder
    assert list(responder.plans) == [(SCHOOL_QUERY, None)]


async def test_independent_entity_fetches_run_concurrently(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway()
    gw.router.delay.update({"atmo": 0.3, "bouygues": 0.3})
    body = await gw(SCHOOL_QUERY, name=SCHOOL)
    assert "errors" not in body
    assert gw.router.most_in_flight == 2  # atmo and bouygues were asked at the same time


@pytest.mark.parametrize("n", [10, 100])
async def test_one_entity_request_per_subgraph_whatever_the_number_of_buildings(
    n: int, demo: DemoPaths, make_gateway: GatewayFactory
) -> None:
    gw = await make_gateway()
    body = await gw(
        "query($n: Int) { buildings(first: $n, orderBy: [{field: RNB_ID}]) "
        "{ nodes { rnbId spaces(first: 500) { id } materialLines(first: 500) { id } } } }",
        n=n,
    )
    assert "errors" not in body, body
    nodes = body["data"]["buildings"]["nodes"]
    assert len(nodes) == n
    assert (gw.router.count("cda"), gw.router.count("atmo"), gw.router.count("bouygues")) == (
        1,
        1,
        1,
    )
    (atmo_request,) = [b for name, b, _ in gw.router.requests if name == "atmo"]
    assert len(atmo_request["variables"]["representations"]) == n
    # the joined lists agree with the nodes asked directly, building by building
    apps = node_apps(demo)
    rnbs = [b["rnbId"] for b in nodes]
    spaces = await direct(
        apps["atmo"],
        "query($r: [RnbId!]) { spaces(filter: {rnbId: {in: $r}}, first: 500) "
        "{ nodes { id rnbId } totalCount } }",
        r=rnbs,
    )
    assert spaces["data"]["spaces"]["totalCount"] <= 500
    want: dict[str, set[str]] = {r: set() for r in rnbs}
    for s in spaces["data"]["spaces"]["nodes"]:
        want[s["rnbId"]].add(s["id"])
    assert {b["rnbId"]: {s["id"] for s in b["spaces"]} for b in nodes} == want


async def test_carbon_gets_the_bill_it_requires_from_the_construction_company(
    demo: DemoPaths, make_gateway: GatewayFactory
) -> None:
    gw = await make_gateway()
    building = gw.app.state.gateway.responder.supergraph.schema.get_type("Building")
    assert "carbon" in building.fields
    body = await gw(
        "query($name: String!) { buildings(filter: {name: {eq: $name}}) "
        "{ nodes { rnbId carbon { icConstruction } } } }",
        name=SCHOOL,
    )
    assert "errors" not in body, body
    (b,) = body["data"]["buildings"]["nodes"]
    assert b["carbon"]["icConstruction"] is not None
    assert [n for n, _, _ in gw.router.requests] == ["cda", "bouygues", "cda"]
    (rep,) = gw.router.requests[2][1]["variables"]["representations"]
    owner = await direct(
        node_apps(demo)["bouygues"],
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Building "
        "{ billOfQuantities { id lot quantity productId projectId } "
        "constructionProjects { id name kind referenceArea permitYear } } } }",
        r=[{"__typename": "Building", "rnbId": b["rnbId"]}],
    )
    (expected,) = owner["data"]["_entities"]
    assert expected["billOfQuantities"]  # the school has a bill, or the test is void
    # ... of one project, the extension, with its own reference area (operations_illustratives.csv)
    assert {x["projectId"] for x in expected["billOfQuantities"]} == {"EXT-SC"}
    assert [(p["id"], p["referenceArea"]) for p in expected["constructionProjects"]] == [
        ("EXT-SC", 420.0)
    ]
    assert rep == {"__typename": "Building", "rnbId": b["rnbId"], **expected}


async def test_a_client_alias_on_a_key_name_does_not_collide_with_the_join(
    demo: DemoPaths, make_gateway: GatewayFactory
) -> None:
    gw = await make_gateway()
    body = await gw(
        "query($name: String!) { buildings(filter: {name: {eq: $name}}) "
        "{ nodes { rnbId: name id: rnbId spaces(first: 1, orderBy: [{field: ID}]) { code } } } }",
        name=SCHOOL,
    )
    apps = node_apps(demo)
    cda = await direct(
        apps["cda"],
        "query($n: String!) { buildings(filter: {name: {eq: $n}}) { nodes { rnbId } } }",
        n=SCHOOL,
    )
    (rnb,) = [b["rnbId"] for b in cda["data"]["buildings"]["nodes"]]
    atmo = await direct(
        apps["atmo"],
        "query($r: RnbId!) { spaces(filter: {rnbId: {eq: $r}}, orderBy: [{field: ID}], first: 1)"
        " { nodes { code } } }",
        r=rnb,
    )
    assert body == {
        "data": {
            "buildings": {
                "nodes": [{"rnbId": SCHOOL, "id": rnb, "spaces": atmo["data"]["spaces"]["nodes"]}]
            }
        }
    }

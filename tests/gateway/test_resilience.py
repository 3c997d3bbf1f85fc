"""A node down, slow, flaky or refusing: the rest of the answer stays, each failure is
an error naming the node, at the path it left empty. Usage control stays with the
nodes: the caller's Authorization goes to every node, and nothing else does."""

from __future__ import annotations

from typing import Any

import pytest

from connector.gateway import GatewaySettings, Limits
from tests.gateway.conftest import SCHOOL, GatewayFactory

pytestmark = pytest.mark.anyio

QUERY = """
query($name: String!) {
  buildings(filter: {name: {eq: $name}}) {
    nodes {
      name
      spaces(first: 2, orderBy: [{field: ID}]) { code }
      materialLines(first: 2, orderBy: [{field: ID}]) { lot product { name } }
    }
  }
}"""


def building(body: dict[str, Any]) -> dict[str, Any]:
    (b,) = body["data"]["buildings"]["nodes"]
    assert isinstance(b, dict)
    return b


async def test_a_node_down_leaves_the_rest_and_one_error_naming_it(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway()
    full = building(await gw(QUERY, name=SCHOOL))
    gw.router.reset()
    gw.router.down.add("bouygues")
    body = await gw(QUERY, name=SCHOOL)
    assert building(body) == {**full, "materialLines": None}
    assert body["errors"] == [
        {
            "message": "subgraph 'bouygues': connection failed",
            "path": ["buildings", "nodes", 0, "materialLines"],
            "extensions": {"code": "SUBGRAPH_UNREACHABLE", "node": "bouygues"},
        }
    ]
    assert gw.router.count("bouygues") == 2  # one retry of an idempotent fetch
    assert gw.router.count("cda") == 1  # the products behind the lines are not asked for


async def test_the_root_node_down_empties_its_fields_only(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway()
    gw.router.down.add("cda")
    body = await gw("{ buildings { totalCount } spaces(first: 1) { totalCount } }")
    assert body["data"]["buildings"] is None
    assert body["data"]["spaces"]["totalCount"] > 0
    assert body["errors"] == [
        {
            "message": "subgraph 'cda': connection failed",
            "path": ["buildings"],
            "extensions": {"code": "SUBGRAPH_UNREACHABLE", "node": "cda"},
        }
    ]


async def test_a_flaky_connection_is_retried(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway()
    steady = await gw(QUERY, name=SCHOOL)
    gw.router.reset()
    gw.router.flaky["atmo"] = 1
    body = await gw(QUERY, name=SCHOOL)
    assert body == steady and "errors" not in body
    assert len(building(body)["spaces"]) == 2
    assert gw.router.count("atmo") == 2


async def test_a_slow_node_times_out_and_is_not_asked_twice(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(settings=GatewaySettings(poll_interval=0, timeouts={"atmo": 0.2}))
    gw.router.delay["atmo"] = 5.0
    body = await gw(QUERY, name=SCHOOL)
    b = building(body)
    assert b["spaces"] is None and b["name"] == SCHOOL and len(b["materialLines"]) == 2
    assert body["errors"] == [
        {
            "message": "subgraph 'atmo': no answer within 0.2 s",
            "path": ["buildings", "nodes", 0, "spaces"],
            "extensions": {"code": "SUBGRAPH_TIMEOUT", "node": "atmo"},
        }
    ]
    assert gw.router.count("atmo") == 1


async def test_the_caller_token_reaches_the_node_that_decides(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(enforce=["bouygues"])
    denied = await gw(QUERY, name=SCHOOL)
    assert building(denied)["materialLines"] is None
    assert building(denied)["spaces"]  # atmo does not enforce here
    (error,) = denied["errors"]
    assert error["path"] == ["buildings", "nodes", 0, "materialLines"]
    assert error["extensions"]["code"] == "POLICY_DENIED"
    assert error["extensions"]["node"] == "bouygues"
    assert error["extensions"]["policy"] == (
        "https://guichet.agglo-larochelle.fr/policies/bouygues/metres"
    )
    assert "locations" not in error  # they would point into the gateway's own fetch

    gw.router.reset()
    permitted = await gw(
        QUERY, name=SCHOOL, headers={"Authorization": "Bearer bouygues", "Cookie": "s=1"}
    )
    assert "errors" not in permitted
    assert [line["lot"] for line in building(permitted)["materialLines"]] == [1, 1]
    (usage,) = permitted["extensions"]["usage"]  # the node's usage terms reach the client
    assert (
        usage["rule"]
        == "https://guichet.agglo-larochelle.fr/policies/bouygues/metres#usage-bouygues"
    )
    sent = [h for _, _, h in gw.router.requests]
    assert len(sent) == 4
    assert all(h.get("authorization") == "Bearer bouygues" for h in sent)
    assert all("cookie" not in h and "x-guichet-query-plan" not in h for h in sent)


async def test_edge_limits_refuse_before_any_node_is_asked(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(
        settings=GatewaySettings(poll_interval=0, limits=Limits(max_depth=4, max_cost=50_000))
    )
    deep = await gw("{ buildings { nodes { spaces { building { name } } } } }")
    assert deep == {
        "errors": [
            {
                "message": "query depth 5 exceeds the limit of 4",
                "extensions": {"code": "QUERY_REJECTED"},
            }
        ]
    }
    # cost by hand: id 1; spaces 1 + 500*1 = 501; nodes 1 + 100*501 = 50101; buildings + 1
    costly = await gw("{ buildings(first: 100) { nodes { spaces(first: 500) { id } } } }")
    assert costly["errors"][0]["message"] == "query cost 50102 exceeds the limit of 50000"
    # a type-conditioned fragment counts like the fields it holds
    via_fragment = await gw(
        "{ buildings(first: 100) { nodes { ... on Building { spaces(first: 500) { id } } } } }"
    )
    assert via_fragment["errors"][0]["message"] == "query cost 50102 exceeds the limit of 50000"
    assert gw.router.requests == []


async def test_invalid_queries_are_answered_by_the_gateway(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway()
    body = await gw("{ buildings { nodes { colour } } }")
    assert body == {
        "errors": [
            {
                "message": "Cannot query field 'colour' on type 'Building'.",
                "locations": [{"line": 1, "column": 23}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
            }
        ]
    }
    assert gw.router.requests == []


async def test_variables_are_coerced_once_with_their_defaults(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway()
    query = """
    query($name: String!, $lines: Boolean = true) {
      buildings(filter: {name: {eq: $name}}) {
        nodes { name materialLines(first: 1) @include(if: $lines) { lot } }
      }
    }"""
    body = await gw(query, name=SCHOOL)
    assert building(body) == {"name": SCHOOL, "materialLines": [{"lot": 1}]}
    gw.router.reset()
    body = await gw(query, name=SCHOOL, lines=False)
    assert building(body) == {"name": SCHOOL}
    assert gw.router.count("bouygues") == 0  # the skipped fetch is not made
    gw.router.reset()
    body = await gw(query, name=3)
    assert body == {
        "errors": [
            {
                "message": "Variable '$name' has invalid value: String cannot represent a "
                "non string value: 3",
                "locations": [{"line": 2, "column": 11}],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ]
    }
    assert gw.router.requests == []

"""Federation 1 subgraphs served end to end: ``extend type Query`` root fields and an
entity a subgraph only extends (``@external`` key, ``@requires`` of ``@external`` fields),
joined by the gateway over HTTP doubles that answer like the subgraphs would."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from graphql import FieldNode, InlineFragmentNode, OperationDefinitionNode, SelectionSetNode, parse

from connector.gateway import GatewaySettings, create_gateway_app

pytestmark = pytest.mark.anyio

SDL = {
    "products": "extend type Query { topProducts: [Product] }\n"
    'type Product @key(fields: "upc") { upc: String! name: String weight: Int }',
    "reviews": "type Review { body: String }\n"
    'extend type Product @key(fields: "upc") { upc: String! @external reviews: [Review] }',
    "shipping": 'extend type Product @key(fields: "upc") { upc: String! @external '
    'weight: Int @external shippingCost: Int @requires(fields: "weight") }',
}
PRODUCTS = {"p1": {"name": "Chaise", "weight": 4}, "p2": {"name": "Table", "weight": 30}}
REVIEWS = {"p1": [{"body": "solide"}], "p2": []}


def project(value: Any, selection: SelectionSetNode | None) -> Any:
    """``value`` shaped by a selection, aliases included, as a GraphQL server answers."""
    if selection is None or value is None:
        return value
    if isinstance(value, list):
        return [project(v, selection) for v in value]
    out: dict[str, Any] = {}
    for sel in selection.selections:
        if isinstance(sel, FieldNode):
            key = sel.alias.value if sel.alias else sel.name.value
            out[key] = project(value.get(sel.name.value), sel.selection_set)
        elif isinstance(sel, InlineFragmentNode):
            out.update(project(value, sel.selection_set))
    return out


def answer(subgraph: str, body: dict[str, Any]) -> dict[str, Any]:
    """What each subgraph would answer: its SDL, its root field, or its entities."""
    if "_service" in body["query"]:
        return {"_service": {"sdl": SDL[subgraph]}}
    operation = parse(body["query"]).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    (root,) = operation.selection_set.selections
    assert isinstance(root, FieldNode)
    if root.name.value == "topProducts":
        products = [{"upc": u, **p, "__typename": "Product"} for u, p in PRODUCTS.items()]
        return {"topProducts": project(products, root.selection_set)}
    out = []
    for rep in body["variables"]["representations"]:
        assert rep["__typename"] == "Product"
        entity = {"__typename": "Product", "upc": rep["upc"], "reviews": REVIEWS[rep["upc"]]}
        if "weight" in rep:
            entity["shippingCost"] = 10 + rep["weight"]
        out.append(project(entity, root.selection_set))
    return {"_entities": out}


async def test_extension_entities_are_joined_by_their_key() -> None:
    seen: list[tuple[str, str]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append((request.url.host, body["query"]))
        return httpx.Response(200, json={"data": answer(request.url.host, body)})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    app = create_gateway_app(
        {name: f"http://{name}/graphql" for name in SDL},
        http_client=http,
        settings=GatewaySettings(poll_interval=0),
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
    try:
        assert await app.state.gateway.refresh()
        query = "{ topProducts { name reviews { body } shippingCost } }"
        r = await client.post("/graphql", json={"query": query})
        assert r.json() == {
            "data": {
                "topProducts": [
                    {"name": "Chaise", "reviews": [{"body": "solide"}], "shippingCost": 14},
                    {"name": "Table", "reviews": [], "shippingCost": 40},
                ]
            }
        }
        entity_fetches = sorted(host for host, q in seen if "_entities" in q)
        assert entity_fetches == ["reviews", "shipping"]  # one batched fetch each
    finally:
        await client.aclose()
        await http.aclose()

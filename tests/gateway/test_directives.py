"""``@requires`` and ``@provides`` through the gateway, over small subgraphs built with
strawberry's own federation support (a real Federation v2 implementation, not ours).

Products: ``a`` lists them, ``c`` knows their weight, ``b`` computes shipping from the
weight it ``@requires`` (2 € per kg, by hand: 10 kg → 20, 25 kg → 50).
Reviews: ``r`` ``@provides`` the author's name, ``u`` owns users' e-mail.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
import strawberry
from strawberry.asgi import GraphQL

from gateway import GatewaySettings, create_gateway_app

pytestmark = pytest.mark.anyio

WEIGHTS = {"1": 10, "2": 25}


@strawberry.federation.type(keys=["upc"], name="Product")
class ProductA:
    upc: strawberry.ID


@strawberry.federation.type(keys=["upc warehouse"], name="Stock")
class StockA:
    upc: strawberry.ID
    warehouse: str
    internal: str = strawberry.federation.field(inaccessible=True, default="hidden")


@strawberry.type
class QueryA:
    @strawberry.field
    def products(self) -> list[ProductA]:
        return [ProductA(upc=strawberry.ID("1")), ProductA(upc=strawberry.ID("2"))]

    @strawberry.field
    def stocks(self) -> list[StockA]:
        return [
            StockA(upc=strawberry.ID("1"), warehouse="LR"),
            StockA(upc=strawberry.ID("1"), warehouse="NT"),
        ]


QUANTITIES = {("1", "LR"): 4, ("1", "NT"): 0}


@strawberry.federation.type(keys=["sku", "upc warehouse"], name="Stock")
class StockI:
    upc: strawberry.ID
    warehouse: str
    sku: str
    quantity: int

    @classmethod
    def resolve_reference(cls, **data: Any) -> StockI:
        key = (data["upc"], data["warehouse"])
        return cls(
            upc=data["upc"],
            warehouse=data["warehouse"],
            sku="-".join(key),
            quantity=QUANTITIES[key],
        )


@strawberry.type
class QueryI:
    i_version: str = "1"


@strawberry.federation.type(keys=["upc"], name="Product")
class ProductC:
    upc: strawberry.ID
    weight: int

    @classmethod
    def resolve_reference(cls, **data: Any) -> ProductC:
        return cls(upc=data["upc"], weight=WEIGHTS[data["upc"]])


@strawberry.type
class QueryC:
    c_version: str = "1"


@strawberry.federation.type(keys=["upc"], name="Product")
class ProductB:
    upc: strawberry.ID
    weight: int = strawberry.federation.field(external=True)

    @strawberry.federation.field(requires=["weight"])
    def shipping(self) -> int:
        return 2 * self.weight

    @classmethod
    def resolve_reference(cls, **data: Any) -> ProductB:
        return cls(upc=data["upc"], weight=int(data["weight"]))


@strawberry.type
class QueryB:
    b_version: str = "1"


@strawberry.federation.type(keys=["id"], name="User")
class UserR:
    id: strawberry.ID
    name: str = strawberry.federation.field(external=True)


@strawberry.type
class Review:
    body: str
    author: UserR = strawberry.federation.field(provides=["name"])


@strawberry.type
class QueryR:
    @strawberry.field
    def reviews(self) -> list[Review]:
        return [Review(body="Très bien", author=UserR(id=strawberry.ID("u1"), name="Ana"))]


@strawberry.federation.type(keys=["id"], name="User")
class UserU:
    id: strawberry.ID
    name: str
    email: str

    @classmethod
    def resolve_reference(cls, **data: Any) -> UserU:
        return cls(id=data["id"], name="Ana from u", email="ana@example.org")


@strawberry.type
class QueryU:
    u_version: str = "1"


@strawberry.interface
class Media:
    title: str


@strawberry.federation.type(keys=["id"], name="Book")
class BookM(Media):
    id: strawberry.ID


@strawberry.type
class Movie(Media):
    year: int


Result = Annotated[BookM | Movie, strawberry.union("Result")]


@strawberry.type
class QueryM:
    @strawberry.field
    def media(self) -> list[Media]:
        return [
            BookM(id=strawberry.ID("b1"), title="Vol de nuit"),
            Movie(title="Le Mépris", year=1963),
        ]

    @strawberry.field
    def search(self) -> list[Result]:
        return [
            Movie(title="Le Mépris", year=1963),
            BookM(id=strawberry.ID("b2"), title="Terre des hommes"),
        ]


PRICES = {"b1": 12, "b2": 9}


@strawberry.federation.type(keys=["id"], name="Book")
class BookP:
    id: strawberry.ID
    price: int

    @classmethod
    def resolve_reference(cls, **data: Any) -> BookP:
        return cls(id=data["id"], price=PRICES[data["id"]])


@strawberry.type
class QueryP:
    p_version: str = "1"


def schemas() -> dict[str, strawberry.federation.Schema]:
    def s(query: type, *types: type) -> strawberry.federation.Schema:
        return strawberry.federation.Schema(query=query, types=types)

    return {
        "a": s(QueryA, ProductA, StockA),
        "i": s(QueryI, StockI),
        "c": s(QueryC, ProductC),
        "b": s(QueryB, ProductB),
        "r": s(QueryR, UserR, Review),
        "u": s(QueryU, UserU),
        "m": s(QueryM, BookM, Movie),
        "p": s(QueryP, BookP),
    }


class Hosts(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.apps = {n: GraphQL(s) for n, s in schemas().items()}
        self.seen: list[tuple[str, dict[str, Any]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import json

        self.seen.append((request.url.host, json.loads(request.content)))
        app = self.apps[request.url.host]
        return await httpx.ASGITransport(app=app).handle_async_request(request)


async def ask(query: str, **variables: Any) -> tuple[dict[str, Any], Hosts]:
    hosts = Hosts()
    async with httpx.AsyncClient(transport=hosts) as http:
        app = create_gateway_app(
            {n: f"http://{n}/graphql" for n in hosts.apps},
            http_client=http,
            settings=GatewaySettings(poll_interval=0),
        )
        assert await app.state.gateway.refresh()
        hosts.seen.clear()
        body = await app.state.gateway.respond(query, variables=variables)
    return body, hosts


async def test_requires_sends_the_owners_weight_to_the_shipping_subgraph() -> None:
    body, hosts = await ask("{ products { upc shipping } }")
    assert body["data"] == {
        "products": [{"upc": "1", "shipping": 20}, {"upc": "2", "shipping": 50}]
    }
    assert "errors" not in body
    assert [h for h, _ in hosts.seen] == ["a", "c", "b"]
    (_, to_b) = hosts.seen[2]
    assert to_b["variables"]["representations"] == [
        {"__typename": "Product", "upc": "1", "weight": 10},
        {"__typename": "Product", "upc": "2", "weight": 25},
    ]


async def test_compound_key_chosen_among_several_keys() -> None:
    body, hosts = await ask("{ stocks { warehouse quantity sku } }")
    assert body["data"] == {
        "stocks": [
            {"warehouse": "LR", "quantity": 4, "sku": "1-LR"},
            {"warehouse": "NT", "quantity": 0, "sku": "1-NT"},
        ]
    }
    (_, to_i) = hosts.seen[1]
    assert to_i["variables"]["representations"] == [
        {"__typename": "Stock", "upc": "1", "warehouse": "LR"},
        {"__typename": "Stock", "upc": "1", "warehouse": "NT"},
    ]


async def test_inaccessible_fields_are_not_in_the_api() -> None:
    body, hosts = await ask("{ stocks { internal } }")
    assert body["errors"][0]["message"] == "Cannot query field 'internal' on type 'Stock'."
    assert hosts.seen == []


async def test_interfaces_and_unions_with_entity_fields_from_another_subgraph() -> None:
    body, hosts = await ask(
        """
        query Shelf($withYear: Boolean!) {
          media { title ... on Book { price } ...Y }
          search { __typename ... on Movie { title } ... on Book { id price } }
        }
        fragment Y on Movie { year @include(if: $withYear) }
        """,
        withYear=True,
    )
    assert "errors" not in body, body
    assert body["data"] == {
        "media": [{"title": "Vol de nuit", "price": 12}, {"title": "Le Mépris", "year": 1963}],
        "search": [
            {"__typename": "Movie", "title": "Le Mépris"},
            {"__typename": "Book", "id": "b2", "price": 9},
        ],
    }
    assert sorted(h for h, _ in hosts.seen) == ["m", "p", "p"]  # one per path: media, search
    reps = sorted(
        r["id"] for h, b in hosts.seen if h == "p" for r in b["variables"]["representations"]
    )
    assert reps == ["b1", "b2"]  # only the books, not the movies


async def test_provides_answers_on_the_path_and_the_owner_elsewhere() -> None:
    body, hosts = await ask("{ reviews { body author { name } } }")
    assert body["data"] == {"reviews": [{"body": "Très bien", "author": {"name": "Ana"}}]}
    assert [h for h, _ in hosts.seen] == ["r"]
    body, hosts = await ask("{ reviews { author { name email } } }")
    assert body["data"] == {"reviews": [{"author": {"name": "Ana", "email": "ana@example.org"}}]}
    assert [h for h, _ in hosts.seen] == ["r", "u"]

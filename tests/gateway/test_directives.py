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
    name: str = strawberry.federation.field(shareable=True)  # r @provides it
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


TITLES = {"b1": "Vol de nuit", "b2": "Terre des hommes"}


@strawberry.federation.type(keys=["id"], name="Book")
class BookM(Media):
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, **data: Any) -> BookM:
        return cls(id=data["id"], title=TITLES[data["id"]])


@strawberry.federation.type(keys=["id"], name="Book")
class BookW:
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


@strawberry.type
class MutationP:
    @strawberry.mutation
    def p_version_bump(self, info: strawberry.Info) -> int:
        info.context["bumps"] = info.context.get("bumps", 0) + 1
        return int(info.context["bumps"])


@strawberry.type
class MutationW:
    @strawberry.mutation
    def append(self, info: strawberry.Info, word: str) -> list[str]:
        words: list[str] = info.context.setdefault("words", [])
        words.append(word)
        return list(words)

    @strawberry.mutation
    def shelve(self, id: strawberry.ID) -> BookW:
        return BookW(id=id)


@strawberry.type
class QueryW:
    w_version: str = "1"


TOTALS = {"o1": 100.0, "o2": 50.0}


@strawberry.federation.type(keys=["id"], name="Order")
class OrderO:
    id: strawberry.ID
    total: float = strawberry.federation.field(external=True)

    @strawberry.federation.field(requires=["total"])
    def total_with_tax(self) -> float:
        return round(self.total * 1.2, 2)

    @classmethod
    def resolve_reference(cls, **data: Any) -> OrderO:
        return cls(id=data["id"], total=float(data["total"]))


@strawberry.type
class QueryO:
    @strawberry.field
    def orders(self) -> list[OrderO]:
        return [OrderO(id=strawberry.ID(i), total=-1.0) for i in TOTALS]


@strawberry.federation.type(keys=["id"], name="Order")
class OrderT:
    id: strawberry.ID
    total: float

    @classmethod
    def resolve_reference(cls, **data: Any) -> OrderT:
        return cls(id=data["id"], total=TOTALS[data["id"]])


@strawberry.type
class QueryT:
    t_version: str = "1"


def schemas() -> dict[str, strawberry.federation.Schema]:
    def s(query: type, *types: type, mutation: type | None = None) -> strawberry.federation.Schema:
        return strawberry.federation.Schema(query=query, mutation=mutation, types=types)

    return {
        "a": s(QueryA, ProductA, StockA),
        "i": s(QueryI, StockI),
        "c": s(QueryC, ProductC),
        "b": s(QueryB, ProductB),
        "r": s(QueryR, UserR, Review),
        "u": s(QueryU, UserU),
        "o": s(QueryO, OrderO),
        "t": s(QueryT, OrderT),
        "m": s(QueryM, BookM, Movie),
        "p": s(QueryP, BookP, mutation=MutationP),
        "w": s(QueryW, BookW, mutation=MutationW),
    }


class Shared(GraphQL):
    """A strawberry app whose context lives as long as the app (the words appended)."""

    context: dict[str, Any]

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        if not hasattr(self, "context"):
            self.context = {}
        return self.context


class Hosts(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.apps = {n: Shared(s) for n, s in schemas().items()}
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.refuse: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import json

        self.seen.append((request.url.host, json.loads(request.content)))
        if request.url.host in self.refuse:
            raise httpx.ConnectError("refused", request=request)
        app = self.apps[request.url.host]
        return await httpx.ASGITransport(app=app).handle_async_request(request)


async def ask(
    query: str, *, refuse: tuple[str, ...] = (), **variables: Any
) -> tuple[dict[str, Any], Hosts]:
    hosts = Hosts()
    async with httpx.AsyncClient(transport=hosts) as http:
        app = create_gateway_app(
            {n: f"http://{n}/graphql" for n in hosts.apps},
            http_client=http,
            settings=GatewaySettings(poll_interval=0),
        )
        assert await app.state.gateway.refresh()
        hosts.seen.clear()
        hosts.refuse.update(refuse)
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


async def test_requires_on_the_root_subgraph_comes_back_to_it_with_the_owners_value() -> None:
    # o lists orders but does not know their total (-1 locally): 100 and 50 come from t,
    # so 120 and 60 prove the required value travelled through the representation
    body, hosts = await ask("{ orders { id totalWithTax } }")
    assert body == {
        "data": {
            "orders": [{"id": "o1", "totalWithTax": 120.0}, {"id": "o2", "totalWithTax": 60.0}]
        }
    }
    assert [h for h, _ in hosts.seen] == ["o", "t", "o"]
    assert hosts.seen[2][1]["variables"]["representations"] == [
        {"__typename": "Order", "id": "o1", "total": 100.0},
        {"__typename": "Order", "id": "o2", "total": 50.0},
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
    # the books at two paths go to p in one request, each path its own _entities
    assert [h for h, _ in hosts.seen] == ["m", "p"]
    to_p = hosts.seen[1][1]
    assert to_p["variables"] == {
        "_representations_0": [{"__typename": "Book", "id": "b1"}],
        "_representations_1": [{"__typename": "Book", "id": "b2"}],
    }
    assert "_entities_0: _entities(representations: $_representations_0)" in to_p["query"]


async def test_mutation_fields_of_several_subgraphs_run_one_after_the_other() -> None:
    body, hosts = await ask(
        'mutation { a: append(word: "un") p: pVersionBump b: append(word: "deux") }'
    )
    assert body == {"data": {"a": ["un"], "p": 1, "b": ["un", "deux"]}}
    assert [h for h, _ in hosts.seen] == ["w", "p", "w"]


async def test_mutations_run_in_order_and_their_entities_are_completed() -> None:
    body, hosts = await ask(
        'mutation { a: append(word: "un") b: append(word: "deux") '
        'shelve(id: "b1") { title price } c: append(word: "trois") }'
    )
    assert body == {
        "data": {
            "a": ["un"],
            "b": ["un", "deux"],
            "shelve": {"title": "Vol de nuit", "price": 12},
            "c": ["un", "deux", "trois"],
        }
    }
    # consecutive fields of one subgraph in one fetch (w runs them in order), then the
    # shelved book completed by m and p
    assert hosts.seen[0][0] == "w" and sorted(h for h, _ in hosts.seen[1:]) == ["m", "p"]
    assert hosts.seen[0][1]["query"].startswith("mutation ")


async def test_a_mutation_is_never_retried() -> None:
    body, hosts = await ask('mutation { append(word: "un") }', refuse=("w",))
    assert body["errors"][0]["extensions"] == {"code": "SUBGRAPH_UNREACHABLE", "node": "w"}
    assert [h for h, _ in hosts.seen] == ["w"]


async def test_provides_answers_on_the_path_and_the_owner_elsewhere() -> None:
    body, hosts = await ask("{ reviews { body author { name } } }")
    assert body["data"] == {"reviews": [{"body": "Très bien", "author": {"name": "Ana"}}]}
    assert [h for h, _ in hosts.seen] == ["r"]
    body, hosts = await ask("{ reviews { author { name email } } }")
    assert body["data"] == {"reviews": [{"author": {"name": "Ana", "email": "ana@example.org"}}]}
    assert [h for h, _ in hosts.seen] == ["r", "u"]

"""Subgraph ``reviews``: reviews of products (by ``upc``), authors with @provides(``name``)
on an @external field, users by ``id``, and ratings of warehouses by their nested key."""

from typing import Any

import strawberry
from strawberry.federation import Schema

from tests.federation.synthetic.data import AUTHOR_NAMES, REVIEWS, WAREHOUSE_RATINGS


@strawberry.federation.type(shareable=True)
class Organization:
    id: strawberry.ID


@strawberry.federation.type(keys=["id organization { id }"])
class Warehouse:
    id: strawberry.ID
    organization: Organization

    @strawberry.field
    def rating(self) -> float:
        return WAREHOUSE_RATINGS[(self.id, self.organization.id)]

    @classmethod
    def resolve_reference(cls, id: str, organization: dict[str, Any]) -> "Warehouse":
        return Warehouse(id=strawberry.ID(id), organization=Organization(id=organization["id"]))


def _reviews(field: str, value: str) -> list["Review"]:
    return [_review(r) for r in REVIEWS if r["upc"] and r[field] == value]


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str = strawberry.federation.field(external=True, default="")

    @strawberry.field
    def reviews(self) -> list["Review"]:
        return _reviews("author", self.id)

    @classmethod
    def resolve_reference(cls, id: str) -> "User":
        return User(id=strawberry.ID(id))


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: strawberry.ID

    @strawberry.field
    def reviews(self) -> list["Review"]:
        return _reviews("upc", self.upc)

    @classmethod
    def resolve_reference(cls, upc: str) -> "Product":
        return Product(upc=strawberry.ID(upc))


@strawberry.type
class Review:
    id: strawberry.ID
    body: str
    stars: int
    author: User = strawberry.federation.field(provides=["name"])
    product: Product | None


def _review(row: dict[str, Any]) -> Review:
    author = User(id=strawberry.ID(row["author"]), name=AUTHOR_NAMES[row["author"]])
    product = Product(upc=strawberry.ID(row["upc"])) if row["upc"] else None
    return Review(
        id=strawberry.ID(row["id"]),
        body=row["body"],
        stars=row["stars"],
        author=author,
        product=product,
    )


@strawberry.type
class Query:
    @strawberry.field
    def latest_reviews(self, first: int = 3) -> list[Review]:
        return [_review(r) for r in reversed(REVIEWS) if r["upc"]][:first]


schema = Schema(query=Query, types=[Warehouse], federation_version="2.7")

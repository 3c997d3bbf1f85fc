"""Subgraph ``inventory``: products by their compound key ``sku package``, with
``shippingEstimate`` @requires(``price weight``) on @external fields, ``inStock``
@override(from: "products"), the @shareable ``dimensions``, and warehouses with a nested
key (``id organization { id }``) whose manager is a user referenced by its second key."""

from typing import Any, Optional

import strawberry
from strawberry.federation import Schema
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from tests.federation.synthetic.data import (
    DIMENSIONS,
    FREE_SHIPPING_ABOVE,
    PHONES,
    STOCK,
    WAREHOUSES,
)


@strawberry.federation.type(shareable=True)
class Organization:
    id: strawberry.ID


@strawberry.federation.type(keys=[Key(fields=FieldSet("email"), resolvable=False)])
class User:
    email: str


@strawberry.federation.type(shareable=True)
class Dimensions:
    size: str
    weight: float


def _warehouse(key: tuple[str, str]) -> Optional["Warehouse"]:
    row = WAREHOUSES.get(key)
    if row is None:
        return None
    return Warehouse(
        id=strawberry.ID(key[0]),
        organization=Organization(id=strawberry.ID(key[1])),
        city=row["city"],
        manager=User(email=row["manager"]),
    )


@strawberry.federation.type(keys=["id organization { id }"])
class Warehouse:
    id: strawberry.ID
    organization: Organization
    city: str
    manager: User

    @strawberry.field
    def phone(self) -> str | None:
        number = PHONES.get((self.id, self.organization.id))
        if number is None:
            raise ValueError(f"warehouse {self.id} has no listed phone")
        return number

    @classmethod
    def resolve_reference(cls, id: str, organization: dict[str, Any]) -> Optional["Warehouse"]:
        return _warehouse((id, organization["id"]))


@strawberry.federation.type(keys=["sku package"])
class Product:
    sku: str
    package: str
    price: int = strawberry.federation.field(external=True, default=0)
    weight: int = strawberry.federation.field(external=True, default=0)

    @strawberry.federation.field(requires=["price weight"])
    def shipping_estimate(self) -> int:
        return 0 if self.price > FREE_SHIPPING_ABOVE else 2 * self.weight

    @strawberry.federation.field(override="products")
    def in_stock(self) -> bool:
        return bool(STOCK[(self.sku, self.package)]["in_stock"])

    @strawberry.federation.field(shareable=True)
    def dimensions(self) -> Dimensions:
        return Dimensions(**DIMENSIONS[(self.sku, self.package)])

    @strawberry.field
    def warehouse(self) -> Warehouse | None:
        return _warehouse(STOCK[(self.sku, self.package)]["warehouse"])

    @classmethod
    def resolve_reference(
        cls, sku: str, package: str, price: int = 0, weight: int = 0
    ) -> "Product":
        return Product(sku=sku, package=package, price=price, weight=weight)


@strawberry.type
class Query:
    @strawberry.field
    def warehouses(self) -> list[Warehouse]:
        return [w for w in map(_warehouse, WAREHOUSES) if w is not None]


schema = Schema(query=Query, types=[Product], federation_version="2.7")

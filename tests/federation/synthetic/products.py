"""Subgraph ``products``: products with two keys, one compound (``upc`` and ``sku
package``), a @shareable value type, a stale ``inStock`` that inventory @overrides, an
@inaccessible field, @tag and a composed directive (@term)."""

from typing import Any, Optional

import strawberry
from strawberry.federation import Schema
from strawberry.federation.schema_directive import Location, schema_directive

from tests.federation.synthetic.data import DIMENSIONS, PRODUCTS, STALE_IN_STOCK


@schema_directive(
    locations=[Location.OBJECT, Location.FIELD_DEFINITION],
    name="term",
    compose=True,
    import_url="https://w3id.org/guichet/ontology/v0.1",
)
class Term:
    iri: str


@strawberry.federation.type(shareable=True)
class Dimensions:
    size: str
    weight: float


def _product(row: dict[str, Any] | None) -> Optional["Product"]:
    if row is None:
        return None
    return Product(
        upc=strawberry.ID(row["upc"]),
        sku=row["sku"],
        package=row["package"],
        name=row["name"],
        price=row["price"],
        weight=row["weight"],
        internal_code=f"P-{row['upc']}",
    )


@strawberry.federation.type(
    keys=["upc", "sku package"], directives=[Term(iri="https://schema.org/Product")]
)
class Product:
    upc: strawberry.ID
    sku: str
    package: str
    name: str = strawberry.federation.field(
        tags=["public"], directives=[Term(iri="https://schema.org/name")]
    )
    price: int
    weight: int
    internal_code: str = strawberry.federation.field(inaccessible=True)

    @strawberry.field
    def in_stock(self) -> bool:
        return STALE_IN_STOCK

    @strawberry.federation.field(shareable=True)
    def dimensions(self) -> Dimensions:
        return Dimensions(**DIMENSIONS[(self.sku, self.package)])

    @classmethod
    def resolve_reference(cls, **key: Any) -> Optional["Product"]:
        fields = ["upc"] if "upc" in key else ["sku", "package"]
        rows = (p for p in PRODUCTS if all(p[f] == key[f] for f in fields))
        return _product(next(rows, None))


@strawberry.type
class Query:
    @strawberry.field
    def top_products(self, first: int = 5) -> list[Product]:
        return [p for p in map(_product, PRODUCTS[:first]) if p is not None]

    @strawberry.field
    def product(self, upc: strawberry.ID) -> Product | None:
        return _product(next((p for p in PRODUCTS if p["upc"] == upc), None))


schema = Schema(query=Query, federation_version="2.7")

"""The federated queries of ``test_directives_vs_apollo.py``, one or more per directive,
each with its answer written by hand from ``data.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VALIDATION = "GRAPHQL_VALIDATION_FAILED"
DOWNSTREAM = "DOWNSTREAM_SERVICE_ERROR"  # Apollo's code for a subgraph error without one


@dataclass(frozen=True)
class Case:
    directive: str
    query: str
    data: Any
    variables: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[tuple[Any, ...], str | None]] = field(default_factory=list)
    space: str = "core"


CASES: dict[str, Case] = {
    "key-single": Case(
        '@key(fields: "upc")',
        "{ topProducts { upc name reviews { body } } }",
        {
            "topProducts": [
                {"upc": "1", "name": "Table", "reviews": [{"body": "Sturdy"}]},
                {"upc": "2", "name": "Chair", "reviews": [{"body": "Wobbly"}, {"body": "Fine"}]},
                {"upc": "3", "name": "Flat chair", "reviews": []},
            ]
        },
    ),
    # shippingEstimate: free above a price of 500, else 2 x weight (data.py).
    "key-compound-requires-external": Case(
        '@key(fields: "sku package"), @requires, @external',
        "{ topProducts { name shippingEstimate } }",
        {
            "topProducts": [
                {"name": "Table", "shippingEstimate": 0},
                {"name": "Chair", "shippingEstimate": 10},
                {"name": "Flat chair", "shippingEstimate": 8},
            ]
        },
    ),
    # products says false for every product; inventory's answer wins.
    "override": Case(
        '@override(from: "products")',
        "{ topProducts { name inStock } }",
        {
            "topProducts": [
                {"name": "Table", "inStock": True},
                {"name": "Chair", "inStock": False},
                {"name": "Flat chair", "inStock": True},
            ]
        },
    ),
    "key-nested": Case(
        '@key(fields: "id organization { id }")',
        "{ topProducts { name warehouse { id organization { id } city rating } } }",
        {
            "topProducts": [
                {
                    "name": "Table",
                    "warehouse": {
                        "id": "w1",
                        "organization": {"id": "o1"},
                        "city": "Lyon",
                        "rating": 4.5,
                    },
                },
                {
                    "name": "Chair",
                    "warehouse": {
                        "id": "w2",
                        "organization": {"id": "o1"},
                        "city": "Nantes",
                        "rating": 3.0,
                    },
                },
                {
                    "name": "Flat chair",
                    "warehouse": {
                        "id": "w1",
                        "organization": {"id": "o2"},
                        "city": "Brest",
                        "rating": 5.0,
                    },
                },
            ]
        },
    ),
    "key-several-email": Case(
        '@key(fields: "id") @key(fields: "email"): by email',
        "{ warehouses { city manager { email name } } }",
        {
            "warehouses": [
                {"city": "Lyon", "manager": {"email": "ada@example.org", "name": "Ada Lovelace"}},
                {"city": "Nantes", "manager": {"email": "alan@example.org", "name": "Alan Turing"}},
                {"city": "Brest", "manager": {"email": "alan@example.org", "name": "Alan Turing"}},
            ]
        },
    ),
    "key-several-id": Case(
        '@key(fields: "id") @key(fields: "email"): by id',
        "{ me { name reviews { body } } }",
        {"me": {"name": "Ada Lovelace", "reviews": [{"body": "Sturdy"}, {"body": "Fine"}]}},
    ),
    # reviews holds its own copy of the authors' names ("Ada L."): a provided field is
    # read from reviews, an unprovided one (email) from accounts.
    "provides": Case(
        '@provides(fields: "name")',
        "{ latestReviews(first: 2) { body author { name email } } }",
        {
            "latestReviews": [
                {"body": "Fine", "author": {"name": "Ada L.", "email": "ada@example.org"}},
                {"body": "Wobbly", "author": {"name": "Alan T.", "email": "alan@example.org"}},
            ]
        },
    ),
    "shareable": Case(
        "@shareable value type resolved by products and inventory",
        "{ topProducts { name inStock dimensions { size weight } } }",
        {
            "topProducts": [
                {"name": "Table", "inStock": True, "dimensions": {"size": "large", "weight": 50}},
                {"name": "Chair", "inStock": False, "dimensions": {"size": "small", "weight": 5}},
                {
                    "name": "Flat chair",
                    "inStock": True,
                    "dimensions": {"size": "small", "weight": 4},
                },
            ]
        },
    ),
    "inaccessible-field": Case(
        "@inaccessible field",
        "{ topProducts { internalCode } }",
        None,
        errors=[((), VALIDATION)],
    ),
    "inaccessible-entity-field": Case(
        "@inaccessible field of an entity",
        "{ users { passwordHash } }",
        None,
        errors=[((), VALIDATION)],
    ),
    "tag-compose-directive": Case(
        "@tag, @composeDirective(@term)",
        '{ product(upc: "2") { name } missing: product(upc: "9") { name } }',
        {"product": {"name": "Chair"}, "missing": None},
    ),
    # warehouse w2 has no listed phone: inventory answers null with an error.
    "subgraph-error-root": Case(
        "an error from a subgraph (root fetch)",
        "{ warehouses { city phone } }",
        {
            "warehouses": [
                {"city": "Lyon", "phone": "+33 4 00 00 00 01"},
                {"city": "Nantes", "phone": None},
                {"city": "Brest", "phone": "+33 2 00 00 00 03"},
            ]
        },
        errors=[(("warehouses", 1, "phone"), DOWNSTREAM)],
    ),
    "subgraph-error-entity": Case(
        "an error from a subgraph (entity fetch by compound key)",
        "{ topProducts { name warehouse { phone } } }",
        {
            "topProducts": [
                {"name": "Table", "warehouse": {"phone": "+33 4 00 00 00 01"}},
                {"name": "Chair", "warehouse": {"phone": None}},
                {"name": "Flat chair", "warehouse": {"phone": "+33 2 00 00 00 03"}},
            ]
        },
        errors=[(("topProducts", 1, "warehouse", "phone"), DOWNSTREAM)],
    ),
    "interface": Case(
        "interface",
        "{ media { __typename id title ... on Book { author } ... on Movie { minutes } } }",
        {
            "media": [
                {"__typename": "Book", "id": "b1", "title": "Dune", "author": "Frank Herbert"},
                {"__typename": "Movie", "id": "m1", "title": "Alien", "minutes": 117},
                {"__typename": "Book", "id": "b2", "title": "Emma", "author": "Jane Austen"},
            ]
        },
    ),
    "union": Case(
        "union",
        "{ highlights { __typename ... on Book { title author } ... on Movie { title minutes } } }",
        {
            "highlights": [
                {"__typename": "Movie", "title": "Alien", "minutes": 117},
                {"__typename": "Book", "title": "Emma", "author": "Jane Austen"},
            ]
        },
    ),
    "fragments-aliases-variables-include": Case(
        "fragments, aliases, variables, @include/@skip, __typename",
        """query Q($upc: ID!, $stock: Boolean!, $noPrice: Boolean!) {
          first: product(upc: $upc) {
            ...P inStock @include(if: $stock) price @skip(if: $noPrice) __typename
          }
          other: product(upc: "3") { label: name ... on Product { estimate: shippingEstimate } }
        }
        fragment P on Product { name sku package }""",
        {
            "first": {
                "name": "Chair",
                "sku": "CHR",
                "package": "box",
                "inStock": False,
                "__typename": "Product",
            },
            "other": {"label": "Flat chair", "estimate": 8},
        },
        variables={"upc": "2", "stock": True, "noPrice": True},
    ),
    "fragments-aliases-variables-skip": Case(
        "fragments, aliases, variables, @include/@skip (other branch)",
        """query Q($upc: ID!, $stock: Boolean!, $noPrice: Boolean!) {
          first: product(upc: $upc) {
            ...P inStock @include(if: $stock) price @skip(if: $noPrice) __typename
          }
        }
        fragment P on Product { name sku package }""",
        {
            "first": {
                "name": "Table",
                "sku": "TBL",
                "package": "flat",
                "price": 899,
                "__typename": "Product",
            }
        },
        variables={"upc": "1", "stock": False, "noPrice": False},
    ),
    # averageRating: b1 (5 + 3) / 2 = 4, m1 (4 + 5) / 2 = 4.5, b2 no rating.
    "interface-object-fields": Case(
        "@interfaceObject: fields added to an interface entity",
        "{ media { id title averageRating reviews { stars } } }",
        {
            "media": [
                {
                    "id": "b1",
                    "title": "Dune",
                    "averageRating": 4,
                    "reviews": [{"stars": 5}, {"stars": 3}],
                },
                {
                    "id": "m1",
                    "title": "Alien",
                    "averageRating": 4.5,
                    "reviews": [{"stars": 4}, {"stars": 5}],
                },
                {"id": "b2", "title": "Emma", "averageRating": None, "reviews": []},
            ]
        },
        space="iobj",
    ),
    "interface-object-on-implementation": Case(
        "@interfaceObject: an added field selected on one implementation",
        "{ media { id ... on Book { averageRating } ... on Movie { title } } }",
        {
            "media": [
                {"id": "b1", "averageRating": 4},
                {"id": "m1", "title": "Alien"},
                {"id": "b2", "averageRating": None},
            ]
        },
        space="iobj",
    ),
    "interface-object-root": Case(
        "@interfaceObject: an interface entity returned by the subgraph that has no types",
        "{ topRated { __typename id title averageRating ... on Movie { minutes } } }",
        {
            "topRated": {
                "__typename": "Movie",
                "id": "m1",
                "title": "Alien",
                "averageRating": 4.5,
                "minutes": 117,
            }
        },
        space="iobj",
    ),
}

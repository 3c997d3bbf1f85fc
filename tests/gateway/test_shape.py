"""The shaper against graphql-core's executor, the reference it replaces: on every
(document, variables, merged data) below, either both give the same answer without an
error, or the shaper declines (``None``) where the executor reports one, so that the
responder falls back to the executor's nulls and errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from graphql import build_schema, execute_sync, parse
from graphql.execution.values import get_variable_values

from connector.gateway._planner import operation_of
from connector.gateway._shape import Shaper

SCHEMA = build_schema(
    """
    interface Media { id: ID! title: String }
    type Book implements Media { id: ID! title: String author: String }
    type Movie implements Media { id: ID! title: String minutes: Int }
    union Highlight = Book | Movie
    enum Unit { KG M2 }
    scalar RnbId
    type Product { upc: ID! name: String! price: Float weight: Int unit: Unit rnb: RnbId
                   tags: [String!] related: [Product] }
    type Query { products: [Product!]! product(upc: ID!): Product media: [Media]
                 highlights: [Highlight!] count: Int }
    type Mutation { touch(upc: ID!): Product }
    """
)

PRODUCTS = [
    {
        "upc": "1",
        "name": "Table",
        "price": 899,
        "weight": 50,
        "unit": "KG",
        "rnb": "R1",
        "tags": ["wood"],
        "related": [{"upc": "2", "name": "Chair"}],
        "_gw_upc": "1",
    },
    {
        "upc": "2",
        "name": "Chair",
        "price": 12.5,
        "weight": None,
        "unit": None,
        "rnb": None,
        "tags": None,
        "related": [],
    },
]
MEDIA = [
    {"__typename": "Book", "id": "b1", "title": "Dune", "author": "Frank Herbert"},
    {"__typename": "Movie", "id": "m1", "title": "Alien", "minutes": 117},
    None,
]
DATA: dict[str, Any] = {
    "products": PRODUCTS,
    "product": PRODUCTS[0],
    "media": MEDIA,
    "highlights": MEDIA[:2],
    "count": 3,
}

# (query, variables, data): answered alike by both.
SAME: list[tuple[str, dict[str, Any], Mapping[str, Any]]] = [
    ("{ products { upc name price weight unit rnb tags } }", {}, DATA),
    (
        "{ products { n: name name upc } count c2: count }",
        {},  # data by response key
        {"products": [{"n": "Table", "name": "Table", "upc": "1"}], "count": 3, "c2": 3},
    ),
    ("{ products { __typename related { name __typename } } }", {}, DATA),
    ("{ media { __typename id ... on Book { author } ... on Movie { minutes } } }", {}, DATA),
    (
        "{ media { ...M } } fragment M on Media { id ...B } fragment B on Book { title author }",
        {},
        DATA,
    ),
    ("{ highlights { ... on Media { id } ... on Movie { title } } }", {}, DATA),
    (
        "query Q($a: Boolean!, $b: Boolean!) { products { name @include(if: $a) "
        "upc @skip(if: $b) ... @include(if: $b) { price } } }",
        {"a": True, "b": False},
        DATA,
    ),
    (
        "query Q($a: Boolean!, $b: Boolean!) { products { name @include(if: $a) "
        "upc @skip(if: $b) ... @include(if: $b) { price } } }",
        {"a": False, "b": True},
        DATA,
    ),
    ('{ product(upc: "1") { name @skip(if: true) upc @include(if: true) } }', {}, DATA),
    ("{ products { name } products { upc related { upc } } }", {}, DATA),
    ('{ product(upc: "9") { name } media { id } }', {}, {"product": None, "media": None}),
    ("{ products { name } }", {}, {"products": []}),
    ('mutation { touch(upc: "1") { name } }', {}, {"touch": PRODUCTS[1]}),
    ("{ count }", {}, {"count": None}),
    ("{ count }", {}, {"count": True}),  # Int's serialize makes it 1
    ("{ products { upc price } }", {}, {"products": [{"upc": 7, "price": 3}]}),
]

# (query, data): the executor reports an error, the shaper declines.
ERRORS: list[tuple[str, Mapping[str, Any]]] = [
    ("{ products { name } }", {"products": None}),  # null for a non-null list
    ("{ products { name } }", {"products": [{"name": None}]}),  # non-null leaf
    ("{ products { tags } }", {"products": [{"tags": ["a", None]}]}),  # non-null item
    ("{ products { name } }", {"products": {"name": "x"}}),  # an object for a list
    ('{ product(upc: "1") { name } }', {"product": "Table"}),  # a string for an object
    ("{ media { id } }", {"media": [{"id": "x"}]}),  # no __typename
    ("{ media { id } }", {"media": [{"__typename": "Product", "id": "x"}]}),  # not a Media
    ("{ count }", {"count": "three"}),  # Int refuses it
    ("{ count }", {"count": 2**31}),  # beyond a 32-bit Int
    ("{ products { price } }", {"products": [{"price": float("nan")}]}),  # not finite
    ("{ products { unit } }", {"products": [{"unit": "LITRE"}]}),  # not an enum value
]


def _both(query: str, variables: dict[str, Any], data: Mapping[str, Any]) -> tuple[Any, Any]:
    document = parse(query)
    operation = operation_of(document, None)
    coerced = get_variable_values(SCHEMA, operation.variable_definitions or (), variables)
    assert not isinstance(coerced, list)
    shaper = Shaper(SCHEMA, document, operation)
    reference = execute_sync(
        SCHEMA,
        document,
        root_value=data,
        variable_values=variables,
        field_resolver=lambda source, info, **_: (
            source.get(info.path.key) if isinstance(source, Mapping) else None
        ),
        type_resolver=lambda value, *_: (
            value.get("__typename") if isinstance(value, Mapping) else None
        ),
    )
    first = shaper.shape(data, coerced)
    again = shaper.shape(data, coerced)  # from the collections cached by the first
    assert first == again
    return first, reference


@pytest.mark.parametrize(("query", "variables", "data"), SAME)
def test_shaper_answers_as_the_executor(
    query: str, variables: dict[str, Any], data: Mapping[str, Any]
) -> None:
    shaped, reference = _both(query, variables, data)
    assert reference.errors is None
    assert shaped == reference.data
    assert list(shaped) == list(reference.data)  # the same key order, too


@pytest.mark.parametrize(("query", "data"), ERRORS)
def test_shaper_declines_where_the_executor_reports_an_error(
    query: str, data: Mapping[str, Any]
) -> None:
    shaped, reference = _both(query, {}, data)
    assert reference.errors
    assert shaped is None


def test_introspection_goes_to_the_executor() -> None:
    shaped, reference = _both("{ __schema { queryType { name } } count }", {}, DATA)
    assert shaped is None
    assert reference.data == {"__schema": {"queryType": {"name": "Query"}}, "count": 3}


def test_leaves_are_serialised_by_their_type() -> None:
    """A Float given as an integer is a float, an ID given as a number a string (both as
    the executor's ``serialize`` makes them, and as the specification's result coercion)."""
    shaped, _ = _both(
        '{ product(upc: "1") { price upc } }', {}, {"product": {"price": 4, "upc": 7}}
    )
    assert shaped == {"product": {"price": 4.0, "upc": "7"}}
    assert isinstance(shaped["product"]["price"], float)

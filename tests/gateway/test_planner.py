"""Query plans: which subgraph answers what, in which order, with which representation."""

from __future__ import annotations

from functools import cache

import pytest
from graphql import parse

from connector.errors import GatewayError
from connector.gateway import Fetch, QueryPlan, Supergraph, compose, parse_subgraph, plan
from tests.gateway.conftest import demo_sdls

FED = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@external", "@requires", "@provides"])\n'
)


@cache
def demo() -> Supergraph:
    return compose([parse_subgraph(n, f"http://{n}/graphql", s) for n, s in demo_sdls().items()])


def small(**sdls: str) -> Supergraph:
    return compose([parse_subgraph(n, f"http://{n}/graphql", FED + s) for n, s in sdls.items()])


def shape(p: QueryPlan) -> list[tuple[int, str, tuple[str, ...], str | None, str | None]]:
    """(depth, subgraph, path, entity type, representation) of every fetch, depth first."""
    out: list[tuple[int, str, tuple[str, ...], str | None, str | None]] = []

    def walk(f: Fetch, depth: int) -> None:
        rep = f.describe().get("representation")
        out.append((depth, f.subgraph, f.path, f.type_name, rep))
        for c in f.children:
            walk(c, depth + 1)

    for r in p.roots:
        walk(r, 0)
    return out


def test_building_with_spaces_and_material_lines_is_one_root_and_two_parallel_entity_fetches() -> (
    None
):
    p = plan(
        demo(),
        parse(
            '{ buildings(filter: {name: {eq: "x"}}) { nodes { name spaces { code } '
            "materialLines { lot } } } }"
        ),
        None,
    )
    assert shape(p) == [
        (0, "cda", (), None, None),
        (1, "atmo", ("buildings", "nodes"), "Building", "rnbId"),
        (1, "bouygues", ("buildings", "nodes"), "Building", "rnbId"),
    ]
    root, atmo, bouygues = p.fetches()
    assert "__typename" in root.operation and "rnbId" in root.operation
    assert "spaces" not in root.operation and "materialLines" not in root.operation
    assert "_entities(representations: $representations)" in atmo.operation
    assert "... on Building" in atmo.operation and "spaces" in atmo.operation
    assert "materialLines" in bouygues.operation and "spaces" not in bouygues.operation


def test_root_fields_of_two_subgraphs_and_a_nested_jump_back() -> None:
    p = plan(
        demo(),
        parse("{ bs: buildings { totalCount } spaces { nodes { name building { floorArea } } } }"),
        None,
    )
    assert shape(p) == [
        (0, "cda", (), None, None),
        (0, "atmo", (), None, None),
        (1, "cda", ("spaces", "nodes", "building"), "Building", "rnbId"),
    ]
    assert "bs: buildings" in p.roots[0].operation  # aliases are kept as response keys


def test_fragments_aliases_and_variable_conditions() -> None:
    doc = parse(
        """
        query Q($lines: Boolean!, $n: Int) {
          buildings(first: $n) {
            nodes { ...Parts  lignes: materialLines @include(if: $lines) { lot } }
          }
        }
        fragment Parts on Building { name ... @skip(if: true) { address } spaces { code } }
        """
    )
    p = plan(demo(), doc, "Q")
    assert shape(p) == [
        (0, "cda", (), None, None),
        (1, "atmo", ("buildings", "nodes"), "Building", "rnbId"),
        (1, "bouygues", ("buildings", "nodes"), "Building", "rnbId"),
    ]
    root, atmo, bouygues = p.fetches()
    assert "address" not in root.operation  # statically skipped
    # cda is the one holder of Building here: its list is asked as written, no fan-out
    assert root.variables == ("n",) and "$n: Int" in root.operation
    assert "_gw_after" not in root.operation and "_gw_edges" not in root.operation
    assert atmo.conditions == () and atmo.variables == ()
    assert [(c.variable, c.include) for c in bouygues.conditions] == [("lines", True)]
    assert bouygues.variables == ("lines",)
    assert "lignes: materialLines @include(if: $lines)" in bouygues.operation
    assert root.operation.startswith("query Q__cda__1(")


def test_requires_fetches_the_required_fields_first_and_sends_them() -> None:
    sg = small(
        a='type Query { products: [Product] }\ntype Product @key(fields: "upc") { upc: ID! }',
        c='type Product @key(fields: "upc") { upc: ID! weight: Int }',
        b='type Product @key(fields: "upc") { upc: ID! weight: Int @external '
        'shipping: Int @requires(fields: "weight") }',
    )
    p = plan(sg, parse("{ products { shipping } }"), None)
    assert shape(p) == [
        (0, "a", (), None, None),
        (1, "c", ("products",), "Product", "upc"),
        (2, "b", ("products",), "Product", "upc weight"),
    ]
    assert "weight" in p.fetches()[1].operation


def test_requires_resolved_by_the_current_subgraph_rides_on_its_fetch() -> None:
    sg = small(
        a='type Query { products: [Product] }\ntype Product @key(fields: "upc") '
        "{ upc: ID! weight: Int }",
        b='type Product @key(fields: "upc") { upc: ID! weight: Int @external '
        'shipping: Int @requires(fields: "weight") }',
    )
    p = plan(sg, parse("{ products { shipping } }"), None)
    assert shape(p) == [(0, "a", (), None, None), (1, "b", ("products",), "Product", "upc weight")]
    assert "weight" in p.roots[0].operation


def test_requires_on_a_field_of_the_subgraph_already_asked_goes_back_to_it() -> None:
    sg = small(
        a='type Query { products: [Product] }\ntype Product @key(fields: "upc") { upc: ID! '
        'weight: Int @external shipping: Int @requires(fields: "weight") }',
        c='type Product @key(fields: "upc") { upc: ID! weight: Int }',
    )
    p = plan(sg, parse("{ products { upc shipping } }"), None)
    assert shape(p) == [
        (0, "a", (), None, None),
        (1, "c", ("products",), "Product", "upc"),
        (2, "a", ("products",), "Product", "upc weight"),
    ]
    assert "shipping" not in p.roots[0].operation


def test_provides_lets_a_subgraph_answer_an_external_field_on_that_path() -> None:
    sg = small(
        r="type Query { reviews: [Review] }\ntype Review { body: String author: User @provides"
        '(fields: "name") }\ntype User @key(fields: "id") { id: ID! name: String @external }',
        u='type User @key(fields: "id") { id: ID! name: String @shareable email: String }',
    )
    assert shape(plan(sg, parse("{ reviews { author { name } } }"), None)) == [
        (0, "r", (), None, None)
    ]
    assert shape(plan(sg, parse("{ reviews { author { name email } } }"), None)) == [
        (0, "r", (), None, None),
        (1, "u", ("reviews", "author"), "User", "id"),
    ]


def test_unplannable_and_unsupported_queries_say_why() -> None:
    with pytest.raises(GatewayError, match="several operations"):
        plan(
            demo(),
            parse("query A { buildings { totalCount } } query B { spaces { totalCount } }"),
            None,
        )
    with pytest.raises(GatewayError, match="the supergraph has no mutation type"):
        plan(demo(), parse("mutation { x }"), None)
    with pytest.raises(GatewayError, match="subscription operations are not supported"):
        plan(demo(), parse("subscription { x }"), None)


def test_a_federation_1_style_stub_with_an_external_key_can_be_joined() -> None:
    sg = small(
        s="type Query { spaces: [Space] }\ntype Space { name: String building: Building }\n"
        'extend type Building @key(fields: "id") { id: ID! @external }',
        b='type Building @key(fields: "id") { id: ID! name: String }',
    )
    p = plan(sg, parse("{ spaces { building { name } } }"), None)
    assert shape(p) == [
        (0, "s", (), None, None),
        (1, "b", ("spaces", "building"), "Building", "id"),
    ]

"""Subgraph sets for the composition comparison with Apollo (``test_composition_vs_apollo``).

Each set maps subgraph names to SDL. No expected verdict is written here: Apollo's
``@apollo/composition`` is the reference. The forms: Federation 1 extensions (Apollo's
historical federation demo), the style ``printSubgraphSchema`` of ``@apollo/subgraph``
prints (written by hand: ``@apollo/subgraph`` is not among the tools ``make apollo``
installs), strawberry's printed SDL (built in :func:`strawberry_sets`), conflicts Apollo
refuses, and more shapes (``EDGES``: nested field sets, chains of keys, arguments, enums,
several problems at once).
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import federation

Sets = dict[str, dict[str, str]]

V2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", '
    '"@shareable", "@external", "@requires", "@provides", "@override", "@inaccessible", '
    '"@interfaceObject", "@extends"])\n'
)


def _printed(imports: str) -> str:
    """The schema extension as ``printSubgraphSchema`` prints it."""
    return (
        "extend schema\n"
        f'  @link(url: "https://specs.apollo.dev/federation/v2.3", import: [{imports}])\n\n'
    )


# Apollo's federation demo, Federation 1 style: every subgraph extends what another defines.
FED1_DEMO = {
    "accounts": 'extend type Query { me: User }\ntype User @key(fields: "id") '
    "{ id: ID! name: String username: String }",
    "inventory": 'extend type Product @key(fields: "upc") { upc: String! @external '
    "weight: Int @external price: Int @external inStock: Boolean "
    'shippingEstimate: Int @requires(fields: "price weight") }',
    "products": "extend type Query { topProducts(first: Int = 5): [Product] }\n"
    'type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }',
    "reviews": 'type Review @key(fields: "id") { id: ID! body: String '
    'author: User @provides(fields: "username") product: Product }\n'
    'extend type User @key(fields: "id") { id: ID! @external username: String @external '
    "reviews: [Review] }\n"
    'extend type Product @key(fields: "upc") { upc: String! @external reviews: [Review] }',
}

FED1: Sets = {
    "fed1 demo (accounts, inventory, products, reviews)": FED1_DEMO,
    "fed1 products and reviews": {
        "products": "extend type Query { topProducts: [Product] }\n"
        'type Product @key(fields: "id") { id: ID! name: String }',
        "reviews": "type Review { body: String product: Product }\n"
        'extend type Product @key(fields: "id") { id: ID! @external reviews: [Review] }',
    },
    "fed1 value type in two subgraphs": {
        "a": "type Query { a: Money }\ntype Money { amount: Int currency: String }",
        "b": "type Query { b: Money }\ntype Money { amount: Int currency: String }",
    },
    "fed1 entity field in two subgraphs": {
        "a": 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! name: String }',
        "b": 'type Query { b: P }\ntype P @key(fields: "id") { id: ID! name: String }',
    },
    "fed1 root field in two subgraphs": {
        "a": "type Query { a: Int }",
        "b": "type Query { a: Int }",
    },
    "fed1 only extend type Query": {"a": "extend type Query { a: Int }"},
    "fed1 @extends instead of extend": {
        "a": 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! name: String }',
        "b": 'type P @extends @key(fields: "id") { id: ID! @external price: Int }',
    },
    "fed1 unused @external": {
        "a": 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int }',
        "b": 'extend type P @key(fields: "id") { id: ID! @external w: Int @external v: Int }',
    },
    "fed1 @provides on a field that is not external": {
        "a": 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int }',
        "b": 'type Query { b: P @provides(fields: "w") }\n'
        'extend type P @key(fields: "id") { id: ID! @external w: Int }',
    },
    "fed1 interface implemented by an extended entity": {
        "a": "type Query { a: [Node] }\ninterface Node { id: ID! }\n"
        'type P implements Node @key(fields: "id") { id: ID! name: String }',
        "b": 'extend type P @key(fields: "id") { id: ID! @external price: Int }',
    },
    "fed1 schema definition naming its root": {
        "a": "schema { query: RootQuery }\ntype RootQuery { a: Int }",
        "b": "type Query { b: Int }",
    },
    "fed1 and fed2 subgraphs together": {
        "products": V2 + "type Query { topProducts: [Product] }\n"
        'type Product @key(fields: "upc") { upc: String! name: String }',
        "reviews": 'extend type Product @key(fields: "upc") { upc: String! @external '
        "reviews: [String] }",
    },
    # refusals
    "fed1 extension of a type nobody defines": {
        "b": "type Query { b: Int }\n"
        'extend type P @key(fields: "id") { id: ID! @external price: Int }',
    },
    "fed1 @requires of a field external everywhere": {
        "a": 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! name: String }',
        "b": 'extend type P @key(fields: "id") { id: ID! @external weight: Int @external '
        'price: Int @requires(fields: "weight") }',
    },
    "fed1 value type with different fields": {
        "a": "type Query { a: Money }\ntype Money { amount: Int currency: String }",
        "b": "type Query { b: Money }\ntype Money { amount: Int }",
    },
    "fed1 external key on a type that is not an extension": {
        "a": 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! name: String }',
        "b": 'type Query { b: P }\ntype P @key(fields: "id") { id: ID! @external price: Int }',
    },
    "fed1 conflicting field types": {
        "a": "type Query { t: T }\ntype T { x: Int }",
        "b": "type Query { u: T }\ntype T { x: String }",
    },
    "fed2 non-shareable field also in a fed1 subgraph": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! name: String }',
        "b": 'type Query { b: P }\ntype P @key(fields: "id") { id: ID! name: String }',
    },
}

APOLLO_PRINTED: Sets = {
    "printed fed2 demo": {
        "accounts": _printed('"@key"')
        + "type Query {\n  me: User\n}\n\n"
        + 'type User\n  @key(fields: "id")\n{\n  id: ID!\n  name: String\n  username: String\n}\n',
        "products": _printed('"@key", "@shareable"')
        + "type Query {\n  topProducts(first: Int = 5): [Product]\n}\n\n"
        + 'type Product\n  @key(fields: "upc")\n{\n  upc: String!\n  name: String\n'
        + "  price: Int\n  weight: Int\n}\n",
        "inventory": _printed('"@key", "@external", "@requires"')
        + 'type Product\n  @key(fields: "upc")\n{\n  upc: String!\n  weight: Int @external\n'
        + "  price: Int @external\n"
        "  inStock: Boolean\n"
        '  shippingEstimate: Int @requires(fields: "price weight")\n'
        "}\n",
        "reviews": _printed('"@key", "@external", "@provides"')
        + 'type Review\n  @key(fields: "id")\n{\n  id: ID!\n  body: String\n'
        + '  author: User @provides(fields: "username")\n  product: Product\n}\n\n'
        + 'type User\n  @key(fields: "id")\n{\n  id: ID!\n  username: String @external\n'
        + "  reviews: [Review]\n}\n\n"
        + 'type Product\n  @key(fields: "upc")\n{\n  upc: String!\n  reviews: [Review]\n}\n',
    },
    "printed shareable value type": {
        "a": _printed('"@shareable"')
        + "type Query {\n  a: Money\n}\n\ntype Money\n  @shareable\n{\n  amount: Int\n}\n",
        "b": _printed('"@shareable"')
        + "type Query {\n  b: Money\n}\n\ntype Money\n  @shareable\n{\n  amount: Int\n}\n",
    },
    "printed compound and nested keys": {
        "a": _printed('"@key"')
        + "type Query {\n  a: Seat\n}\n\n"
        + 'type Seat\n  @key(fields: "row number")\n  @key(fields: "hall { id }")\n{\n'
        + "  row: Int!\n  number: Int!\n  hall: Hall!\n  price: Int\n}\n\n"
        + "type Hall {\n  id: ID!\n}\n",
        "b": _printed('"@key"')
        + 'type Seat\n  @key(fields: "row number")\n{\n  row: Int!\n  number: Int!\n'
        + "  booked: Boolean\n}\n",
    },
    "printed @override": {
        "a": _printed('"@key"')
        + 'type Query {\n  a: P\n}\n\ntype P\n  @key(fields: "id")\n{\n  id: ID!\n  w: Int\n}\n',
        "b": _printed('"@key", "@override"')
        + 'type P\n  @key(fields: "id")\n{\n  id: ID!\n  w: Int @override(from: "a")\n}\n',
    },
    "printed interface object": {
        "a": _printed('"@key"')
        + 'type Query {\n  media: [Media]\n}\n\ninterface Media\n  @key(fields: "id")\n{\n'
        + '  id: ID!\n}\n\ntype Book implements Media\n  @key(fields: "id")\n{\n  id: ID!\n'
        + "  title: String\n}\n",
        "b": _printed('"@key", "@interfaceObject"')
        + 'type Media\n  @key(fields: "id")\n  @interfaceObject\n{\n  id: ID!\n  stars: Int\n}\n',
    },
    "printed non-resolvable reference": {
        "a": _printed('"@key"') + "type Query {\n"
        "  a: P\n"
        "}\n"
        "\n"
        "type P\n"
        '  @key(fields: "id")\n'
        "{\n"
        "  id: ID!\n"
        "  name: String\n"
        "}\n",
        "b": _printed('"@key"')
        + "type Query {\n  b: R\n}\n\ntype R {\n  p: P\n}\n\n"
        + 'type P\n  @key(fields: "id", resolvable: false)\n{\n  id: ID!\n}\n',
    },
    # refusals
    "printed non-shareable value type": {
        "a": _printed('"@key"') + "type Query {\n  a: Money\n}\n\ntype Money {\n  amount: Int\n}\n",
        "b": _printed('"@key"') + "type Query {\n  b: Money\n}\n\ntype Money {\n  amount: Int\n}\n",
    },
    "printed only non-resolvable keys": {
        "a": _printed('"@key"')
        + 'type Query {\n  a: P\n}\n\ntype P\n  @key(fields: "id", resolvable: false)\n{\n'
        + "  id: ID!\n}\n",
        "b": _printed('"@key"')
        + 'type Query {\n  b: P\n}\n\ntype P\n  @key(fields: "id", resolvable: false)\n{\n'
        + "  id: ID!\n  name: String\n}\n",
    },
}

CONFLICTS: Sets = {
    "external key on a reachable type that is not an extension": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! name: String }',
        "b": V2 + 'type Query { b: P }\ntype P @key(fields: "id") { id: ID! @external price: Int }',
    },
    "external key on a reachable extension": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! name: String }',
        "b": V2 + "type Query { b: P }\n"
        'extend type P @key(fields: "id") { id: ID! @external price: Int }',
    },
    "external key on an unreachable type": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! name: String }',
        "b": V2 + 'type P @key(fields: "id") { id: ID! @external price: Int }',
    },
    "fed2 extension of a type nobody defines": {
        "b": V2 + "type Query { b: P }\n"
        'extend type P @key(fields: "id") { id: ID! @external price: Int }',
    },
    "fed2 entity field in two subgraphs": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! name: String }',
        "b": V2 + 'type Query { b: P }\ntype P @key(fields: "id") { id: ID! name: String }',
    },
    "fed2 root field in two subgraphs": {
        "a": V2 + "type Query { a: Int }",
        "b": V2 + "type Query { a: Int }",
    },
    "key on a list field": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "ids") { ids: [ID!]! name: String }',
    },
    "key on an interface field": {
        "a": V2 + "type Query { a: P }\ninterface N { x: Int }\ntype M implements N { x: Int }\n"
        'type P @key(fields: "n") { n: N name: String }',
    },
    "key on an object field without a selection": {
        "a": V2 + "type Query { a: P }\ntype O { x: Int }\n"
        'type P @key(fields: "o") { o: O name: String }',
    },
    "key on a field with arguments": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id(x: Int): ID name: String }',
    },
    "key naming a missing field": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "code") { id: ID! name: String }',
    },
    "object in one subgraph, interface in another": {
        "a": V2 + "type Query { a: T }\ntype T @shareable { x: Int }",
        "b": V2 + "type Query { b: T }\ninterface T { x: Int }",
    },
    "@requires of a field that is not external": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int }',
        "b": V2 + 'type P @key(fields: "id") { id: ID! w: Int v: Int @requires(fields: "w") }',
    },
    "@provides of a field that is not external": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int }',
        "b": V2 + 'type Query { b: P @provides(fields: "w") }\n'
        'type P @key(fields: "id") { id: ID! w: Int }',
    },
    "@override of its own subgraph": {
        "a": V2 + "type Query { a: P }\n"
        'type P @key(fields: "id") { id: ID! w: Int @override(from: "a") }',
    },
    "unused @external": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int }',
        "b": V2 + 'type P @key(fields: "id") { id: ID! w: Int @external v: Int }',
    },
    "enum with different values": {
        "a": V2 + "type Query { a(e: E): E }\nenum E { X Y }",
        "b": V2 + "type Query { b(e: E): E }\nenum E { X }",
    },
    "required input field missing in a subgraph": {
        "a": V2 + "type Query { a(i: I): Int }\ninput I { x: Int! y: Int }",
        "b": V2 + "type Query { b(i: I): Int }\ninput I { y: Int }",
    },
    "argument types differ": {
        "a": V2 + "type Query { a: T }\ntype T @shareable { x(n: Int): Int }",
        "b": V2 + "type Query { b: T }\ntype T @shareable { x(n: String): Int }",
    },
    "field types differ": {
        "a": V2 + "type Query { t: T }\ntype T @shareable { x: Int }",
        "b": V2 + "type Query { u: T }\ntype T @shareable { x: String }",
    },
    "field nullability differs": {
        "a": V2 + "type Query { t: T }\ntype T @shareable { x: [Int!]! }",
        "b": V2 + "type Query { u: T }\ntype T @shareable { x: [Int] }",
    },
    "list and single value": {
        "a": V2 + "type Query { t: T }\ntype T @shareable { x: [Int] }",
        "b": V2 + "type Query { u: T }\ntype T @shareable { x: Int }",
    },
    "interface object without the interface": {
        "a": V2 + 'type Query { a: M }\ntype M @key(fields: "id") @interfaceObject { id: ID! }',
    },
    "no query root": {"a": V2 + "type T { x: Int }"},
    "unknown directive": {"a": V2 + "type Query { a: Int @foo }"},
    "SDL that does not parse": {"a": V2 + "type Query { a: Int"},
    "undefined type": {"a": V2 + "type Query { a: Missing }"},
    "shareable value type with a field in one subgraph only": {
        "a": V2 + "type Query { t: T }\ntype T @shareable { x: Int y: Int }",
        "b": V2 + "type Query { u: T }\ntype T @shareable { x: Int }",
    },
    "entity field only in a subgraph where it has no key": {
        "a": V2 + 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! x: Int }',
        "b": V2 + "type Query { u: T }\ntype T @shareable { id: ID! y: Int }",
    },
    "union members differ": {
        "a": V2 + "type Query { t: U }\nunion U = A | B\n"
        "type A @shareable { x: Int }\ntype B @shareable { y: Int }",
        "b": V2 + "type Query { u: U }\nunion U = A\ntype A @shareable { x: Int }",
    },
}


# more shapes, accepted and refused: nested field sets, chains of keys, arguments, enums
EDGES: Sets = {
    "nested @requires on a shareable value type": {
        "a": V2 + "type Query { a: P }\n"
        'type P @key(fields: "id") { id: ID! dims: Dims }\n'
        "type Dims @shareable { w: Int h: Int }",
        "b": V2 + 'type P @key(fields: "id") { id: ID! dims: Dims @external '
        'area: Int @requires(fields: "dims { w h }") }\n'
        "type Dims @shareable { w: Int h: Int }",
    },
    "mutation fields in two subgraphs": {
        "a": V2 + "type Query { a: Int }\ntype Mutation { doA: Int }",
        "b": V2 + "type Query { b: Int }\ntype Mutation { doB: Int }",
    },
    "inaccessible shareable field": {
        "a": V2 + "type Query { t: T }\ntype T @shareable { x: Int y: Int @inaccessible }",
        "b": V2 + "type Query { u: T }\ntype T @shareable { x: Int y: Int }",
    },
    "@tag used but not imported": {
        "a": V2 + 'type Query { t: T @tag(name: "public") }\n'
        'type T @key(fields: "id") @tag(name: "public") { id: ID! x: Int @tag(name: "internal") }',
    },
    "@tag imported, and @federation__shareable": {
        "a": 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
        'import: ["@key", "@tag"])\n'
        'type Query { t: T @tag(name: "public") }\n'
        'type T @key(fields: "id") @tag(name: "public") { id: ID! x: Int @tag(name: "internal") }\n'
        "type V @federation__shareable { y: Int }",
        "b": 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: [])\n'
        "type Query { v: V }\ntype V @federation__shareable { y: Int }",
    },
    "entity reached through a chain of keys": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! }',
        "b": V2 + 'type P @key(fields: "id") @key(fields: "code") { id: ID! code: String! }',
        "c": V2 + 'type P @key(fields: "code") { code: String! price: Int }',
    },
    "key fields only in a subgraph without a key": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! }',
        "b": V2 + 'type P @key(fields: "code") { code: String! price: Int }',
    },
    "override takes over a field": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int }',
        "b": V2 + 'type P @key(fields: "id") { id: ID! w: Int @override(from: "a") v: Int }',
    },
    "input with an optional field in one subgraph": {
        "a": V2 + "type Query { a(i: I): Int }\ninput I { x: Int y: Int }",
        "b": V2 + "type Query { b(i: I): Int }\ninput I { x: Int }",
    },
    "output enum with different values": {
        "a": V2 + "type Query { a: E }\nenum E { X Y }",
        "b": V2 + "type Query { b: E }\nenum E { X }",
    },
    "custom scalar in two subgraphs": {
        "a": V2 + "scalar DateTime\ntype Query { a: DateTime }",
        "b": V2 + "scalar DateTime\ntype Query { b: DateTime }",
    },
    "type defined and extended in one subgraph": {
        "a": V2 + "type Query { a: P }\n"
        "extend type Query { b: Int }\n"
        'type P @key(fields: "id") { id: ID! }\n'
        "extend type P { name: String }",
    },
    "fed1 extend Mutation": {
        "a": "type Query { a: Int }",
        "b": "extend type Mutation { doB: Int }",
    },
    "interface implemented in two subgraphs": {
        "a": V2 + "type Query { nodes: [Node] }\n"
        "interface Node { id: ID! }\n"
        'type P implements Node @key(fields: "id") { id: ID! name: String }',
        "b": V2 + "interface Node { id: ID! }\n"
        'type Q implements Node @key(fields: "id") { id: ID! size: Int }\n'
        'type P @key(fields: "id") { id: ID! price: Int }',
    },
    "nested @provides": {
        "a": V2 + "type Query { a: P }\n"
        'type P @key(fields: "id") { id: ID! owner: U }\n'
        'type U @key(fields: "id") { id: ID! name: String @shareable }',
        "b": V2 + 'type Query { b: P @provides(fields: "owner { name }") }\n'
        'type P @key(fields: "id") { id: ID! owner: U @external }\n'
        'type U @key(fields: "id") { id: ID! name: String @external }',
    },
    "field only in a subgraph with a non-resolvable key": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! }',
        "b": V2 + 'type P @key(fields: "id", resolvable: false) { id: ID! extra: Int }',
    },
    "root field returning an entity only another subgraph resolves": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id", resolvable: false) { id: ID! }',
        "b": V2 + 'type Query { b: Int }\ntype P @key(fields: "id") { id: ID! name: String }',
    },
    "fed1 @requires on an extension": {
        "a": 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int }',
        "b": 'extend type P @key(fields: "id") { id: ID! @external w: Int @external '
        'v: Int @requires(fields: "w") }',
    },
    "unused external on a fed2 extension": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int }',
        "b": V2 + 'extend type P @key(fields: "id") { id: ID! @external w: Int @external v: Int }',
    },
    "@shareable on one side only": {
        "a": V2 + "type Query { t: T }\ntype T { x: Int @shareable }",
        "b": V2 + "type Query { u: T }\ntype T { x: Int }",
    },
    "argument only in one subgraph": {
        "a": V2 + "type Query { t: T }\ntype T @shareable { x(n: Int): Int }",
        "b": V2 + "type Query { u: T }\ntype T @shareable { x: Int }",
    },
    "required argument only in one subgraph": {
        "a": V2 + "type Query { t: T }\ntype T @shareable { x(n: Int!): Int }",
        "b": V2 + "type Query { u: T }\ntype T @shareable { x: Int }",
    },
    "requires field only elsewhere unreachable": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! }',
        "b": V2
        + 'type P @key(fields: "id") { id: ID! w: Int @external v: Int @requires(fields: "w") }',
        "c": V2 + 'type P @key(fields: "code", resolvable: false) { code: ID! w: Int }',
    },
    "interface field not in implementation subgraph": {
        "a": V2 + "type Query { n: Node }\n"
        "interface Node { id: ID! name: String }\n"
        'type P implements Node @key(fields: "id") { id: ID! name: String }',
        "b": V2 + "interface Node { id: ID! name: String }\n"
        'type Q implements Node @key(fields: "id") { id: ID! name: String }',
    },
    "interface returned where an implementation is unknown": {
        "a": V2 + "type Query { n: Node }\n"
        "interface Node { id: ID! }\n"
        "type P implements Node { id: ID! }",
        "b": V2 + "interface Node { id: ID! }\ntype Q implements Node { id: ID! }",
    },
    "provides allows a field with no key": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int @shareable }',
        "b": V2 + "type Query { b: R }\n"
        'type R { p: P @provides(fields: "w") }\n'
        "type P { id: ID! w: Int @external }",
    },
    "two keys, the reachable one resolvable": {
        "a": V2
        + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! sku: String @shareable }',
        "b": V2 + 'type P @key(fields: "sku") { sku: String! price: Int }',
    },
    "mutation returning entity in another subgraph": {
        "a": V2 + "type Query { a: Int }\n"
        "type Mutation { make: P }\n"
        'type P @key(fields: "id") { id: ID! }',
        "b": V2 + 'type P @key(fields: "id") { id: ID! name: String }',
    },
    "value type nested in entity differs": {
        "a": V2 + "type Query { a: P }\n"
        'type P @key(fields: "id") { id: ID! loc: Loc }\n'
        "type Loc @shareable { lat: Float }",
        "b": V2 + "type Query { b: Loc }\ntype Loc @shareable { lat: Float lng: Float }",
    },
    "union member only known elsewhere": {
        "a": V2 + 'type Query { s: [R] }\nunion R = A\ntype A @key(fields: "id") { id: ID! }',
        "b": V2
        + 'union R = A | B\ntype A @key(fields: "id") { id: ID! x: Int }\ntype B { y: Int }',
    },
    "inaccessible field only in one": {
        "a": V2
        + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! secret: Int @inaccessible }',
        "b": V2 + 'type Query { b: P }\ntype P @key(fields: "id", resolvable: false) { id: ID! }',
    },
    "provided field on a type without a key": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int @shareable }',
        "b": V2 + "type Query { b: R }\n"
        'type R { p: P @provides(fields: "w") }\n'
        "type P { id: ID! @shareable w: Int @external }",
    },
    "interface object adds a field to every implementation": {
        "a": V2 + "type Query { media: [Media] }\n"
        'interface Media @key(fields: "id") { id: ID! }\n'
        'type Book implements Media @key(fields: "id") { id: ID! }\n'
        'type Film implements Media @key(fields: "id") { id: ID! }',
        "b": V2 + "type Query { top: Media }\n"
        'type Media @key(fields: "id") @interfaceObject { id: ID! stars: Int }',
    },
    "entity interface missing a key on an implementation": {
        "a": V2 + "type Query { media: [Media] }\n"
        'interface Media @key(fields: "id") { id: ID! }\n'
        "type Book implements Media { id: ID! }",
        "b": V2 + 'type Media @key(fields: "id") @interfaceObject { id: ID! stars: Int }',
    },
    "external field with different type than base": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "id") { id: ID! w: Int }',
        "b": V2
        + 'type P @key(fields: "id") { id: ID! w: String @external v: Int @requires(fields: "w") }',
    },
    # several problems: a subgraph's own rules stop before the merge, the merge before
    # satisfiability
    "override of itself and a type mismatch": {
        "a": V2 + "type Query { a: P }\n"
        'type P @key(fields: "id") { id: ID! w: Int @override(from: "a") }',
        "b": V2 + "type Query { b: T }\ntype T @shareable { x: Int }",
        "c": V2 + "type Query { c: T }\ntype T @shareable { x: String }",
    },
    "sharing conflict and an unsatisfiable field": {
        "a": V2 + "type Query { a: Int t: T }\ntype T @shareable { x: Int y: Int }",
        "b": V2 + "type Query { a: Int u: T }\ntype T @shareable { x: Int }",
    },
    "subgraph rule and a merge conflict": {
        "a": V2 + 'type Query { a: P }\ntype P @key(fields: "nope") { id: ID! }',
        "b": V2 + "type Query { a: Int }",
        "c": V2 + "type Query { a: Int }",
    },
}


def _service_sdl(schema: federation.Schema) -> str:
    result = schema.execute_sync("{ _service { sdl } }")
    data: Any = result.data
    return str(data["_service"]["sdl"])


@federation.type(keys=["upc"])
class Product:
    upc: str
    name: str | None
    weight: int | None


@federation.type(name="Query")
class ProductsQuery:
    @strawberry.field
    def top_products(self) -> list[Product]:
        return []


@federation.type
class Review:
    body: str


@federation.type(keys=["upc"], name="Product")
class ReviewedProduct:
    upc: str
    reviews: list[Review]


@federation.type(name="Query")
class ReviewsQuery:
    @strawberry.field
    def review_count(self) -> int:
        return 0


@federation.type(keys=["upc"], name="Product")
class ShippedProduct:
    upc: str
    weight: int | None = federation.field(external=True)

    @federation.field(requires=["weight"])
    def shipping_estimate(self) -> int:
        return 0


@federation.type(keys=["upc"], name="Product")
class CopiedProduct:
    upc: str
    name: str | None


@federation.type(name="Query")
class CopyQuery:
    @strawberry.field
    def copies(self) -> list[CopiedProduct]:
        return []


@federation.type(shareable=True)
class PageInfo:
    has_next_page: bool


@federation.type(name="Query")
class PagedQuery:
    @strawberry.field
    def page(self) -> PageInfo:
        return PageInfo(has_next_page=False)


@federation.type(keys=["upc"], name="Product")
class ForgottenProduct:
    upc: str
    name: str | None = federation.field(external=True)
    stock: int


@federation.type(keys=["upc"], name="Product")
class OverridingProduct:
    upc: str
    name: str | None = federation.field(override="products")


def strawberry_sets() -> Sets:
    """Tiny strawberry.federation subgraphs (``federation_version="2.7"``), as they print
    their ``_service { sdl }`` (and ``schema.as_str()`` once)."""
    products = federation.Schema(query=ProductsQuery, federation_version="2.7")
    reviews = federation.Schema(
        query=ReviewsQuery, types=[ReviewedProduct], federation_version="2.7"
    )
    inventory = federation.Schema(query=None, types=[ShippedProduct], federation_version="2.7")
    copy = federation.Schema(query=CopyQuery, federation_version="2.7")
    paged = federation.Schema(query=PagedQuery, federation_version="2.7")
    forgotten = federation.Schema(query=None, types=[ForgottenProduct], federation_version="2.7")
    overriding = federation.Schema(query=None, types=[OverridingProduct], federation_version="2.7")
    sdl = {
        "products": _service_sdl(products),
        "reviews": _service_sdl(reviews),
        "inventory": _service_sdl(inventory),
    }
    return {
        "strawberry products, reviews, inventory": sdl,
        "strawberry @requires of a field no subgraph resolves": {
            "reviews": sdl["reviews"],
            "inventory": sdl["inventory"],
        },
        "strawberry schema.as_str()": {"products": products.as_str(), "reviews": reviews.as_str()},
        "strawberry shareable type in two subgraphs": {
            "a": _service_sdl(paged),
            "b": _service_sdl(paged).replace("page:", "otherPage:"),
        },
        "strawberry @override": {"products": sdl["products"], "o": _service_sdl(overriding)},
        "strawberry entity field in two subgraphs": {
            "products": sdl["products"],
            "copy": _service_sdl(copy),
        },
        "strawberry unused external": {
            "products": sdl["products"],
            "forgotten": _service_sdl(forgotten),
        },
    }


# A root field several subgraphs resolve (as partition holders do): a path may start in
# any of them, so a field only one of them serves is reachable, unless no start serves it.
SHARED_ROOTS: Sets = {
    "shared root, value-type field in one subgraph only": {
        "a": V2 + "type Query { stats: Stats @shareable }\n"
        "type Stats @shareable { count: Int group: Group }\n"
        "type Group @shareable { commune: String address: String }",
        "b": V2 + "type Query { stats: Stats @shareable }\n"
        "type Stats @shareable { count: Int group: Group }\n"
        "type Group @shareable { commune: String }",
    },
    "shared root, a field neither start can serve": {
        "a": V2 + "type Query { stats: Stats @shareable }\ntype Stats @shareable { count: Int }",
        "b": V2 + "type Query { stats: Stats @shareable }\ntype Stats @shareable { count: Int }",
        "c": V2 + "type Query { other: Int }\ntype Stats @shareable { share: Float }",
    },
    "shared root list of entities, a field in one holder, keys in both": {
        "a": V2 + "type Query { buildings: [Building] @shareable }\n"
        'type Building @key(fields: "id") @shareable { id: ID! name: String carbon: Int }',
        "b": V2 + "type Query { buildings: [Building] @shareable }\n"
        'type Building @key(fields: "id") @shareable { id: ID! name: String }',
    },
    "shared root, value type nested twice, deepest field in one subgraph": {
        "a": V2 + "type Query { page: Page @shareable }\n"
        "type Page @shareable { info: Info }\ntype Info @shareable { end: String total: Int }",
        "b": V2 + "type Query { page: Page @shareable }\n"
        "type Page @shareable { info: Info }\ntype Info @shareable { end: String }",
    },
}


def all_sets() -> Sets:
    return {**FED1, **APOLLO_PRINTED, **CONFLICTS, **EDGES, **SHARED_ROOTS, **strawberry_sets()}

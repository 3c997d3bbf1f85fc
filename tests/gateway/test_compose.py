"""Composition of subgraph SDLs into the supergraph, and the conflicts it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLObjectType

from connector.errors import ConfigError, GatewayError
from connector.gateway import compose, parse_subgraph
from connector.gateway._config import load_supergraph_config, parse_subgraph_args
from tests.gateway.conftest import demo_sdls

FED = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@external", "@requires", "@provides", "@override"])\n'
)


def sub(name: str, sdl: str) -> object:
    return parse_subgraph(name, f"http://{name}/graphql", FED + sdl)


def test_demo_nodes_compose_with_each_field_owned_by_its_partner() -> None:
    sdls = demo_sdls()
    sg = compose([parse_subgraph(n, f"http://{n}/graphql", s) for n, s in sdls.items()])
    building = sg.schema.get_type("Building")
    assert isinstance(building, GraphQLObjectType)
    assert {"name", "floorArea", "energyUses", "spaces", "materialLines"} <= set(building.fields)
    assert sg.resolvers("Building", "floorArea") == ("cda",)
    assert sg.resolvers("Building", "spaces") == ("atmo",)
    assert sg.resolvers("Building", "materialLines") == ("bouygues",)
    assert sg.resolvers("Building", "rnbId") == ("cda", "atmo", "bouygues")  # key field
    assert sg.resolvers("PageInfo", "hasNextPage") == ("cda", "atmo", "bouygues")  # @shareable
    assert sg.resolvers("Query", "buildings") == ("cda",)
    assert sg.resolvers("Query", "spaces") == ("atmo",)
    assert sg.resolvers("ProductDeclaration", "name") == ("cda",)
    assert set(sg.keys["Building"]) == {"cda", "atmo", "bouygues"}
    query = sg.schema.query_type
    assert query is not None
    assert "_entities" not in query.fields and "_service" not in query.fields
    assert sg.schema.get_type("_Any") is None and sg.schema.get_type("_Entity") is None
    # the composed @term directive survives, federation directives do not
    # (cda's register declares its part of Building: three partners hold buildings)
    assert 'type Building @term(iri: "https://w3id.org/bot#Building") @partition(' in sg.sdl
    assert "@key" not in sg.sdl and "@shareable" not in sg.sdl


def test_the_five_demo_nodes_compose_with_three_holders_of_building() -> None:
    from tests.connector.graphql.test_composition import demo_sdls as five

    sdls = five()
    assert list(sdls) == ["cda", "atmo", "bouygues", "lagord", "bailleur"]
    sg = compose([parse_subgraph(n, f"http://{n}/graphql", s) for n, s in sdls.items()])
    assert sg.partitions.problems == ()
    holders = {
        t: [(h.subgraph, len(h.communes), h.usages, h.key_prefixes) for h in p.holders]
        for t, p in sg.partitions.types.items()
    }
    assert holders == {
        "Building": [
            ("cda", 27, ("health", "individual_house", "office", "retail", "school", "sports"), ()),
            ("lagord", 1, ("childcare", "culture", "office", "school", "sports", "worship"), ()),
            ("bailleur", 0, ("collective_housing",), ()),
        ],
        "EnergyUse": [
            ("cda", 0, (), tuple("123456789")),
            ("lagord", 0, (), ("LAG-",)),
        ],
    }
    assert sg.resolvers("Query", "buildings") == ("cda", "lagord", "bailleur")
    assert sg.resolvers("Building", "carbon") == ("cda",)
    assert sg.resolvers("Building", "energyUses") == ("cda", "lagord")


def test_two_subgraphs_owning_the_same_non_shareable_field_do_not_compose() -> None:
    # (atmo's: cda's Building is a partition, shareable, and a copy of it a clashing holder)
    atmo = demo_sdls()["atmo"]
    with pytest.raises(GatewayError) as err:
        compose(
            [parse_subgraph("atmo", "http://a", atmo), parse_subgraph("copy", "http://b", atmo)]
        )
    message = str(err.value)
    assert "non-shareable field Space.name is resolved by subgraphs 'atmo', 'copy'" in message
    assert "Space.id" not in message  # key fields are shareable


def test_conflicting_field_types_name_the_subgraphs() -> None:
    a = sub("a", "type Query { t: T }\ntype T @shareable { x: Int }")
    b = sub("b", "type Query { u: T }\ntype T @shareable { x: String }")
    with pytest.raises(GatewayError) as err:
        compose([a, b])  # type: ignore[list-item]
    assert "field T.x has conflicting types: Int in 'a', String in 'b'" in str(err.value)


def test_subgraph_rules_are_reported_before_conflicts_between_subgraphs() -> None:
    """As Apollo does: a subgraph breaking its own rules (a @key naming a missing field) is
    refused before merging; once fixed, the @external nobody resolves is reported."""
    a = sub(
        "a",
        'type Query { t: T }\ntype T @key(fields: "id") { id: ID! w: Int @external'
        ' v: Int @requires(fields: "w") }',
    )
    b = sub("b", 'type U @key(fields: "code") { id: ID! }\ntype Query { u: U }')
    with pytest.raises(GatewayError) as err:
        compose([a, b])  # type: ignore[list-item]
    assert err.value.codes == ("KEY_INVALID_FIELDS",)
    assert "key field U.code is not defined in subgraph 'b'" in str(err.value)
    fixed = sub("b", 'type U @key(fields: "id") { id: ID! }\ntype Query { u: U }')
    with pytest.raises(GatewayError) as err:
        compose([a, fixed])  # type: ignore[list-item]
    assert err.value.codes == ("EXTERNAL_MISSING_ON_BASE",)
    assert "field T.w is @external in subgraph(s) 'a' but no subgraph resolves it" in str(err.value)


def test_requires_must_name_external_fields() -> None:
    a = sub("a", 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! w: Int }')
    b = sub(
        "b",
        'type T @key(fields: "id") { id: ID! x: Int @requires(fields: "y") y: Int }',
    )
    with pytest.raises(GatewayError) as err:
        compose([a, b])  # type: ignore[list-item]
    assert "T.y must be declared @external in subgraph 'b'" in str(err.value)


def test_override_moves_ownership_without_a_conflict() -> None:
    a = sub("a", 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! w: Int }')
    b = sub("b", 'type T @key(fields: "id") { id: ID! w: Int @override(from: "a") }')
    sg = compose([a, b])  # type: ignore[list-item]
    assert sg.resolvers("T", "w") == ("b",)


def test_malformed_sdl_names_the_subgraph() -> None:
    with pytest.raises(GatewayError, match="subgraph 'broken': SDL does not parse"):
        parse_subgraph("broken", "http://x", "type Query { a: Int")
    with pytest.raises(GatewayError, match="subgraph 'dangling': SDL is not a valid schema"):
        parse_subgraph("dangling", "http://x", "type Query { a: Missing }")


def test_supergraph_config_file(tmp_path: Path) -> None:
    (tmp_path / "a.graphql").write_text("type Query { a: Int }", encoding="utf-8")
    config = tmp_path / "supergraph.toml"
    config.write_text(
        '[subgraphs.a]\nrouting_url = "http://127.0.0.1:9/graphql"\nschema.file = "a.graphql"\n'
        '[subgraphs.b]\nrouting_url = "ftp://nope"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_supergraph_config(config)
    assert [(i.key, i.message) for i in err.value.issues] == [
        ("subgraphs.b.routing_url", "expected an http(s) URL, got 'ftp://nope'")
    ]
    config.write_text(config.read_text().split("[subgraphs.b]")[0], encoding="utf-8")
    (source,) = load_supergraph_config(config)
    assert (source.name, source.url, source.sdl_file) == (
        "a",
        "http://127.0.0.1:9/graphql",
        tmp_path / "a.graphql",
    )
    with pytest.raises(ConfigError, match="expected NAME=URL"):
        parse_subgraph_args(["cda"])


def test_tag_and_composed_directives_are_passed_through() -> None:
    a = parse_subgraph(
        "a",
        "http://a",
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
        'import: ["@key", "@tag", "@composeDirective"]) @link(url: "https://example.org/x/v1",'
        ' import: ["@unit"]) @composeDirective(name: "@unit")\n'
        "directive @unit(symbol: String!) on FIELD_DEFINITION\n"
        'type Query { t: T @tag(name: "public") }\n'
        'type T @key(fields: "id") @tag(name: "public") { id: ID! w: Float @unit(symbol: "kg")'
        ' old: Int @deprecated(reason: "use w") }',
    )
    sg = compose([a])
    assert 'type T @tag(name: "public") {' in sg.sdl
    assert 't: T @tag(name: "public")' in sg.sdl
    assert 'w: Float @unit(symbol: "kg")' in sg.sdl
    assert "directive @tag(name: String!) repeatable on" in sg.sdl
    assert sg.schema.get_directive("unit") is not None
    t = sg.schema.get_type("T")
    assert isinstance(t, GraphQLObjectType)
    assert t.fields["old"].deprecation_reason == "use w"

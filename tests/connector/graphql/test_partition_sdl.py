"""A node declaring a partition of an entity type: its SDL carries ``@partition`` (a
composed directive, imported like ``@term``) and marks the type, its root fields and their
value types ``@shareable``, so that Apollo's composition accepts several holders."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from connector.config import load_config
from connector.config.entities import Partition
from connector.gateway import compose as our_compose
from connector.gateway import parse_subgraph
from connector.graphql import build_schema
from connector.node import Node
from tests.connector.graphql.test_composition import DEMO, compose, demo_sdls
from tests.gateway.partitions import write_holder


def holder_sdl(tmp_path: Path, name: str, partition: str) -> str:
    config = load_config(write_holder(tmp_path, name, [], partition=partition))
    return build_schema(Node.from_config(config)).as_str()


def test_a_partition_is_a_composed_directive_on_a_shareable_type(tmp_path: Path) -> None:
    sdl = holder_sdl(tmp_path, "lagord", '{ communes = ["17200"], key_prefixes = ["LG"] }')
    assert '@composeDirective(name: "@partition")' in sdl
    assert 'import: ["@partition", "@term"]' in sdl
    assert (
        'type Building @term(iri: "https://w3id.org/bot#Building") '
        '@partition(communes: ["17200"], keyPrefixes: ["LG"], usages: null) '
        '@key(fields: "rnbId") @shareable {'
    ) in sdl
    for shared in ("BuildingConnection", "BuildingEdge", "BuildingStats", "BuildingGroup"):
        (line,) = [x for x in sdl.splitlines() if x.startswith(f"type {shared} ")]
        assert line.endswith("@shareable {"), line
    assert '): BuildingConnection @term(iri: "https://w3id.org/bot#Building") @shareable' in sdl
    assert "building(rnbId: RnbId!): Building @term(" in sdl


def test_demo_sdls_carry_their_partitions() -> None:
    """cda, lagord and bailleur hold parts of Building, cda and lagord of EnergyUse; the
    other nodes declare none and have no edges."""
    sdls = demo_sdls()
    for name in ("atmo", "bouygues"):
        assert "@partition(" not in sdls[name] and "Edge" not in sdls[name]
    declared = {
        name: [line for line in sdl.splitlines() if "@partition(" in line and "type " in line]
        for name, sdl in sdls.items()
    }
    assert [line.split(" @")[0] for line in declared["cda"]] == [
        "type Building",
        "type EnergyUse",
    ]
    assert [line.split(" @")[0] for line in declared["lagord"]] == [
        "type Building",
        "type EnergyUse",
    ]
    (landlord,) = declared["bailleur"]
    assert '@partition(communes: null, keyPrefixes: null, usages: ["collective_housing"])' in (
        landlord
    )


def test_two_holders_compose_with_the_demo_nodes_in_apollo_and_ours(tmp_path: Path) -> None:
    demo = demo_sdls()
    sdls = {
        "lagord": holder_sdl(tmp_path, "lagord", '{ communes = ["17200"] }'),
        "aytre": holder_sdl(tmp_path, "aytre", '{ communes = ["17028"] }'),
        "atmo": demo["atmo"],
        "bouygues": demo["bouygues"],
    }
    result = compose(sdls, tmp_path)
    assert result.get("errors") is None, result.get("errors")
    supergraph = str(result["supergraph"])
    assert '@partition(communes: ["17200"], keyPrefixes: null, usages: null)' in supergraph
    assert '@partition(communes: ["17028"], keyPrefixes: null, usages: null)' in supergraph
    ours = our_compose([parse_subgraph(n, f"http://{n}/graphql", s) for n, s in sdls.items()])
    assert [h.subgraph for h in ours.partitions.types["Building"].holders] == ["lagord", "aytre"]
    assert ours.partitions.problems == ()


def richer_cda_and_two_communes(tmp_path: Path) -> dict[str, str]:
    """cda declares its communes; the commune nodes map fewer Building fields."""
    config = load_config(DEMO / "cda.toml")
    building = replace(config.entities["Building"], partition=Partition(communes=("17300",)))
    energy = replace(config.entities["EnergyUse"], partition=Partition(key_prefixes=("CDA-",)))
    cda = replace(config, entities={**config.entities, "Building": building, "EnergyUse": energy})
    demo = demo_sdls()
    return {
        "cda": build_schema(Node.from_config(cda)).as_str(),
        "lagord": holder_sdl(tmp_path, "lagord", '{ communes = ["17200"] }'),
        "aytre": holder_sdl(tmp_path, "aytre", '{ communes = ["17028"] }'),
        "atmo": demo["atmo"],
        "bouygues": demo["bouygues"],
    }


def test_the_agglomeration_partitioned_too_composes_in_apollo(tmp_path: Path) -> None:
    result = compose(richer_cda_and_two_communes(tmp_path), tmp_path)
    assert result.get("errors") is None, result.get("errors")


def test_the_agglomeration_partitioned_too_composes_in_ours(tmp_path: Path) -> None:
    sdls = richer_cda_and_two_communes(tmp_path)
    ours = our_compose([parse_subgraph(n, f"http://{n}/graphql", s) for n, s in sdls.items()])
    holders = ours.partitions.types["Building"].holders
    assert [h.subgraph for h in holders] == ["cda", "lagord", "aytre"]
    assert ours.partitions.problems == ()

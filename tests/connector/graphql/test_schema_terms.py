"""Every type and field of a node's schema names the ontology term it stands for, and
every such term is defined in ``ontology/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import ObjectTypeDefinitionNode, StringValueNode, parse

import ontology
from connector.config import load_config
from connector.graphql import build_schema
from connector.node import Node

# GraphQL plumbing that carries no data of its own: pages (and a partitioned type's Relay
# edges, each row with its cursor) and the federation service.
PLUMBING_TYPES = {"_Service", "PageInfo"}
PLUMBING_FIELDS = {"_service", "_entities", "nodes", "pageInfo", "totalCount"}


def _term(node) -> str | None:
    for d in node.directives or ():
        if d.name.value == "term":
            (arg,) = d.arguments
            assert isinstance(arg.value, StringValueNode)
            return arg.value.value
    return None


def schema_terms(sdl: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for definition in parse(sdl).definitions:
        if not isinstance(definition, ObjectTypeDefinitionNode):
            continue
        name = definition.name.value
        if name in PLUMBING_TYPES or name.endswith(("Connection", "Edge")):
            continue
        if name != "Query":
            out[name] = _term(definition)
        for f in definition.fields:
            if f.name.value not in PLUMBING_FIELDS:
                out[f"{name}.{f.name.value}"] = _term(f)
    return out


def test_every_type_and_field_carries_a_defined_ontology_term(tiny_config) -> None:
    sdl = build_schema(Node.from_config(tiny_config)).as_str()
    terms = schema_terms(sdl)
    assert "Building.floorArea" in terms and "Space.sensors" in terms
    missing = sorted(k for k, v in terms.items() if v is None)
    assert missing == []
    defined = ontology.defined_terms()
    undefined = sorted(f"{k} -> {v}" for k, v in terms.items() if v not in defined)
    assert undefined == []


def test_the_walk_notices_a_field_without_a_term() -> None:
    sdl = 'type Building @term(iri: "x") { rnbId: String! @term(iri: "y") colour: String }'
    assert schema_terms(sdl) == {"Building": "x", "Building.rnbId": "y", "Building.colour": None}


@pytest.mark.parametrize("name", ["cda", "atmo", "bouygues", "lagord", "bailleur"])
def test_demo_node_schemas_carry_defined_terms(name: str) -> None:
    config = load_config(
        Path(__file__).resolve().parents[3] / "connector" / "demo" / f"{name}.toml"
    )
    terms = schema_terms(build_schema(Node.from_config(config)).as_str())
    if name == "atmo":
        assert "Space.indoorAir" in terms and "IndoorAirReport.icone" in terms
    defined = ontology.defined_terms()
    assert sorted(f"{k} -> {v}" for k, v in terms.items() if v is None or v not in defined) == []

"""Every field of a node's schema says what it reads, attached by the schema builder
(like ``@term``), and the request analysis works from those annotations alone: no naming
rule (``...Connection``, ``...Stats``), no field name of ours."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLObjectType, parse
from graphql import build_schema as build_sdl

from connector.config import load_config
from connector.errors import ConfigError
from connector.graphql import build_schema
from connector.graphql._analysis import analyse
from connector.graphql._reads import Computation, Reads, attach, reads_of
from connector.node import Node
from connector.usage import Action, Use

DEMO = Path(__file__).resolve().parents[3] / "connector" / "demo"


def _schema(name: str):
    return build_schema(Node.from_config(load_config(DEMO / f"{name}.toml")))._schema


@pytest.mark.parametrize("name", ["cda", "atmo", "bouygues"])
def test_every_field_of_the_demo_schemas_says_what_it_reads(name: str) -> None:
    schema = _schema(name)
    fields = [
        (t.name, f, d)
        for t in schema.type_map.values()
        if isinstance(t, GraphQLObjectType) and not t.name.startswith("__")
        for f, d in t.fields.items()
    ]
    assert len(fields) > 30
    assert [f"{t}.{f}" for t, f, d in fields if reads_of(d) is None] == []


def test_a_field_nobody_declared_refuses_the_schema() -> None:
    schema = build_sdl("type Query { rooms: [Room] } type Room { id: ID colour: String }")
    with pytest.raises(ConfigError) as caught:
        attach(schema, {("Query", "rooms"): Reads(read=("salles",)), ("Room", "id"): Reads()})
    assert "Room.colour" in str(caught.value)
    assert "no declaration of what this field reads" in str(caught.value)


def test_the_analysis_reads_annotations_not_names() -> None:
    """A schema whose names follow none of ours: what each field uses comes from its
    annotation (here a statistic named ``zork`` over the field its ``field`` argument
    names, and a derivation named ``blip``)."""
    schema = build_sdl(
        """
        input F { owner: String }
        type Query { things(filter: F): [Thing] zork(field: String): Int }
        type Thing { name: String blip: Float }
        """
    )
    attach(
        schema,
        {
            ("Query", "things"): Reads(read=("choses",), arguments={"owner": "proprietaires"}),
            ("Query", "zork"): Reads(
                computes=(Computation(action=Action.AGGREGATE, inputs={"v": "mesures"}),)
            ),
            ("Thing", "name"): Reads(),
            ("Thing", "blip"): Reads(
                computes=(
                    Computation(
                        action=Action.DERIVE, inputs={"kwh": "energie"}, used=("kwh",), level="P1Y"
                    ),
                )
            ),
        },
    )
    doc = parse('{ things(filter: {owner: "x"}) { name blip } zork(field: "v") }')
    uses = set(analyse(schema, doc).uses)
    assert Use(dataset="choses", action=Action.READ) in uses
    assert Use(dataset="proprietaires", action=Action.READ) in uses
    assert Use(dataset="energie", action=Action.DERIVE, level="P1Y") in uses
    assert {u.dataset for u in uses if u.action is Action.AGGREGATE} == {"mesures"}
    # the same document with no annotation on blip is not silently read as nothing
    bare = parse("{ things { name } }")
    assert {u.dataset for u in analyse(schema, bare).uses} == {"choses"}


def test_a_buildings_operational_carbon_derives_from_the_energy_dataset() -> None:
    """``Building.carbon``'s operational figures use the dwellings' energy (personal data)
    at yearly granularity: the annotation says so, and the analysis finds it."""
    schema = _schema("cda")
    doc = parse("{ buildings { nodes { carbon { operationalKgCo2ePerYear } } } }")
    derived = {u.dataset for u in analyse(schema, doc).uses if u.action is Action.DERIVE}
    assert "consommations-energie" in derived

"""``[entities.X] partition = {...}``: every bad declaration named with its file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.config import load_config
from connector.config._checker import Checker
from connector.config.entities import FieldMapping, Partition, parse_partition
from connector.errors import ConfigError
from tests.gateway.partitions import write_holder


def issues(tmp_path: Path, partition: str, **kw: object) -> list[tuple[str, str]]:
    path = write_holder(tmp_path, "lagord", [], partition=partition, **kw)  # type: ignore[arg-type]
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert {i.file for i in caught.value.issues} == {str(path)}
    return [(i.key, i.message) for i in caught.value.issues]


def test_a_good_declaration_is_read(tmp_path: Path) -> None:
    path = write_holder(
        tmp_path, "lagord", [], partition='{ communes = ["17200", "2A004"], key_prefixes = ["LG"] }'
    )
    assert load_config(path).entities["Building"].partition == Partition(
        communes=("17200", "2A004"), key_prefixes=("LG",)
    )


@pytest.mark.parametrize(
    ("partition", "expected"),
    [
        (
            "{ communes = [] }",
            [
                (
                    "entities.Building.partition.communes",
                    "expected a non-empty list, each an INSEE commune code, got []",
                )
            ],
        ),
        (
            '{ communes = ["1720", "17200", "17200"] }',
            [
                ("entities.Building.partition.communes[2]", "'17200' is listed twice"),
                (
                    "entities.Building.partition.communes[0]",
                    "expected an INSEE commune code of 5 characters, got '1720'",
                ),
            ],
        ),
        (
            "{ }",
            [
                (
                    "entities.Building.partition",
                    "names no instance: give communes, usages and/or key_prefixes",
                )
            ],
        ),
        (
            '{ key_prefixes = [""], colour = "red" }',
            [
                (
                    "entities.Building.partition.colour",
                    "unknown key, expected one of communes, key_prefixes, usages",
                ),
                (
                    "entities.Building.partition.key_prefixes[0]",
                    "expected a key prefix (a non-empty string), got ''",
                ),
            ],
        ),
        (
            '"17200"',
            [
                (
                    "entities.Building.partition",
                    "expected a table { communes = [...], usages = [...], key_prefixes = [...] }, "
                    "got '17200'",
                )
            ],
        ),
    ],
)
def test_bad_declarations_are_named(
    tmp_path: Path, partition: str, expected: list[tuple[str, str]]
) -> None:
    assert issues(tmp_path, partition) == expected


def test_a_partition_by_commune_needs_the_commune_field_mapped(tmp_path: Path) -> None:
    assert issues(tmp_path, '{ communes = ["17200"] }', fields=("rnbId", "name")) == [
        (
            "entities.Building.partition.communes",
            "a partition by commune needs Building.inseeCode mapped "
            "(entities.Building.fields.inseeCode)",
        )
    ]


def test_a_partition_by_commune_needs_an_entity_with_a_commune(tmp_path: Path) -> None:
    c = Checker(tmp_path / "node.toml")
    assert parse_partition(
        c, "entities.EnergyUse.partition", {"communes": ["17200"]}, "EnergyUse", {}
    ) == Partition(communes=("17200",))
    assert [(i.key, i.message) for i in c.issues] == [
        (
            "entities.EnergyUse.partition.communes",
            "EnergyUse has no field 'inseeCode': partition it by key_prefixes",
        )
    ]


USAGE = {
    "rnbId": FieldMapping("rnbId", ("id_rnb",)),
    "usage": FieldMapping(
        "usage", ("code_usage",), values={"HAB_COLL": "collective_housing", "ENS": "school"}
    ),
}


def test_a_partition_by_usage_is_read_in_our_codes(tmp_path: Path) -> None:
    c = Checker(tmp_path / "node.toml")
    spec = {"communes": ["17200"], "usages": ["school"]}
    got = parse_partition(c, "entities.Building.partition", spec, "Building", USAGE)
    assert got == Partition(communes=("17200",), usages=("school",))
    # inseeCode unmapped here: the commune dimension is named, the usage one is fine
    assert [(i.key, i.message) for i in c.issues] == [
        (
            "entities.Building.partition.communes",
            "a partition by commune needs Building.inseeCode mapped "
            "(entities.Building.fields.inseeCode)",
        )
    ]


@pytest.mark.parametrize(
    ("spec", "fields", "entity", "expected"),
    [
        (
            {"usages": ["HAB_COLL", "school", "school"]},
            USAGE,
            "Building",
            [
                ("entities.X.partition.usages[2]", "'school' is listed twice"),
                (
                    "entities.X.partition.usages[0]",
                    "expected one of the usage codes entities.Building.fields.usage.values "
                    "maps to (collective_housing, school), got 'HAB_COLL'",
                ),
            ],
        ),
        (
            {"usages": []},
            USAGE,
            "Building",
            [
                (
                    "entities.X.partition.usages",
                    "expected a non-empty list, each a usage code, got []",
                )
            ],
        ),
        (
            {"usages": ["school"]},
            {"rnbId": USAGE["rnbId"]},
            "Building",
            [
                (
                    "entities.X.partition.usages",
                    "a partition by usage needs Building.usage mapped "
                    "(entities.Building.fields.usage)",
                )
            ],
        ),
        (
            {"usages": ["school"]},
            {},
            "EnergyUse",
            [
                (
                    "entities.X.partition.usages",
                    "EnergyUse has no field 'usage': partition it otherwise",
                )
            ],
        ),
    ],
)
def test_bad_usage_declarations_are_named(
    tmp_path: Path,
    spec: dict[str, object],
    fields: dict[str, FieldMapping],
    entity: str,
    expected: list[tuple[str, str]],
) -> None:
    c = Checker(tmp_path / "node.toml")
    parse_partition(c, "entities.X.partition", spec, entity, fields)
    assert [(i.key, i.message) for i in c.issues] == expected

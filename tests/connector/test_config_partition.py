"""``[entities.X] partition = {...}``: every bad declaration named with its file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.config import load_config
from connector.config._checker import Checker
from connector.config.entities import Partition, parse_partition
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
                    "names no instance: give communes and/or key_prefixes",
                )
            ],
        ),
        (
            '{ key_prefixes = [""], colour = "red" }',
            [
                (
                    "entities.Building.partition.colour",
                    "unknown key, expected one of communes, key_prefixes",
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
                    "expected a table { communes = [...], key_prefixes = [...] }, got '17200'",
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

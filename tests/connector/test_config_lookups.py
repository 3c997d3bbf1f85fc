"""``[entities.X] lookups = { reference = [fields] }``: read, and every bad declaration
named with its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.config import load_config
from connector.errors import ConfigError

BASE = """
[node]
name = "air"
participant = "https://example.org/participants/air"

[sources.db]
kind = "sql"
url = "sqlite+aiosqlite:///air.db"

[sources.other]
kind = "sql"
url = "sqlite+aiosqlite:///other.db"

[entities.Sensor]
source = "{sensor_source}"
table = "capteurs"
[entities.Sensor.fields]
id = "id_capteur"
spaceId = "salle"
{sensor_extra}

[entities.Observation]
source = "db"
table = "vue"
lookups = {lookups}
[entities.Observation.fields]
id = "id"
sensorId = "capteur"
spaceId = "salle"
observedProperty = "polluant"
resultTime = "horodatage"
value = "valeur"

[datasets.air]
title = "Air"
entities = {{ Sensor = ["*"], Observation = ["*"] }}
"""


def write(tmp_path: Path, lookups: str, *, sensor_source: str = "db", extra: str = "") -> Path:
    path = tmp_path / "air.toml"
    path.write_text(
        BASE.format(lookups=lookups, sensor_source=sensor_source, sensor_extra=extra),
        encoding="utf-8",
    )
    return path


def issues(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [(i.key, i.message) for i in caught.value.issues]


def test_a_good_declaration_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '{ sensorId = ["spaceId", "observedProperty"] }',
        extra='observedProperty = "polluant"',
    )
    mapping = load_config(path).entities["Observation"]
    assert mapping.lookups == {"sensorId": ("spaceId", "observedProperty")}


def test_the_reference_must_be_a_mapped_reference_field(tmp_path: Path) -> None:
    assert issues(write(tmp_path, '{ value = ["spaceId"] }')) == [
        (
            "entities.Observation.lookups.value",
            "expected a mapped reference field of Observation (such as sensorId)",
        )
    ]


def test_the_fields_must_be_mapped_on_both_entities(tmp_path: Path) -> None:
    assert issues(write(tmp_path, '{ sensorId = ["spaceId", "observedProperty"] }')) == [
        ("entities.Observation.lookups.sensorId", "Sensor does not map observedProperty")
    ]
    assert issues(write(tmp_path, '{ sensorId = ["unit"] }')) == [
        (
            "entities.Observation.lookups.sensorId[0]",
            "expected another mapped field of Observation, got 'unit'",
        )
    ]


def test_the_referenced_entity_must_be_on_the_same_source(tmp_path: Path) -> None:
    assert issues(write(tmp_path, '{ sensorId = ["spaceId"] }', sensor_source="other")) == [
        ("entities.Observation.lookups.sensorId", "Sensor must be mapped on the same source ('db')")
    ]

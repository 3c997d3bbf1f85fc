"""Node configuration: every problem is reported with file, key and what was expected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connector.config import load_config
from connector.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

BROKEN = """
[node]
name = "x"
participant = "atmo"
port = 70000
colour = "blue"

[sources.db]
kind = "oracle"

[sources.files]
kind = "csv"

[entities.Castle]
source = "db"

[entities.Building]
source = "nowhere"
table = "batiments"
[entities.Building.fields]
name = "nom"
floorArea = { column = "surface", unit = "unit:KiloW-HR" }
colour = "couleur"
yearBuilt = { column = "annee", scale = "ten" }

[datasets.registre]
title = "Registre"
entities = { Building = ["name", "height"] }
policy = "missing.jsonld"
personal_data = "yes"

[limits]
max_page_size = 0
"""


def issues_of(text: str, tmp_path: Path) -> list[tuple[str, str]]:
    path = tmp_path / "node.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert {i.file for i in caught.value.issues} == {str(path)}
    return [(i.key, i.message) for i in caught.value.issues]


def test_every_problem_is_named_with_its_key(tmp_path: Path) -> None:
    got = issues_of(BROKEN, tmp_path)
    policy = tmp_path / "missing.jsonld"
    assert got == [
        (
            "node.colour",
            "unknown key, expected one of base_iri, host, name, participant, port, "
            "references, title",
        ),
        ("node.participant", "expected an absolute IRI, got 'atmo'"),
        ("node.port", "expected an integer port 0-65535, got 70000"),
        ("sources.db.kind", "expected one of sql, csv, http, got 'oracle'"),
        ("sources.files.path", "missing, expected a string"),
        (
            "entities.Castle",
            "unknown entity type, expected one of Building, Space, Sensor, "
            "Observation, ProductDeclaration, MaterialLine, EnergyUse, "
            "EmissionFactor",
        ),
        ("entities.Building.source", "no source named 'nowhere'; declared: files"),
        (
            "entities.Building.fields.floorArea.unit",
            "unit:KiloW-HR measures Energy, but 'floorArea' is in unit:M2 (Area)",
        ),
        (
            "entities.Building.fields.colour",
            "Building has no field 'colour'; fields: rnbId, "
            "bdnbId, uai, name, address, inseeCode, usage, "
            "yearBuilt, floorArea, location",
        ),
        ("entities.Building.fields.yearBuilt.scale", "expected a number, got 'ten'"),
        ("entities.Building.fields.rnbId", "the key field 'rnbId' of Building must be mapped"),
        ("datasets.registre.entities.Building", "Building has no field 'height'"),
        ("datasets.registre.policy", f"policy file not found: {policy}"),
        ("datasets.registre.personal_data", "expected true or false, got 'yes'"),
        (
            "datasets.registre.processing",
            "a dataset holding personal data needs its processing "
            "record (purposes, categories, recipients, retention, "
            "legal_basis)",
        ),
        (
            "entities.Building.fields.floorArea",
            "field is in no dataset; add it to a [datasets.*] entities list",
        ),
        (
            "entities.Building.fields.yearBuilt",
            "field is in no dataset; add it to a [datasets.*] entities list",
        ),
        ("limits.max_page_size", "expected a positive integer, got 0"),
    ]


def test_not_toml_names_the_line(tmp_path: Path) -> None:
    got = issues_of("[node\nname = 1", tmp_path)
    assert len(got) == 1
    key, message = got[0]
    assert key == "-" and message.startswith("not valid TOML: ") and "line 1" in message


def test_demo_templates_are_valid() -> None:
    for name in ("cda", "atmo", "bouygues"):
        config = load_config(ROOT / "connector" / "demo" / f"{name}.toml")
        assert config.name == name
        assert all(
            ds.iri.startswith("https://guichet.agglo-larochelle.fr/datasets/")
            for ds in config.datasets.values()
        )


def test_check_config_command(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BROKEN, encoding="utf-8")
    good = ROOT / "connector" / "demo" / "cda.toml"
    proc = subprocess.run(
        [sys.executable, "-m", "connector.cli", "check-config", str(good), str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith(
        f"ok: {good}: node 'cda', 1 source(s), 4 entity type(s), 4 dataset(s)"
    )
    lines = proc.stderr.splitlines()
    assert len(lines) == 18
    assert lines[0] == (
        f"error: {bad}: node.colour: unknown key, expected one of base_iri, host, "
        "name, participant, port, references, title"
    )

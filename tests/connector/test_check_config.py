"""``guichet check-config`` and ``/health`` on mistakes a newcomer makes: a database file
that is not where the configuration says, a column name typed wrong, a key misspelt. Run
as real processes; every expected line is written out by hand."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from tests.connector.tiny import make_tiny

ROOT = Path(__file__).resolve().parents[2]

CSV_NODE = """
[node]
name = "files"
participant = "https://example.org/participants/files"

[sources.exports]
kind = "csv"
path = "exports"

[entities.EnergyUse]
source = "exports"
table = "consommations.csv"
[entities.EnergyUse.fields]
id = "id"
kwh = "kwh"

[datasets.conso]
title = "Consommations"
entities = { EnergyUse = ["*"] }

[usage]
enforce = false
"""


def check_config(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", "check-config", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def edited(config: Path, old: str, new: str) -> Path:
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")
    return config


def test_a_missing_sqlite_file_is_named_with_its_key(tmp_path: Path) -> None:
    config = make_tiny(tmp_path)
    (tmp_path / "tiny.db").unlink()
    expected = f"error: {config}: sources.ville.url: file not found: {tmp_path / 'tiny.db'}\n"
    for probe in ([], ["--probe"]):  # --probe used to say "table 'batiments' not found"
        done = check_config(*probe, str(config))
        assert (done.returncode, done.stdout, done.stderr) == (1, "", expected)


def test_a_wrong_column_fails_without_probe(tmp_path: Path) -> None:
    config = edited(make_tiny(tmp_path), 'name = "nom"', 'name = "nome"')
    done = check_config(str(config))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"error: {config}: sources.ville: entity Building: table 'batiments' has no column "
        "'nome' (field name)\n"
    )


def test_csv_files_are_checked_without_probe(tmp_path: Path) -> None:
    config = tmp_path / "files.toml"
    config.write_text(CSV_NODE, encoding="utf-8")
    done = check_config(str(config))
    assert (done.returncode, done.stderr) == (
        1,
        f"error: {config}: sources.exports.path: file not found: {tmp_path / 'exports'}\n",
    )
    (tmp_path / "exports").mkdir()
    done = check_config(str(config))
    assert (done.returncode, done.stderr) == (
        1,
        f"error: {config}: entities.EnergyUse.table: file not found: "
        f"{tmp_path / 'exports' / 'consommations.csv'}\n",
    )
    (tmp_path / "exports" / "consommations.csv").write_text("id,kw\nC1,3\n", encoding="utf-8")
    done = check_config(str(config))
    assert (done.returncode, done.stderr) == (
        1,
        f"error: {config}: sources.exports: file 'consommations.csv' has no column "
        "'kwh' (field kwh) (entity EnergyUse)\n",
    )
    (tmp_path / "exports" / "consommations.csv").write_text("id,kwh\nC1,3\n", encoding="utf-8")
    done = check_config(str(config))
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        f"ok: {config}: node 'files', 1 source(s), 1 entity type(s), 1 dataset(s)\n"
    )


def test_typos_get_a_did_you_mean(tmp_path: Path) -> None:
    config = make_tiny(tmp_path)
    edited(config, 'title = "Ville imaginaire"', 'titel = "Ville imaginaire"')
    edited(config, 'kind = "sql"', 'kind = "sqll"')
    edited(config, "yearBuilt = ", "yearbuilt = ")
    edited(config, "[usage]\n", "[usage]\nmin_group_sise = 5\n")
    done = check_config(str(config))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == (
        f"error: {config}: node.titel: unknown key, expected one of base_iri, host, name, "
        "participant, port, references, title; did you mean 'title'?"
    )
    assert lines[1] == (
        f"error: {config}: sources.ville.kind: expected one of sql, csv, http, got 'sqll'; "
        "did you mean 'sql'?"
    )
    assert any(
        line.startswith(f"error: {config}: entities.Building.fields.yearbuilt: Building has no ")
        and line.endswith("; did you mean 'yearBuilt'?")
        for line in lines
    ), lines
    assert any(
        line.startswith(f"error: {config}: usage.min_group_sise: unknown key")
        and line.endswith("; did you mean 'min_group_size'?")
        for line in lines
    ), lines


def test_a_far_away_key_gets_no_guess(tmp_path: Path) -> None:
    config = edited(make_tiny(tmp_path), 'title = "Ville imaginaire"', 'colour = "blue"')
    done = check_config(str(config))
    assert done.stderr == (
        f"error: {config}: node.colour: unknown key, expected one of base_iri, host, name, "
        "participant, port, references, title\n"
    )


@pytest.mark.anyio
async def test_health_names_a_mapped_column_the_table_lacks(tmp_path: Path) -> None:
    config = make_tiny(tmp_path)
    db = sqlite3.connect(tmp_path / "tiny.db")
    db.execute("ALTER TABLE consommations RENAME COLUMN mwh TO mwh_total")
    db.commit()
    db.close()
    app = create_app(load_config(config))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
        health = (await client.get("/health")).json()
        answer = (await client.post("/graphql", json={"query": QUERY})).json()
    assert health["status"] == "degraded"
    assert health["sources"] == [
        {
            "name": "ville",
            "ok": False,
            "detail": "mapping: entity EnergyUse: table 'consommations' has no column "
            "'mwh' (field kwh)",
        }
    ]
    # the queries that touch the table fail, naming the same column
    assert "has no column 'mwh' (field kwh)" in answer["errors"][0]["message"]


QUERY = '{ building(rnbId: "PG46YY6YJW8N") { energyUses { kwh } } }'

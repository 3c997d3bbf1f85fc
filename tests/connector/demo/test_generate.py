"""generate(): files, rendered configurations, idempotence and determinism."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest

from connector.config import load_config
from connector.demo import DemoPaths, generate
from connector.demo.generate import TEMPLATE_DIR
from connector.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
EXPECTED_DATASETS = {
    "cda": {
        "registre-batiments",
        "consommations-energie",
        "bilans-carbone",
        "declarations-environnementales",
        "facteurs-emission",
    },
    "atmo": {"mesures-salles", "capteurs-salles"},
    "bouygues": {"metres", "operations", "bilans-carbone-operations"},
    "lagord": {"patrimoine-communal", "consommations-equipements"},
    "bailleur": {"patrimoine-logement-social"},
}
PORTS = {"cda": 8101, "atmo": 8102, "bouygues": 8103, "lagord": 8105, "bailleur": 8106}


def table_checksums(db: Path) -> dict[str, str]:
    """SHA-256 of every table's rows in primary-key order."""
    conn = sqlite3.connect(db)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        out = {}
        for table in tables:
            h = hashlib.sha256()
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1"):
                h.update(repr(row).encode())
            out[table] = h.hexdigest()
        return out
    finally:
        conn.close()


def test_generate_writes_the_five_sources_and_configs(demo: DemoPaths) -> None:
    assert demo.cda_db.is_file() and demo.atmo_db.is_file() and demo.lagord_db.is_file()
    assert json.loads(demo.bailleur_json.read_text(encoding="utf-8"))
    assert all(p.is_file() for p in demo.configs.values()) and len(demo.configs) == 5
    with (demo.bouygues_dir / "metres.csv").open(encoding="utf-8") as fh:
        header = next(csv.reader(fh, delimiter=";"))
    assert header == [
        "id_ligne",
        "code_affaire",
        "libelle_affaire",
        "rnb_batiment",
        "num_lot",
        "designation",
        "ref_fdes",
        "quantite",
        "unite",
    ]
    manifest = json.loads(demo.manifest.read_text(encoding="utf-8"))
    assert (manifest["seed"], manifest["buildings"], manifest["year_start"]) == (
        17,
        1200,
        "2025-09-01",
    )


@pytest.mark.parametrize("node", list(PORTS))
def test_rendered_configs_load_with_their_ports_and_policies(demo: DemoPaths, node: str) -> None:
    config = load_config(demo.configs[node])
    assert config.name == node
    assert config.port == PORTS[node]
    assert config.participant == f"https://guichet.agglo-larochelle.fr/participants/{node}"
    assert set(config.datasets) == EXPECTED_DATASETS[node]
    for ds in config.datasets.values():
        assert ds.policy is not None
        assert ds.policy == REPO / "policies" / "demo" / f"{node}-{ds.id}.jsonld"
        # the yearly energy of a dwelling relates to its occupants: personal data, and
        # so is the carbon computed from it, building by building
        assert ds.personal_data is (ds.id in ("consommations-energie", "bilans-carbone"))
        assert (ds.processing is not None) is ds.personal_data
    for src in config.sources.values():
        if src.kind == "sql":
            assert src.url == f"sqlite+aiosqlite:///{demo.target_dir / (node + '.db')}"
        elif src.kind == "http":  # the landlord's own API, which the demo serves
            assert src.url == "http://127.0.0.1:8107/api"
        else:
            assert src.path == demo.bouygues_dir


@pytest.mark.parametrize("node", list(PORTS))
def test_packaged_templates_load(node: str) -> None:
    config = load_config(TEMPLATE_DIR / f"{node}.toml")
    assert set(config.datasets) == EXPECTED_DATASETS[node]


def test_energy_is_stored_in_mwh_and_read_in_kwh(demo: DemoPaths) -> None:
    kwh = load_config(demo.cda_toml).entities["EnergyUse"].fields["kwh"]
    assert kwh.columns == ("conso_mwh",)
    assert kwh.scale == pytest.approx(1000.0)  # 1 MWh = 1,000 kWh


def test_second_call_with_same_parameters_keeps_the_files(demo: DemoPaths) -> None:
    before = {p: p.stat().st_mtime_ns for p in (demo.cda_db, demo.atmo_db, demo.manifest)}
    started = time.perf_counter()
    again = generate(demo.target_dir)
    assert time.perf_counter() - started < 1.0
    assert again == demo
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_other_ports_are_rendered_without_regenerating(tmp_path: Path, demo: DemoPaths) -> None:
    before = demo.atmo_db.stat().st_mtime_ns
    generate(demo.target_dir, ports={"atmo": 9102, "bailleur-api": 9107})
    try:
        assert load_config(demo.atmo_toml).port == 9102
        assert demo.atmo_db.stat().st_mtime_ns == before
        api = load_config(demo.bailleur_toml).sources["api"]
        assert api.url == "http://127.0.0.1:9107/api"
    finally:
        generate(demo.target_dir)
    assert load_config(demo.atmo_toml).port == 8102


def test_same_seed_gives_same_rows_and_new_parameters_regenerate(
    tmp_path: Path, demo: DemoPaths
) -> None:
    other = generate(tmp_path / "again")
    for name in ("cda_db", "atmo_db"):
        assert table_checksums(getattr(other, name)) == table_checksums(getattr(demo, name))
    assert (other.bouygues_dir / "metres.csv").read_bytes() == (
        demo.bouygues_dir / "metres.csv"
    ).read_bytes()
    assert other.cda_toml.read_text() == demo.cda_toml.read_text().replace(
        str(demo.target_dir), str(other.target_dir)
    )

    assert other.bailleur_json.read_bytes() == demo.bailleur_json.read_bytes()
    assert table_checksums(other.lagord_db) == table_checksums(demo.lagord_db)

    smaller = generate(tmp_path / "again", seed=18, buildings=50)
    conn = sqlite3.connect(smaller.cda_db)
    try:
        (count,) = conn.execute("SELECT count(*) FROM batiments").fetchone()
    finally:
        conn.close()
    # 50 drawn for the agglomeration: the landlord's collective housing and Lagord's are
    # not in the register
    residences = json.loads(smaller.bailleur_json.read_text(encoding="utf-8"))
    assert count > 0 and count + len(residences) <= 50
    assert table_checksums(smaller.atmo_db)["mesures"] != table_checksums(demo.atmo_db)["mesures"]
    manifest = json.loads(smaller.manifest.read_text(encoding="utf-8"))
    assert (manifest["seed"], manifest["buildings"]) == (18, 50)


def test_year_outside_the_calendar_is_refused_with_the_file_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        generate(tmp_path / "x", year_start=date(2024, 9, 2), buildings=10)
    issue = err.value.issues[0]
    assert issue.file.endswith("calendrier_scolaire_zone_a_2025_2026.csv")
    assert issue.key == "year_start"
    assert "2025-09-01" in issue.message
    assert not (tmp_path / "x" / "cda.db").exists()

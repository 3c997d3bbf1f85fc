"""Node configuration: every problem is reported with file, key and what was expected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connector.config import load_config
from connector.errors import ConfigError
from tests.connector.tiny import make_tiny

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
            "Observation, ProductDeclaration, MaterialLine, ConstructionProject, EnergyUse, "
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
            "missing: a dataset holding personal data needs its record of processing "
            "(controller, purposes, legal_basis, data_categories, data_subjects, "
            "recipients, retention, transfers, security_measures)",
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
    (tmp_path / "tiny").mkdir()
    good = make_tiny(tmp_path / "tiny")
    proc = subprocess.run(
        [sys.executable, "-m", "connector.cli", "check-config", str(good), str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith(
        f"ok: {good}: node 'tiny', 1 source(s), 5 entity type(s), 3 dataset(s)"
    )
    lines = proc.stderr.splitlines()
    assert len(lines) == 18
    assert lines[0] == (
        f"error: {bad}: node.colour: unknown key, expected one of base_iri, host, "
        "name, participant, port, references, title"
    )


GOOD = """
[node]
name = "x"
participant = "https://example.org/participants/x"

[sources.files]
kind = "csv"
path = "."

[entities.EnergyUse]
source = "files"
table = "conso.csv"
[entities.EnergyUse.fields]
id = "id"

[datasets.conso]
title = "Consommations"
entities = { EnergyUse = ["*"] }
personal_data = true
"""

PROCESSING = """
[datasets.conso.processing]
controller = "https://example.org/participants/x"
purposes = ["dpv:ImprovePublicServices", "gui:CarbonAccounting"]
legal_basis = "public_task"
data_categories = ["Consommations", { fr = "Adresse", en = "Address" }]
data_subjects = ["Occupants"]
recipients = []
retention = "P18M"
transfers = "aucun transfert hors UE"
security_measures = ["Journal chaîné"]
"""


def test_processing_and_labels_are_read(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    labels = """
[labels]
"https://example.org/participants/x" = "Ville X"
"https://example.org/participants/x/dpd" = { fr = "DPD de la ville", en = "City DPO" }
"""
    path.write_text(GOOD + PROCESSING + labels, encoding="utf-8")
    config = load_config(path)
    p = config.datasets["conso"].processing
    assert p is not None
    assert p.purposes == (
        "https://w3id.org/dpv#ImprovePublicServices",
        "https://w3id.org/guichet/ontology#CarbonAccounting",
    )
    assert (p.legal_basis.key, p.legal_basis.iri) == (
        "public_task",
        "https://w3id.org/dpv#PublicTask",
    )
    assert p.data_categories == ({"": "Consommations"}, {"fr": "Adresse", "en": "Address"})
    assert (p.recipients, p.retention) == ((), "P18M")
    assert config.labels == {
        "https://example.org/participants/x": {"": "Ville X"},
        "https://example.org/participants/x/dpd": {"fr": "DPD de la ville", "en": "City DPO"},
    }
    assert config.console is None


def test_personal_data_needs_a_processing_record(tmp_path: Path) -> None:
    assert issues_of(GOOD, tmp_path) == [
        (
            "datasets.conso.processing",
            "missing: a dataset holding personal data needs its record of processing "
            "(controller, purposes, legal_basis, data_categories, data_subjects, "
            "recipients, retention, transfers, security_measures)",
        )
    ]


def test_every_processing_problem_is_named(tmp_path: Path) -> None:
    bad = """
[datasets.conso.processing]
controller = "the city"
purposes = ["dpv:ImprovePublicServices", "improve things"]
legal_basis = "because"
data_categories = []
data_subjects = [{ de = "Bewohner" }]
recipients = "everyone"
retention = "5 years"
security_measures = ["", "TLS"]
colour = "blue"
"""
    keys = (
        "data_categories, data_subjects, legal_basis, purposes, recipients, retention, "
        "security_measures, transfers"
    )
    p = "datasets.conso.processing"
    assert issues_of(GOOD + bad, tmp_path) == [
        (
            f"{p}.colour",
            "unknown key, expected one of controller, created, data_categories, "
            "data_subjects, dpia, dpia_date, joint_controllers, legal_basis, processors, "
            "purposes, recipients, retention, security_measures, sources, transfers, updated",
        ),
        (
            f"{p}.transfers",
            f"missing; a record of processing needs controller, {keys}",
        ),
        (f"{p}.controller", "expected the controller's IRI, got 'the city'"),
        (
            f"{p}.legal_basis",
            "expected one of consent, contract, legal_obligation, vital_interests, "
            "public_task, legitimate_interests (RGPD art. 6(1)), got 'because'",
        ),
        (f"{p}.retention", "expected an ISO 8601 duration such as P5Y or P18M, got '5 years'"),
        (f"{p}.purposes[1]", "expected an IRI or a dpv:/gui: CURIE, got 'improve things'"),
        (f"{p}.recipients", "expected a list of IRIs, got 'everyone'"),
        (f"{p}.data_categories", "expected a non-empty list of texts, got []"),
        (f"{p}.data_subjects[0].de", "unknown language, expected fr or en"),
        (
            f"{p}.security_measures[0]",
            'expected a text or a table { fr = "...", en = "..." }, got \'\'',
        ),
    ]


@pytest.mark.parametrize("retention", ["P", "PT", "P0Y", "P5", "5Y", "P1YT"])
def test_retention_must_be_a_real_duration(tmp_path: Path, retention: str) -> None:
    text = GOOD + PROCESSING.replace('"P18M"', f'"{retention}"')
    assert issues_of(text, tmp_path) == [
        (
            "datasets.conso.processing.retention",
            f"expected an ISO 8601 duration such as P5Y or P18M, got '{retention}'",
        )
    ]


def test_labels_and_console_problems_are_named(tmp_path: Path) -> None:
    text = (
        GOOD
        + PROCESSING
        + """
[labels]
"cda" = "Agglomération"
"https://example.org/p/a" = 3
"https://example.org/p/b" = { fr = "B", it = "Bi" }

[console]
client_id = "guichet-console"
"""
    )
    assert issues_of(text, tmp_path) == [
        ('labels."cda"', "expected an absolute IRI (http, https or urn) as the key"),
        (
            'labels."https://example.org/p/a"',
            'expected a text or a table { fr = "...", en = "..." }, got 3',
        ),
        ('labels."https://example.org/p/b".it', "unknown language, expected fr or en"),
        ("console", "the console logs in at the issuer of [auth]; add an [auth] issuer"),
    ]


def test_demo_labels_name_every_party_and_group() -> None:
    space = "https://guichet.agglo-larochelle.fr/participants/"
    named = {
        "cda",
        "atmo",
        "univ-lr",
        "ecole-saint-christophe",
        "bouygues",
        "univ-lr/chercheurs",
        "ecole-saint-christophe/personnel",
        "cda/dpd",
        "cda/dpd/claire-martin",
        "public",
    }
    for name in ("cda", "atmo", "bouygues"):
        config = load_config(ROOT / "connector" / "demo" / f"{name}.toml")
        assert set(config.labels) == {space + n for n in named}
        assert all(set(t) == {"fr", "en"} or set(t) == {""} for t in config.labels.values())
        assert config.console is not None and config.console.client_id == "guichet-console"


def test_console_session_lifetimes_are_checked(tmp_path: Path) -> None:
    base = GOOD + PROCESSING + '\n[auth]\nissuer = "http://127.0.0.1:8100"\n\n[console]\n'
    text = base + 'client_id = "c"\nsession_idle = 0\nsession_max = "1h"\n'
    assert issues_of(text, tmp_path) == [
        ("console.session_idle", "expected a number of seconds >= 1, got 0"),
        ("console.session_max", "expected a number of seconds >= 1, got '1h'"),
    ]
    text = base + 'client_id = "c"\nsession_idle = 600\nsession_max = 300\n'
    assert issues_of(text, tmp_path) == [
        ("console.session_idle", "expected at most console.session_max")
    ]


def test_console_time_zone_is_checked(tmp_path: Path) -> None:
    base = GOOD + PROCESSING + '\n[auth]\nissuer = "http://127.0.0.1:8100"\n\n[console]\n'
    assert issues_of(base + 'client_id = "c"\ntimezone = "Mars/Olympus"\n', tmp_path) == [
        (
            "console.timezone",
            "expected an IANA time zone such as Europe/Paris, got 'Mars/Olympus'",
        )
    ]


def test_request_body_limit_and_audit_wait_are_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text(GOOD + PROCESSING, encoding="utf-8")
    config = load_config(path)
    assert (config.limits.max_body_bytes, config.usage.audit_busy_timeout) == (1048576, 30.0)
    limits = "\n[limits]\nmax_body_bytes = 4096\n\n[usage]\naudit_busy_timeout = 0.5\n"
    path.write_text(GOOD + PROCESSING + limits, encoding="utf-8")
    config = load_config(path)
    assert (config.limits.max_body_bytes, config.usage.audit_busy_timeout) == (4096, 0.5)
    wrong = '\n[limits]\nmax_body_bytes = 0\n\n[usage]\naudit_busy_timeout = "soon"\n'
    assert issues_of(GOOD + PROCESSING + wrong, tmp_path) == [
        ("limits.max_body_bytes", "expected a positive integer, got 0"),
        ("usage.audit_busy_timeout", "expected a positive number of seconds, got 'soon'"),
    ]


def test_audit_durability_is_disk_unless_process_is_asked(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text(GOOD + PROCESSING, encoding="utf-8")
    assert load_config(path).usage.audit_durability == "disk"
    path.write_text(GOOD + PROCESSING + '\n[usage]\naudit_durability = "process"\n')
    assert load_config(path).usage.audit_durability == "process"
    assert issues_of(GOOD + PROCESSING + '\n[usage]\naudit_durability = "fast"\n', tmp_path) == [
        ("usage.audit_durability", "expected 'disk' or 'process', got 'fast'")
    ]


def test_the_cnil_model_fields_and_the_register_section(tmp_path: Path) -> None:
    cnil = """joint_controllers = ["https://example.org/participants/atmo"]
processors = ["Hébergeur : Scaleway (France)"]
sources = [{ fr = "Relevés des fournisseurs", en = "Suppliers' readings" }]
created = 2025-09-01
updated = "2026-11-15"
dpia = "done"
dpia_date = "2025-08-20"

[register]
controller_contact = "Ville X, 1 place de la Mairie"
dpd_contact = { fr = "dpd@ville-x.fr", en = "dpo@ville-x.fr" }
rights = "Écrire au DPD."
"""
    path = tmp_path / "node.toml"
    path.write_text(GOOD + PROCESSING + cnil, encoding="utf-8")
    config = load_config(path)
    p = config.datasets["conso"].processing
    assert p is not None
    assert p.cnil.joint_controllers == ("https://example.org/participants/atmo",)
    assert p.cnil.sources == ({"fr": "Relevés des fournisseurs", "en": "Suppliers' readings"},)
    assert (p.cnil.created, p.cnil.updated, p.cnil.dpia, p.cnil.dpia_date) == (
        "2025-09-01",
        "2026-11-15",
        "done",
        "2025-08-20",
    )
    assert config.register.dpd_contact == {"fr": "dpd@ville-x.fr", "en": "dpo@ville-x.fr"}
    assert config.register.audit_retention == "P1Y"  # the CNIL's logging recommendation


def test_cnil_fields_and_register_problems_are_named(tmp_path: Path) -> None:
    bad = """created = "2026-13-01"
updated = "2025-01-01"
dpia = "maybe"
dpia_date = "2025-08-20"
processors = "the cloud"

[register]
dpo = "someone"
audit_retention = "one year"
"""
    p = "datasets.conso.processing"
    assert issues_of(GOOD + PROCESSING + bad, tmp_path) == [
        (f"{p}.dpia", "expected one of done, planned, not_required, not_stated, got 'maybe'"),
        (f"{p}.dpia_date", "a date for a DPIA that is 'not_stated' says nothing"),
        (f"{p}.created", "expected a date such as 2026-11-15, got '2026-13-01'"),
        (f"{p}.processors", "expected a non-empty list of texts, got 'the cloud'"),
        (
            "register.dpo",
            "unknown key, expected one of audit_retention, controller_contact, dpd_contact, rights",
        ),
        (
            "register.audit_retention",
            "expected an ISO 8601 duration such as P5Y or P18M, got 'one year'",
        ),
    ]


def test_the_compiled_path_setting_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text(GOOD + PROCESSING, encoding="utf-8")
    assert load_config(path).limits.compiled_path is True
    path.write_text(GOOD + PROCESSING + "\n[limits]\ncompiled_path = false\n", encoding="utf-8")
    assert load_config(path).limits.compiled_path is False
    wrong = '\n[limits]\ncompiled_path = "no"\n'
    assert issues_of(GOOD + PROCESSING + wrong, tmp_path) == [
        ("limits.compiled_path", "expected true or false, got 'no'"),
    ]

"""The DPD reads the node itself: who it is, its datasets with their policies (JSON-LD, in
words, their history), its record of processing and the names it knows."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.config._texts import cutoff
from tests.connector.dpd.console_node import P, running, write_console_node
from tests.connector.usage.conftest import POLICIES, Clock

pytestmark = pytest.mark.anyio

TINY = "https://example.org/participants/tiny"
DATASETS = """query($lang: String) { datasets(lang: $lang) {
  id iri title publisher personalData policyIri policy policyStatus
  sentences { rule kind text } versions { version sha256 since policy } } }"""


def jcs(document: object) -> str:
    """RFC 8785 for documents with ASCII keys and no numbers: sorted keys, no spaces."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def test_node_labels_and_purposes(tmp_path: Path, clock: Clock) -> None:
    async with running(write_console_node(tmp_path), clock) as dpd:
        data = await dpd.data(
            '{ node { name title participant } labels(lang: "en") { iri label } '
            "purposes { iri label } }"
        )
        en = await dpd.data('{ purposes(lang: "en") { label } }')
    assert data["node"] == {"name": "tiny", "title": "Ville imaginaire", "participant": TINY}
    # sorted by name, case-insensitively; the node's own participant under its title
    assert data["labels"] == [
        {"iri": P + "ana", "label": "Ana Lopez"},
        {"iri": P + "city", "label": "City department"},
        {
            "iri": "https://guichet.agglo-larochelle.fr/participants/public",
            "label": "Public (no token)",
        },
        {"iri": P + "school/staff", "label": "the school staff"},
        {"iri": TINY, "label": "Ville imaginaire"},
    ]
    # only the `mesures#research` rule names a purpose
    assert data["purposes"] == [
        {"iri": "https://w3id.org/dpv#AcademicResearch", "label": "La recherche académique"}
    ]
    assert en["purposes"] == [{"label": "Academic research"}]


async def test_datasets_with_policy_sentences_and_first_version(
    tmp_path: Path, clock: Clock
) -> None:
    async with running(write_console_node(tmp_path), clock) as dpd:
        data = await dpd.data(DATASETS)
    by_id = {d["id"]: d for d in data["datasets"]}
    assert list(by_id) == ["registre", "energie", "mesures"]
    energie = by_id["energie"]
    assert json.loads(energie.pop("policy")) == POLICIES["energie"]
    text = jcs(POLICIES["energie"])
    assert energie == {
        "id": "energie",
        "iri": "http://127.0.0.1:8199/catalog/energie",
        "title": "Consommations",
        "publisher": TINY,
        "personalData": True,
        "policyIri": "https://example.org/policy/energie",
        "policyStatus": "ok",
        "sentences": [
            {
                "rule": "https://example.org/policy/energie#city",
                "kind": "permission",
                "text": "Service de la ville peut utiliser le jeu de données « Consommations ».",
            }
        ],
        "versions": [
            {
                "version": 1,
                "sha256": sha(text),
                "since": "2026-03-10T09:00:00+00:00",
                "policy": text,
            }
        ],
    }
    assert by_id["registre"]["personalData"] is False
    staff = [s for s in by_id["mesures"]["sentences"] if s["rule"].endswith("#staff")]
    assert staff[0]["text"].startswith("Le personnel de l'école peut lire")


async def test_a_broken_policy_shows_its_status(tmp_path: Path, clock: Clock) -> None:
    config = write_console_node(tmp_path)
    (tmp_path / "mesures.jsonld").write_text("{ not json", encoding="utf-8")
    async with running(config, clock) as dpd:
        data = await dpd.data(DATASETS)
    mesures = data["datasets"][2]
    assert mesures["policy"] is None and mesures["sentences"] == [] and mesures["versions"] == []
    assert mesures["policyStatus"].startswith(f"{tmp_path / 'mesures.jsonld'}: ")
    assert "dataset 'mesures' is not served" in mesures["policyStatus"]


async def test_policy_history_across_restarts(tmp_path: Path, clock: Clock) -> None:
    config = write_console_node(tmp_path)
    first = POLICIES["energie"]
    changed = {**first, "permission": [{**first["permission"][0], "action": "read"}]}
    query = "{ datasets { id versions { version sha256 since } } }"
    steps = [(first, 0), (first, 1), (changed, 2), (first, 3)]  # (document, hours later)
    for document, hours in steps:
        (tmp_path / "energie.jsonld").write_text(json.dumps(document), encoding="utf-8")
        clock.now = Clock().now + timedelta(hours=hours)
        async with running(config, clock) as dpd:
            data = await dpd.data(query)
    by_id = {d["id"]: d["versions"] for d in data["datasets"]}
    # unchanged at the second start: no new version; reverting is a new version, not a rewind
    assert by_id["energie"] == [
        {"version": 3, "sha256": sha(jcs(first)), "since": "2026-03-10T12:00:00+00:00"},
        {"version": 2, "sha256": sha(jcs(changed)), "since": "2026-03-10T11:00:00+00:00"},
        {"version": 1, "sha256": sha(jcs(first)), "since": "2026-03-10T09:00:00+00:00"},
    ]
    assert by_id["registre"] == [
        {
            "version": 1,
            "sha256": sha(jcs(POLICIES["registre"])),
            "since": "2026-03-10T09:00:00+00:00",
        }
    ]


REGISTER = """query($lang: String) { processingRegister(lang: $lang) {
  dataset datasetTitle controller { iri label } purposes { iri label } legalBasis { iri label }
  dataCategories dataSubjects recipients { iri label } retention retentionIso transfers
  securityMeasures kind dpia controllerContact } }"""


async def test_processing_register_in_french_and_english(tmp_path: Path, clock: Clock) -> None:
    async with running(write_console_node(tmp_path), clock) as dpd:
        fr = await dpd.data(REGISTER)
        en = await dpd.data(REGISTER, lang="en")
    common = {
        "dataset": "energie",
        "datasetTitle": "Consommations",
        "controller": {"iri": TINY, "label": "Ville imaginaire"},
        "dataCategories": ["Consommations annuelles"],
        "retentionIso": "P1Y6M",
        "securityMeasures": ["Journal chaîné"],
        "kind": "dataset",
        "controllerContact": None,  # no [register] in this node's TOML: not stated
    }
    energy, platform = fr["processingRegister"]
    assert [energy] == [
        {
            **common,
            "dpia": "Non renseignée",
            "purposes": [
                {
                    "iri": "https://w3id.org/dpv#ImprovePublicServices",
                    "label": "L'amélioration des services publics",
                },
                {"iri": "https://example.org/purposes/Heating", "label": "« heating »"},
            ],
            "legalBasis": {
                "iri": "https://w3id.org/dpv#PublicTask",
                "label": "Mission d'intérêt public (RGPD art. 6(1)(e))",
            },
            "dataSubjects": ["Occupants des logements"],
            "recipients": [
                {"iri": P + "city", "label": "Service de la ville"},
                {"iri": P + "unknown-org", "label": "unknown-org"},
            ],
            "retention": "1 an et 6 mois",
            "transfers": "aucun transfert hors UE",
        }
    ]
    # the node's own processing: its audit log of who read what (RGPD art. 30 too)
    assert (platform["kind"], platform["dataset"], platform["retentionIso"]) == (
        "platform",
        "audit-log",
        "P1Y",  # the default: CNIL délibération 2021-122, access traces 6 months to 1 year
    )
    assert platform["legalBasis"]["iri"] == "https://w3id.org/dpv#LegalObligation"
    assert [p["label"] for p in platform["purposes"]] == ["Le contrôle des accès", "La sécurité"]
    record, _ = en["processingRegister"]
    assert record["purposes"][0]["label"] == "Improving public services"
    assert record["purposes"][1]["label"] == "Heating"
    assert record["legalBasis"]["label"] == "Public task (GDPR Art. 6(1)(e))"
    assert record["recipients"][0]["label"] == "City department"
    assert (record["retention"], record["transfers"]) == (
        "1 year and 6 months",
        "no transfer outside the EU",
    )


async def test_only_the_dpd_and_every_read_is_logged(tmp_path: Path, clock: Clock) -> None:
    queries = [
        "{ node { name } }",
        "{ datasets { id } }",
        "{ processingRegister { dataset } }",
        "{ labels { iri } }",
        "{ purposes { iri } }",
        "{ auditCounts { total } }",
    ]
    async with running(write_console_node(tmp_path), clock) as dpd:
        for q in queries:
            body = await dpd(q, token="city")
            assert body["data"] is None
            assert body["errors"][0]["message"] == "reading the audit log needs the role 'dpd'"
        for q in queries:
            await dpd.data(q)
        entries = await dpd.app.state.usage.audit.query()
    names = ["node", "datasets", "processingRegister", "labels", "purposes", "auditCounts"]
    assert [(e.party, e.decision, e.operation_name) for e in entries] == [
        *[(P + "city", "deny", n) for n in names],
        *[(P + "city/dpd", "permit", n) for n in names],
    ]


async def test_a_language_we_do_not_write_is_a_clear_error(tmp_path: Path, clock: Clock) -> None:
    async with running(write_console_node(tmp_path), clock) as dpd:
        for field in ("datasets", "processingRegister", "labels", "purposes"):
            body = await dpd(f'{{ {field}(lang: "de") {{ __typename }} }}')
            assert body["data"] is None
            assert body["errors"][0]["message"] == "lang: expected fr or en, got 'de'"


async def test_protected_resource_metadata(tmp_path: Path, clock: Clock) -> None:
    async with running(write_console_node(tmp_path / "a", auth=True), clock) as dpd:
        r = await dpd.client.get("/.well-known/oauth-protected-resource")
    assert r.status_code == 200
    assert r.json() == {
        "resource": "http://127.0.0.1:8199",
        "authorization_servers": ["http://127.0.0.1:8100"],
        "bearer_methods_supported": ["header"],
        "resource_name": "Ville imaginaire",
    }
    async with running(write_console_node(tmp_path / "b"), clock) as dpd:
        r = await dpd.client.get("/.well-known/oauth-protected-resource")
    assert r.status_code == 404
    assert r.json() == {"error": "this node accepts no tokens: no [auth] issuer is configured"}


RETENTION = (
    """{ retention { dataset entity field cutoff state overdueRows oldest retentionIso } }"""
)


@pytest.mark.parametrize(
    ("now", "duration", "cut"),
    [
        # by hand, the calendar way: months move the month, a missing day is the month's last
        ("2026-03-10", "P1Y6M", "2024-09-10"),
        ("2026-03-10", "P5Y", "2021-03-10"),
        ("2026-03-31", "P1M", "2026-02-28"),
        ("2024-02-29", "P1Y", "2023-02-28"),
        ("2026-01-15", "P2W3D", "2025-12-29"),
    ],
)
def test_the_retention_cutoff(now: str, duration: str, cut: str) -> None:
    moment = datetime.fromisoformat(now).replace(tzinfo=UTC)
    assert cutoff(moment, duration).date().isoformat() == cut


async def test_retention_counts_the_rows_held_beyond_the_declared_period(
    tmp_path: Path, clock: Clock
) -> None:
    # energie keeps P1Y6M; on 2026-03-10 (the clock) the cut-off is 2024-09-10, so a year
    # is overdue once it ended before: 2023 and earlier. tiny.db holds 2024 only.
    config = write_console_node(tmp_path)
    async with running(config, clock) as dpd:
        (status,) = (await dpd.data(RETENTION))["retention"]
        assert status == {
            "dataset": "energie",
            "entity": "EnergyUse",
            "field": "year",
            "cutoff": "2024-09-10",
            "state": "ok",
            "overdueRows": 0,
            "oldest": None,
            "retentionIso": "P1Y6M",
        }
        with sqlite3.connect(tmp_path / "tiny.db") as con:  # the holder keeps two old rows
            con.executemany(
                "INSERT INTO consommations VALUES (?, ?, ?, ?, ?, ?)",
                [
                    ("E8", "PG46YY6YJW8N", 2019, "gaz naturel", "chauffage", 80.0),
                    ("E9", "PG46YY6YJW8N", 2023, "gaz naturel", "chauffage", 75.0),
                ],
            )
        (status,) = (await dpd.data(RETENTION))["retention"]
        assert (status["state"], status["overdueRows"], status["oldest"]) == ("overdue", 2, "2019")
        refused = await dpd(RETENTION, token="city")  # the DPD's alone, as the whole log
        assert refused["data"] is None

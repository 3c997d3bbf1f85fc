"""``guichet audit verify|export`` (the ``main`` function, argv after ``guichet audit``)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pyld import jsonld

import ontology
from connector.app import create_app
from connector.audit import StoredEntry
from connector.audit.cli import main
from connector.config import load_config
from tests.connector.audit.conftest import Db, record

UNIV = "https://guichet.example/participants/univ"
DCAT = "http://www.w3.org/ns/dcat#"


def fill(db: Db) -> list[StoredEntry]:
    async def run() -> list[StoredEntry]:
        log = db.log()
        await log.setup()
        out = [
            await log.append(
                record(
                    n,
                    time=datetime(2026, 11, n, 12, tzinfo=UTC),
                    party=UNIV if n % 3 == 0 else record().party,
                    datasets=("mesures-salles",) if n % 2 else ("metres",),
                )
            )
            for n in range(1, 13)
        ]
        await log.aclose()
        return out

    return asyncio.run(run())


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_verify_ok_then_altered(db: Db, capsys: pytest.CaptureFixture[str]) -> None:
    entries = fill(db)
    code, out, _ = run(capsys, "verify", "--db", db.url, "--table", db.table)
    assert (code, out) == (0, f"ok: 12 entries, chain intact, head {entries[-1].hash}\n")
    asyncio.run(db.tamper("UPDATE {t} SET rows_returned = 1000 WHERE seq = 12"))
    code, out, _ = run(capsys, "verify", "--db", db.url, "--table", db.table)
    assert code == 1
    assert out.startswith(f"ALTERED entry #12: stored hash {entries[-1].hash}, recomputed ")


def test_verify_removed(db: Db, capsys: pytest.CaptureFixture[str]) -> None:
    fill(db)
    asyncio.run(db.tamper("DELETE FROM {t} WHERE seq IN (5, 6)"))
    code, out, _ = run(capsys, "verify", "--db", db.url, "--table", db.table)
    assert (code, out) == (1, "REMOVED entries between #4 and #7\n")


def test_verify_expect_head(db: Db, capsys: pytest.CaptureFixture[str]) -> None:
    entries = fill(db)
    asyncio.run(db.tamper("DELETE FROM {t} WHERE seq = 12"))
    code, out, _ = run(
        capsys, "verify", "--db", db.url, "--table", db.table, "--expect-head", entries[-1].hash
    )
    assert code == 1
    assert out.startswith("REMOVED entries after #11")


def test_export_csv_with_filters(db: Db, capsys: pytest.CaptureFixture[str]) -> None:
    fill(db)
    code, out, _ = run(
        capsys,
        "export",
        "--db",
        db.url,
        "--table",
        db.table,
        "--format",
        "csv",
        "--party",
        UNIV,
        "--since",
        "2026-11-04",
        "--until",
        "2026-11-12T12:00Z",
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    # parties: every third entry is the university's; Nov 4 00:00Z <= time < Nov 12 12:00Z
    assert [r["seq"] for r in rows] == ["6", "9"]
    assert [r["time"] for r in rows] == [
        "2026-11-06T12:00:00.000000Z",
        "2026-11-09T12:00:00.000000Z",
    ]


NODE = """
[node]
name = "atmo"
participant = "https://guichet.example/participants/atmo"
base_iri = "http://127.0.0.1:8102"

[sources.files]
kind = "csv"
path = "."

[entities.EnergyUse]
source = "files"
table = "conso.csv"
[entities.EnergyUse.fields]
id = "id"

[entities.MaterialLine]
source = "files"
table = "metres.csv"
[entities.MaterialLine.fields]
id = "id"

[datasets.mesures-salles]
iri = "https://guichet.example/datasets/atmo/mesures-salles"
title = "Mesures"
entities = { EnergyUse = ["*"] }

[datasets.metres]
iri = "https://guichet.example/datasets/bouygues/metres"
title = "Métrés"
entities = { MaterialLine = ["*"] }

[usage]
enforce = false
audit_db = "{db}"
"""


def node_config(tmp_path: Path, db: Db) -> Path:
    config = tmp_path / "atmo.toml"
    config.write_text(NODE.replace("{db}", db.url), encoding="utf-8")
    return config


async def catalog_datasets(config: Path) -> set[str]:
    """The dataset IRIs the node's own /catalog publishes."""
    app = create_app(load_config(config))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
        catalog = (await client.get("/catalog")).json()
    expanded = jsonld.expand(catalog, {"documentLoader": ontology.document_loader})
    (node,) = [n for n in expanded if DCAT + "dataset" in n]
    return {d["@id"] for d in node[DCAT + "dataset"]}


def test_export_jsonld_by_dataset(
    db: Db, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fill(db)
    config = node_config(tmp_path, db)
    target = tmp_path / "audit.jsonld"
    code, out, _ = run(
        capsys,
        "export",
        "--config",
        str(config),
        "--table",
        db.table,
        "--format",
        "jsonld",
        "--dataset",
        "metres",
        "--output",
        str(target),
    )
    assert (code, out) == (0, "")
    document = json.loads(target.read_text(encoding="utf-8"))
    assert [n["@id"] for n in document["@graph"]] == [
        f"http://127.0.0.1:8102/audit/{n}" for n in (2, 4, 6, 8, 10, 12)
    ]
    assert {u["@id"] for n in document["@graph"] for u in n["prov:used"]} == {
        "https://guichet.example/datasets/bouygues/metres"
    }


def test_export_jsonld_names_the_datasets_as_the_catalog_does(
    db: Db, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fill(db)
    config = node_config(tmp_path, db)
    argv = ["export", "--config", str(config), "--table", db.table, "--format", "jsonld"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    used = {u["@id"] for n in json.loads(out)["@graph"] for u in n["prov:used"]}
    published = asyncio.run(catalog_datasets(config))
    assert (
        used
        == published
        == {
            "https://guichet.example/datasets/atmo/mesures-salles",
            "https://guichet.example/datasets/bouygues/metres",
        }
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["verify", "--db", "sqlite+aiosqlite:////nonexistent/audit.db"],
            "error: --db: no SQLite file at /nonexistent/audit.db",
        ),
        (["verify", "--db", "not a url"], "error: --db: 'not a url' is not a database URL"),
        (
            ["export", "--db", "sqlite+aiosqlite://", "--format", "jsonld"],
            "error: --format jsonld needs --config (the node's configuration",
        ),
    ],
)
def test_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (1, "")
    assert err.startswith(message)


def test_missing_table_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.db").write_bytes(b"")
    code, _, err = run(capsys, "verify", "--db", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert code == 1
    assert err.startswith("error: cannot read the audit log (table guichet_audit): ")
    assert "no such table" in err


def test_bad_time_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["export", "--db", "x", "--format", "csv", "--since", "2026-11-26T10:00"])
    assert exited.value.code == 2
    assert "has no time zone; add Z (UTC) or an offset" in capsys.readouterr().err


def test_notice_drafts_from_the_log_facts(db: Db, capsys: pytest.CaptureFixture[str]) -> None:
    entries = fill(db)  # 12 entries, one a day from 2026-11-01, every third by univ
    code, out, _ = run(capsys, "notice", "--db", db.url, "--table", db.table)
    assert (code, out) == (
        0,
        f"ok: 12 entries, chain intact, head {entries[-1].hash}: nothing to notify from "
        "the chain's integrity\n",
    )
    asyncio.run(db.tamper("DELETE FROM {t} WHERE seq = 5"))
    code, out, _ = run(capsys, "notice", "--db", db.url, "--table", db.table)
    assert code == 0
    assert "Atteinte à l'**intégrité**" in out
    assert "des entrées ont été supprimées (premier constat : entrée n° 5)" in out
    assert (
        "La chaîne est intacte pour les 4 premières entrées, jusqu'au "
        "2026-11-04T12:00:00.000000Z." in out
    )
    # left after the gap: 6..12, seven entries from the 6th to the 12th; parties: univ
    # on 6, 9 and 12, atmo on the others
    assert (
        "7 lisibles, écrites du 2026-11-06T12:00:00.000000Z au 2026-11-12T12:00:00.000000Z" in out
    )
    assert "2 participant(s)" in out
    assert "- mesures-salles\n- metres\n" in out
    assert out.count("« À COMPLÉTER »") >= 4  # what only the DPD can say

"""The construction company's bill-of-quantities export."""

from __future__ import annotations

import csv
import json
import sqlite3

from connector.demo import DemoPaths


def lines(demo: DemoPaths) -> list[dict[str, str]]:
    with (demo.bouygues_dir / "metres.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_two_projects_on_the_school_and_a_collective_housing_building(demo: DemoPaths) -> None:
    rows = lines(demo)
    conn = sqlite3.connect(demo.cda_db)
    try:
        usage = dict(conn.execute("SELECT id_rnb, code_usage FROM batiments"))
        school = conn.execute("SELECT id_rnb FROM batiments WHERE code_uai IS NOT NULL").fetchone()[
            0
        ]
        declared = dict(conn.execute("SELECT id_fiche, unite FROM fiches_fdes"))
    finally:
        conn.close()
    projects = {r["code_affaire"]: r["rnb_batiment"] for r in rows}
    assert projects["EXT-SC"] == school
    # the housing project is the social landlord's: in its residences, not cda's register
    assert projects["LOG-MIN"] not in usage
    residences = json.loads(demo.bailleur_json.read_text(encoding="utf-8"))
    (housing,) = [r for r in residences if r["identifiants"]["rnb"] == projects["LOG-MIN"]]
    assert (housing["type"], housing["nom"]) == ("COLLECTIF", "Résidence Les Minimes - îlot B")
    for r in rows:
        assert 1 <= int(r["num_lot"]) <= 13
        assert r["ref_fdes"] in declared, r
        assert r["unite"] == declared[r["ref_fdes"]], r  # quantity in the declaration's unit
        assert float(r["quantite"]) > 0
    assert len({r["id_ligne"] for r in rows}) == len(rows)
    assert {int(r["num_lot"]) for r in rows if r["code_affaire"] == "LOG-MIN"} == set(range(1, 14))

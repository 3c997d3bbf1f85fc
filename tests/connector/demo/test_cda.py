"""The agglomeration's database: register, the school's energy use, declarations, factors."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from connector.demo import DemoPaths
from connector.demo.ids import uai_check_letter, uai_code
from connector.rnb import canonical_rnb_id

# The 28 communes of the CA de La Rochelle (INSEE COG, as read in the pages cited in
# policies/data/communes.csv), transcribed independently of the demo's data files.
CDA_INSEE = {
    "17010",
    "17028",
    "17059",
    "17094",
    "17109",
    "17136",
    "17142",
    "17153",
    "17190",
    "17193",
    "17194",
    "17200",
    "17222",
    "17245",
    "17264",
    "17274",
    "17291",
    "17300",
    "17315",
    "17373",
    "17391",
    "17407",
    "17413",
    "17414",
    "17420",
    "17443",
    "17466",
    "17483",
}


@pytest.fixture
def cda(demo: DemoPaths) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(demo.cda_db)
    yield conn
    conn.close()


def test_register_has_valid_unique_rnb_ids_in_the_agglomeration(cda: sqlite3.Connection) -> None:
    rows = cda.execute("SELECT id_rnb, code_insee, code_usage FROM batiments").fetchall()
    assert 800 < len(rows) < 1200  # of 1,200 drawn: Lagord's and the collective housing left
    assert len({r[0] for r in rows}) == len(rows)
    assert all(canonical_rnb_id(r[0]) == r[0] for r in rows)
    # the commune of Lagord and the social landlord hold theirs
    assert {r[1] for r in rows} == CDA_INSEE - {"17200"}
    assert {r[2] for r in rows} == {"HAB_IND", "ENS", "BUR", "COM", "SPO", "SAN"}
    assert len(CDA_INSEE) == 28


def test_uai_check_letter() -> None:
    # Lycée Henri-IV (Paris) is 0750654D and Louis-le-Grand 0750655E: 750654 mod 23 = 3.
    assert uai_check_letter("0750654") == "D"
    assert uai_check_letter("0750655") == "E"
    # 171234 = 23 × 7444 + 22, the 23rd letter of ABCDEFGHJKLMNPRSTUVWXYZ
    assert uai_code("0171234") == "0171234Z"
    with pytest.raises(ValueError, match="7 digits"):
        uai_check_letter("017123")


def test_the_school_is_in_the_register(cda: sqlite3.Connection) -> None:
    row = cda.execute(
        "SELECT nom, code_uai, code_insee, code_usage, surface_plancher_m2 FROM batiments "
        "WHERE code_uai IS NOT NULL"
    ).fetchall()
    assert row == [("École Saint-Christophe", "0171234Z", "17300", "ENS", 1450.0)]


def test_school_energy_2024_is_the_worked_example(cda: sqlite3.Connection) -> None:
    rows = cda.execute(
        "SELECT c.code_energie, c.code_usage_energie, c.conso_mwh FROM consommations c "
        "JOIN batiments b ON b.id_rnb = c.id_rnb WHERE b.code_uai IS NOT NULL AND c.annee = 2024 "
        "ORDER BY 1, 2"
    ).fetchall()
    kwh = {(carrier, use): mwh * 1000 for carrier, use, mwh in rows}
    # 81 kWh/m²·yr × 1,450 m² = 117,450 kWh; gas 60 % = 70,470; electricity 40 % = 46,980,
    # half heating (23,490) and half lighting (23,490).
    assert kwh == pytest.approx(
        {("GN", "CHAUF"): 70_470, ("ELEC", "CHAUF"): 23_490, ("ELEC", "ECL"): 23_490}
    )
    assert sum(kwh.values()) == pytest.approx(117_450)

    factors = dict(
        ((e, u), f)
        for e, u, f in cda.execute("SELECT energie, usage, kgco2e_kwh_pci FROM facteurs_ges")
    )
    co2 = (
        kwh["GN", "CHAUF"] * factors["gaz naturel", "all"]
        + kwh["ELEC", "CHAUF"] * factors["électricité", "chauffage"]
        + kwh["ELEC", "ECL"] * factors["électricité", "éclairage"]
    )
    # issue 4: 70,470 × 0.227 + 23,490 × 0.079 + 23,490 × 0.069 = 19,473.21 kg = 19.47 t
    assert co2 == pytest.approx(19_473.21)
    assert co2 / 1450 == pytest.approx(13.43, abs=0.005)


def test_every_building_in_use_has_energy_rows(cda: sqlite3.Connection) -> None:
    missing = cda.execute(
        "SELECT count(*) FROM batiments b WHERE annee_construction <= 2024 AND NOT EXISTS "
        "(SELECT 1 FROM consommations c WHERE c.id_rnb = b.id_rnb)"
    ).fetchone()
    assert missing == (0,)
    codes = cda.execute("SELECT DISTINCT code_energie FROM consommations").fetchall()
    assert {c[0] for c in codes} <= {"GN", "ELEC", "FOD", "BOIS_GRA", "GPL"}


def test_emission_factors_are_the_dpe_2021_values(cda: sqlite3.Connection) -> None:
    # arrêté du 31 mars 2021 (DPE 3CL-2021): natural gas 0.227, heating electricity 0.079
    assert cda.execute("SELECT count(*) FROM facteurs_ges").fetchone() == (14,)
    assert cda.execute(
        "SELECT kgco2e_kwh_pci FROM facteurs_ges WHERE energie = 'gaz naturel'"
    ).fetchone() == (0.227,)
    assert cda.execute(
        "SELECT kgco2e_kwh_pci FROM facteurs_ges WHERE energie = 'électricité' "
        "AND usage = 'chauffage'"
    ).fetchone() == (0.079,)


def test_declarations_have_all_modules_and_are_labelled_illustrative(
    cda: sqlite3.Connection,
) -> None:
    rows = cda.execute(
        "SELECT id_fiche, unite, duree_vie, rc_a1a3, rc_a4, rc_a5, rc_b, rc_c, "
        "rc_d FROM fiches_fdes"
    ).fetchall()
    assert len(rows) >= 20
    for r in rows:
        assert r[0].startswith("DEMO-")
        assert r[1] in {"M3", "M2", "KG", "ML", "U"}
        assert r[2] > 0 and r[3] > 0
        assert None not in r

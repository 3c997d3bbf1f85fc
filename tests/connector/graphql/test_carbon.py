"""Building.carbon on the node holding the register, declarations and energy use, with the
bill of quantities arriving through ``@requires`` (as the gateway sends it).

Hand computation (weights from connector/domain/data/dynamic_lca_weights.csv: year 0 =
1.0000, year 50 = 0.5781; DPE 2021 factors: gas 0.227, electricity heating 0.079,
electricity lighting 0.069 kg CO2e/kWh):

embodied: 1,450 m3 of a product with A1-A3 200, A4 10, A5 5, B 0, C 20, D -5 kg CO2e/m3,
service life 100 years (no replacement in 50 years), for a new building whose reference area
(SRef) is 1,450 m² (the building's floor area, here):
    per m²: A1-A3 200 + A4 10 + A5 5 (year 0) + C 20 x 0.5781 = 11.562 (year 50)
    Ic_construction = 226.562 kg CO2e/m²; module D -5 (reported, not counted)
    collective housing, permit 2025: Ic_construction_maxmoyen 650 -> within
    the same bill for an extension of SRef 145 m²: 328,515 / 145 = 2,265.62 kg CO2e/m²
    (1,450 × 226.562 = 328,514.9 kg CO2e) -> above 650
operational (issue example): 81 kWh/m² x 1,450 m² = 117,450 kWh:
    60 % gas heating 70,470 x 0.227 = 15,996.69
    20 % electricity heating 23,490 x 0.079 = 1,855.71
    20 % electricity lighting 23,490 x 0.069 = 1,620.81
    total 19,473.21 kg CO2e a year = 13.43 kg/m²
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from connector.config import load_config
from connector.node import Node
from tests.connector.conftest import Runner

pytestmark = pytest.mark.anyio

RNB = "PG46YY6YJW8N"
CONFIG = """
[node]
name = "city"
participant = "https://example.org/participants/city"
port = 8197

[sources.db]
kind = "sql"
url = "sqlite+aiosqlite:///city.db"

[entities.Building]
source = "db"
table = "batiments"
[entities.Building.fields]
rnbId = "rnb"
usage = { column = "usage", values = { LOG = "collective_housing" } }
floorArea = "surface"

[entities.EnergyUse]
source = "db"
table = "conso"
[entities.EnergyUse.fields]
id = "id"
rnbId = "rnb"
year = "annee"
carrier = "energie"
use = "usage"
kwh = "kwh"

[entities.ProductDeclaration]
source = "db"
table = "fdes"
[entities.ProductDeclaration.fields]
id = "id"
serviceLife = "duree"
gwpA1A3 = "a1a3"
gwpA4 = "a4"
gwpA5 = "a5"
gwpB = "b"
gwpC = "c"
gwpD = "d"

[datasets.registre]
title = "Registre"
entities = { Building = ["*"] }

[datasets.energie]
title = "Energie"
entities = { EnergyUse = ["*"] }

[datasets.fdes]
title = "FDES"
entities = { ProductDeclaration = ["*"] }

[carbon]
material_dataset = "https://example.org/datasets/bill"
material_publisher = "https://example.org/participants/builder"
permit_year = 2025
[carbon.building_types]
collective_housing = "logement_collectif"

[usage]
enforce = false
"""

QUERY = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Building {
  carbon { project projectKind referenceArea permitYear thresholdPeriod floorArea
           icConstruction moduleD threshold verdict byLot { lot kgCo2ePerM2 }
           byModule { module kgCo2ePerM2 } operationalYear operationalKgCo2ePerYear
           operationalKgCo2ePerM2 wasDerivedFrom { iri publisher } } } } }"""


@pytest.fixture
async def city(tmp_path: Path) -> Runner:
    db = sqlite3.connect(tmp_path / "city.db")
    db.executescript("""
        CREATE TABLE batiments (rnb TEXT PRIMARY KEY, usage TEXT, surface REAL);
        CREATE TABLE conso (id TEXT PRIMARY KEY, rnb TEXT, annee INTEGER, energie TEXT,
                            usage TEXT, kwh REAL);
        CREATE TABLE fdes (id TEXT PRIMARY KEY, duree INTEGER, a1a3 REAL, a4 REAL, a5 REAL,
                           b REAL, c REAL, d REAL);
    """)
    db.execute("INSERT INTO batiments VALUES (?, 'LOG', 1450)", (RNB,))
    db.executemany(
        "INSERT INTO conso VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("E0", RNB, 2023, "gaz naturel", "chauffage", 99999),  # an older year: not used
            ("E1", RNB, 2024, "gaz naturel", "chauffage", 70470),
            ("E2", RNB, 2024, "électricité", "chauffage", 23490),
            ("E3", RNB, 2024, "électricité", "éclairage", 23490),
        ],
    )
    db.execute("INSERT INTO fdes VALUES ('P1', 100, 200, 10, 5, 0, 20, -5)")
    db.commit()
    db.close()
    (tmp_path / "city.toml").write_text(CONFIG, encoding="utf-8")
    return Runner(Node.from_config(load_config(tmp_path / "city.toml")))


NEW = {
    "id": "NB-1",
    "name": "New",
    "kind": "new_building",
    "referenceArea": 1450,
    "permitYear": 2025,
}
EXT = {"id": "EXT-1", "name": "Ext", "kind": "extension", "referenceArea": 145, "permitYear": 2025}


def line(ident: str, project: str | None = "NB-1", product: str = "P1") -> dict:
    return {"id": ident, "lot": 3, "quantity": 1450, "productId": product, "projectId": project}


def rep(bill: list[dict] | None, projects: list[dict] | None = None) -> list[dict]:
    out: dict = {"__typename": "Building", "rnbId": RNB}
    if bill is not None:
        out["billOfQuantities"] = bill
        out["constructionProjects"] = [NEW, EXT] if projects is None else projects
    return [out]


async def test_carbon_from_the_required_bill_and_local_energy(city: Runner) -> None:
    r = await city(QUERY, r=rep([line("L1")]))
    assert r.errors is None, r.errors
    c = r.data["_entities"][0]["carbon"]
    assert (c["project"], c["projectKind"], c["referenceArea"]) == ("NB-1", "new_building", 1450)
    assert (c["permitYear"], c["thresholdPeriod"]) == (2025, "2025-2027")
    # served to the precision of the unit (connector.precision): 226.562 -> 226.6 kg CO2e/m²
    assert c["icConstruction"] == 226.6
    assert c["moduleD"] == -5.0
    assert c["threshold"] == 650.0 and c["verdict"] == "within"
    assert c["byLot"] == [{"lot": 3, "kgCo2ePerM2": 226.6}]
    assert {m["module"]: m["kgCo2ePerM2"] for m in c["byModule"]} == {
        "A1-A3": 200.0,
        "A4": 10.0,
        "A5": 5.0,
        "B": 0.0,
        "C": 11.6,
    }
    assert c["operationalYear"] == 2024
    assert c["operationalKgCo2ePerYear"] == 19473.0  # 19,473.21 kg to the kilogram
    assert c["operationalKgCo2ePerM2"] == 13.4  # 19,473.21 / 1,450 = 13.43 to one decimal
    assert sorted(c["wasDerivedFrom"], key=lambda d: d["iri"]) == [
        {
            "iri": "http://127.0.0.1:8197/catalog/energie",
            "publisher": "https://example.org/participants/city",
        },
        {
            "iri": "http://127.0.0.1:8197/catalog/fdes",
            "publisher": "https://example.org/participants/city",
        },
        {
            "iri": "http://127.0.0.1:8197/catalog/registre",
            "publisher": "https://example.org/participants/city",
        },
        {
            "iri": "https://example.org/datasets/bill",
            "publisher": "https://example.org/participants/builder",
        },
    ]


async def test_without_a_bill_the_verdict_says_so(city: Runner) -> None:
    r = await city(QUERY, r=rep(None))
    assert r.errors is None, r.errors
    c = r.data["_entities"][0]["carbon"]
    assert c["icConstruction"] is None and c["verdict"] == "no_bill"
    assert c["operationalKgCo2ePerYear"] == 19473.0
    assert "https://example.org/datasets/bill" not in {d["iri"] for d in c["wasDerivedFrom"]}


async def test_an_extension_is_divided_by_its_own_reference_area(city: Runner) -> None:
    r = await city(QUERY, r=rep([line("L1", "EXT-1")]))
    assert r.errors is None, r.errors
    c = r.data["_entities"][0]["carbon"]
    assert (c["project"], c["referenceArea"], c["floorArea"]) == ("EXT-1", 145, 1450)
    assert c["icConstruction"] == 2265.6  # 2,265.62 to one decimal
    assert (c["threshold"], c["verdict"]) == (650.0, "above")


async def test_a_bill_of_two_projects_needs_the_project_named(city: Runner) -> None:
    bill = [line("L1", "NB-1"), line("L2", "EXT-1")]
    r = await city(QUERY, r=rep(bill))
    assert r.errors[0].message == (
        f"building {RNB}: the bill covers projects EXT-1, NB-1; choose one with "
        "carbon(project: ...)"
    )
    chosen = QUERY.replace("carbon {", 'carbon(project: "EXT-1") {')
    r = await city(chosen, r=rep(bill))
    assert r.errors is None, r.errors
    assert r.data["_entities"][0]["carbon"]["icConstruction"] == 2265.6


@pytest.mark.parametrize(
    ("bill", "projects", "message"),
    [
        (
            [line("L1", None)],
            None,
            f"building {RNB}: material lines L1 belong to no construction project, so there "
            "is no reference area to divide them by",
        ),
        (
            [line("L1")],
            [EXT],
            f"building {RNB}: project 'NB-1' was not given with its bill (constructionProjects)",
        ),
        (
            [line("L1")],
            [{**NEW, "referenceArea": 0}],
            "project 'NB-1': reference area (SRef, m²) expected a positive number, got 0; "
            "Ic_construction per m² cannot be computed",
        ),
    ],
)
async def test_no_other_area_stands_in_for_the_project_s(
    city: Runner, bill: list[dict], projects: list[dict] | None, message: str
) -> None:
    r = await city(QUERY, r=rep(bill, projects))
    assert r.errors[0].message == message
    assert r.data["_entities"][0]["carbon"] is None


async def test_unknown_product_is_named(city: Runner) -> None:
    r = await city(QUERY, r=rep([line("L1", product="NOPE")]))
    assert r.errors[0].message == f"building {RNB}: no product declaration NOPE on this node"

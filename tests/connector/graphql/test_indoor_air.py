"""ICONE per classroom on occupied times only, computed by the source.

Occupancy: Monday, Tuesday, Thursday, Friday, 08:30-11:45 and 13:30-16:30 local time,
minus the holiday 2025-10-20 to 2025-10-24. Expected values by hand (ICONE formula:
2.5 / log10(2) x log10(1 + f1 + 3 f2), rounded):

room A, occupied readings 900, 1200, 1800, 1000, 950 (n = 5):
    f1 = #(1000, 1700] / n = 1/5 = 0.2 (1200); f2 = #>1700 / n = 1/5 = 0.2 (1800)
    ICONE = 8.3048 x log10(1.8) = 8.3048 x 0.25527 = 2.12 -> 2
    > 800 ppm: 5/5 = 1.0; > 1500 ppm: 1/5 = 0.2; mean 5850 / 5 = 1170; max 1800
room B, occupied readings 600, 700: f1 = f2 = 0 -> ICONE 0; mean 650; max 700
Unoccupied readings (lunch, early morning, Wednesday, Saturday, holiday) are all high
and must not count.
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
READINGS = [
    # salle, local time, ppm
    ("A", "2025-10-06 09:00:00", 900),
    ("A", "2025-10-06 10:00:00", 1200),
    ("A", "2025-10-06 11:00:00", 1800),
    ("A", "2025-10-06 14:00:00", 1000),
    ("A", "2025-10-09 16:00:00", 950),
    ("A", "2025-10-06 12:00:00", 2500),  # lunch break
    ("A", "2025-10-06 07:00:00", 3000),  # before school
    ("A", "2025-10-08 10:00:00", 2600),  # Wednesday
    ("A", "2025-10-20 10:00:00", 3000),  # holiday
    ("B", "2025-10-07 09:00:00", 600),
    ("B", "2025-10-10 15:00:00", 700),
    ("B", "2025-10-11 10:00:00", 5000),  # Saturday
    ("B", "2025-10-07 16:45:00", 4000),  # after school
]

CONFIG = """
[node]
name = "air"
participant = "https://example.org/participants/air"
port = 8198

[sources.db]
kind = "sql"
url = "sqlite+aiosqlite:///air.db"

[entities.Space]
source = "db"
table = "salles"
[entities.Space.fields]
id = { columns = ["batiment", "etage", "salle"], separator = "/" }
rnbId = "batiment"
code = "salle"

[entities.Observation]
source = "db"
table = "mesures"
[entities.Observation.fields]
id = "id"
spaceId = { columns = ["batiment", "etage", "salle"], separator = "/" }
observedProperty = { column = "polluant", values = { CO2 = "co2" } }
resultTime = { column = "horodatage", timezone = "Europe/Paris" }
value = "valeur"

[datasets.salles]
title = "Salles"
entities = { Space = ["*"] }

[datasets.mesures]
title = "Mesures"
entities = { Observation = ["*"] }

[indoor_air]
weekdays = [1, 2, 4, 5]
hours = [["08:30", "11:45"], ["13:30", "16:30"]]
calendar = "calendar.csv"

[usage]
enforce = false
"""


@pytest.fixture
async def air(tmp_path: Path) -> Runner:
    db = sqlite3.connect(tmp_path / "air.db")
    db.executescript("""
        CREATE TABLE salles (batiment TEXT, etage TEXT, salle TEXT);
        CREATE TABLE mesures (id INTEGER PRIMARY KEY, batiment TEXT, etage TEXT, salle TEXT,
                              polluant TEXT, horodatage TIMESTAMP, valeur REAL);
    """)
    db.executemany("INSERT INTO salles VALUES (?, 'RDC', ?)", [(RNB, "A"), (RNB, "B")])
    db.executemany(
        "INSERT INTO mesures (batiment, etage, salle, polluant, horodatage, valeur) "
        "VALUES (?, 'RDC', ?, 'CO2', ?, ?)",
        [(RNB, *r) for r in READINGS],
    )
    db.commit()
    db.close()
    (tmp_path / "calendar.csv").write_text(
        "# test calendar\ntype,libelle,debut,fin\n"
        "rentree,Rentrée,2025-09-01,2025-09-01\n"
        "vacances,Toussaint,2025-10-20,2025-10-24\n",
        encoding="utf-8",
    )
    (tmp_path / "air.toml").write_text(CONFIG, encoding="utf-8")
    node = Node.from_config(load_config(tmp_path / "air.toml"))
    return Runner(node)


REPORT = (
    "{ spaceId icone f1 f2 shareAbove800 shareAbove1500 mean max occupiedReadings "
    "wasDerivedFrom { title } }"
)


async def test_icone_per_space_on_occupied_times(air: Runner) -> None:
    r = await air(
        'query($id: ID!) { space(id: $id) { indoorAir(from: "2025-10-01T00:00:00Z", '
        f'to: "2025-11-01T00:00:00Z") {REPORT} }} }}',
        id=f"{RNB}/RDC/A",
    )
    assert r.errors is None, r.errors
    report = r.data["space"]["indoorAir"]
    assert report == {
        "spaceId": f"{RNB}/RDC/A",
        "icone": 2,
        "f1": pytest.approx(0.2),
        "f2": pytest.approx(0.2),
        "shareAbove800": pytest.approx(1.0),
        "shareAbove1500": pytest.approx(0.2),
        "mean": pytest.approx(1170.0),
        "max": 1800.0,
        "occupiedReadings": 5,
        "wasDerivedFrom": [{"title": "Mesures"}],
    }


async def test_building_reports_every_space_in_one_statement_per_level(air: Runner) -> None:
    q = (
        "query($r: [_Any!]!) { _entities(representations: $r) "
        "{ ... on Building { indoorAir { spaceId icone mean max occupiedReadings } } } }"
    )

    def reps() -> list[dict[str, str]]:
        return [{"__typename": "Building", "rnbId": RNB}]

    await air(q, r=reps())  # reads the tables' schema once
    before = air.statements()
    r = await air(q, r=reps())
    assert r.errors is None, r.errors
    assert r.data["_entities"][0]["indoorAir"] == [
        {
            "spaceId": f"{RNB}/RDC/A",
            "icone": 2,
            "mean": pytest.approx(1170.0),
            "max": 1800.0,
            "occupiedReadings": 5,
        },
        {
            "spaceId": f"{RNB}/RDC/B",
            "icone": 0,
            "mean": pytest.approx(650.0),
            "max": 700.0,
            "occupiedReadings": 2,
        },
    ]
    assert air.statements() - before == 2  # the building's spaces, then one aggregate


async def test_bad_period_is_named(air: Runner) -> None:
    r = await air(
        'query($id: ID!) { space(id: $id) { indoorAir(from: "2025-11-01T00:00:00Z", '
        'to: "2025-10-01T00:00:00Z") { icone } } }',
        id=f"{RNB}/RDC/A",
    )
    assert r.errors[0].message == (
        "indoorAir: from 2025-11-01T00:00:00+00:00 must be before to 2025-10-01T00:00:00+00:00"
    )


WEEK = "{ week periodStart periodEnd icone f1 f2 mean occupiedReadings method }"


async def test_weeks_and_worst_week_one_statement_for_every_space(air: Runner) -> None:
    """Room A's occupied readings all fall in ISO week 2025-W41 (Monday 6 October); room
    B's too (7 and 10 October). Asked from Wednesday 8 October (local midnight, UTC+2)
    to 1 November, the week is cut to start at the period's start: room A keeps 950 ppm
    of Thursday 9 October only (f1 = f2 = 0, ICONE 0), room B 700 ppm of Friday 10."""
    q = (
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Building { "
        'indoorAir(from: "2025-10-08T00:00:00+02:00", to: "2025-11-01T00:00:00+01:00") '
        f"{{ spaceId method weeks {WEEK} worstWeek {{ week icone }} }} }} }} }}"
    )
    await air(q, r=[{"__typename": "Building", "rnbId": RNB}])  # reads the tables' schema
    before = air.statements()
    r = await air(q, r=[{"__typename": "Building", "rnbId": RNB}])
    assert r.errors is None, r.errors
    a, b = r.data["_entities"][0]["indoorAir"]
    assert a["method"].startswith("ICONE over every occupied 10-minute reading of the period")
    (week,) = a["weeks"]
    assert week["method"].startswith("ICONE over the occupied 10-minute readings of one calendar")
    assert "Europe/Paris" in week["method"]
    assert {k: v for k, v in week.items() if k != "method"} == {
        "week": "2025-W41",
        "periodStart": "2025-10-07T22:00:00+00:00",
        "periodEnd": "2025-10-12T22:00:00+00:00",
        "icone": 0,
        "f1": 0.0,
        "f2": 0.0,
        "mean": 950.0,
        "occupiedReadings": 1,
    }
    assert a["worstWeek"] == {"week": "2025-W41", "icone": 0}
    assert [w["mean"] for w in b["weeks"]] == [700.0]
    # the spaces, then the weeks of every space: the period is their rows pooled, and
    # worstWeek reads them again
    assert air.statements() - before == 2


async def test_a_whole_month_has_one_row_per_week_with_readings(air: Runner) -> None:
    """October 2025, room A: only week 2025-W41 has occupied readings (the 20 October
    reading is in the holiday), so one week, equal to the month's aggregate: ICONE 2."""
    r = await air(
        'query($id: ID!) { space(id: $id) { indoorAir(from: "2025-10-01T00:00:00+02:00", '
        'to: "2025-11-01T00:00:00+01:00") { icone weeks { week icone occupiedReadings } '
        "worstWeek { week icone f1 f2 } } } }",
        id=f"{RNB}/RDC/A",
    )
    assert r.errors is None, r.errors
    report = r.data["space"]["indoorAir"]
    assert report["weeks"] == [{"week": "2025-W41", "icone": 2, "occupiedReadings": 5}]
    assert report["worstWeek"] == {
        "week": "2025-W41",
        "icone": 2,
        "f1": pytest.approx(0.2),
        "f2": pytest.approx(0.2),
    }


async def test_period_weeks_and_worst_week_of_a_space_are_one_statement(air: Runner) -> None:
    """October 2025, room A, with its weeks: the readings of Monday 6 and Thursday 9 are
    in week 2025-W41 (five occupied readings, see the module's docstring): the period's
    figures equal that week's, and are computed by hand above (mean 5850 / 5 = 1170)."""
    q = (
        'query($id: ID!) { space(id: $id) { indoorAir(from: "2025-10-01T00:00:00+02:00", '
        'to: "2025-11-01T00:00:00+01:00") { icone f1 f2 shareAbove800 shareAbove1500 mean '
        "max occupiedReadings weeks { week mean occupiedReadings } worstWeek { week } } } }"
    )
    await air(q, id=f"{RNB}/RDC/A")  # reads the tables' schema once
    before = air.statements()
    r = await air(q, id=f"{RNB}/RDC/A")
    assert r.errors is None, r.errors
    assert air.statements() - before == 2  # the space's row, then one aggregate
    report = r.data["space"]["indoorAir"]
    assert report["occupiedReadings"] == 5 and report["mean"] == 1170.0
    assert report["max"] == 1800.0 and report["icone"] == 2
    assert (report["f1"], report["f2"]) == (0.2, 0.2)
    assert (report["shareAbove800"], report["shareAbove1500"]) == (1.0, 0.2)
    assert report["weeks"] == [{"week": "2025-W41", "mean": 1170.0, "occupiedReadings": 5}]
    assert report["worstWeek"] == {"week": "2025-W41"}


async def test_period_over_two_weeks_pools_their_rows(air: Runner, tmp_path: Path) -> None:
    """Room B asked with its weeks from 1 October to 1 November: 600 ppm on Tuesday 7 and
    700 ppm on Friday 10 (both W41), and nothing else occupied; mean 650, max 700. With a
    reading added in W42 (Monday 13, 10:00, 1300 ppm), the period pools two weeks: n 3,
    mean (600 + 700 + 1300) / 3, max 1300, f1 = 1/3 (1300 in (1000, 1700])."""
    db = sqlite3.connect(tmp_path / "air.db")
    db.execute(
        "INSERT INTO mesures (batiment, etage, salle, polluant, horodatage, valeur) "
        "VALUES (?, 'RDC', 'B', 'CO2', '2025-10-13 10:00:00', 1300)",
        (RNB,),
    )
    db.commit()
    db.close()
    q = (
        'query($id: ID!) { space(id: $id) { indoorAir(from: "2025-10-01T00:00:00+02:00", '
        'to: "2025-11-01T00:00:00+01:00") { f1 mean max occupiedReadings '
        "weeks { week occupiedReadings } } } }"
    )
    r = await air(q, id=f"{RNB}/RDC/B")
    assert r.errors is None, r.errors
    report = r.data["space"]["indoorAir"]
    assert report["weeks"] == [
        {"week": "2025-W41", "occupiedReadings": 2},
        {"week": "2025-W42", "occupiedReadings": 1},
    ]
    assert report["occupiedReadings"] == 3
    assert report["mean"] == (600 + 700 + 1300) / 3
    assert report["max"] == 1300.0 and report["f1"] == 1 / 3

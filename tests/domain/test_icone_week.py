"""Cross-check: ICONE of constructed weeks computed by hand, then by the domain function
and by a real node (GraphQL over demo-like data: the Atmo platform's columns, naive local
timestamps in Europe/Paris, the demo's school calendar and timetable).

The formula (décret n° 2012-14, art. 8; CSTB ICONE), f1 the share of occupied readings in
(1000, 1700] ppm, f2 the share above 1700 ppm:

    ICONE = 2.5 / log10(2) × log10(1 + f1 + 3·f2),  2.5 / log10(2) = 8.30482

Occupied time (the demo school's week): Monday, Tuesday, Thursday, Friday, 08:30-11:45
and 13:30-16:30, one reading every 10 minutes: 20 readings a morning (08:30 ... 11:40),
18 an afternoon (13:30 ... 16:20), 38 a day, 152 a week of four school days. Weeks
2025-W47 (17-21 November 2025) and 2025-W48 (24-28 November) have no holiday.

Week 2025-W47, each day: morning 10 × 900, 6 × 1200, 4 × 1800 ppm; afternoon 10 × 950,
8 × 1400 ppm. Per day 4 readings > 1700, 6 + 8 = 14 in (1000, 1700], 20 ≤ 1000.
    n = 4 × 38 = 152; n(f2) = 4 × 4 = 16; n(f1) = 4 × 14 = 56
    1 + f1 + 3 f2 = 1 + 56/152 + 48/152 = 256/152 = 1.684211
    log10(1.684211) = 0.226396;  × 8.30482 = 1.8802  →  ICONE 2

Week 2025-W48, each day: the same morning; afternoon 18 × 1800 ppm. Per day 4 + 18 = 22
readings > 1700, 6 in (1000, 1700], 10 ≤ 1000.
    n = 152; n(f2) = 88; n(f1) = 24
    1 + 24/152 + 264/152 = 440/152 = 2.894737
    log10(2.894737) = 0.461609;  × 8.30482 = 3.8336  →  ICONE 4   (the worst week)

Both weeks pooled (the period's aggregate, not the protocol's weekly index):
    n = 304; n(f2) = 104; n(f1) = 80
    1 + 80/304 + 312/304 = 696/304 = 2.289474
    log10(2.289474) = 0.359736;  × 8.30482 = 2.9875  →  ICONE 3

Readings outside occupied time are all 3,000 ppm and must not count: Wednesday, the lunch
break, 07:50, 16:40, Saturday.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from connector.config import load_config
from connector.domain import icone_from_values, icone_index
from connector.node import Node
from tests.connector.conftest import Runner

pytestmark = pytest.mark.anyio

RNB = "PG46YY6YJW8N"
ROOM = f"{RNB}/RDC/CL06"
CALENDAR = (
    Path(__file__).resolve().parents[2]
    / "connector/demo/data/calendrier_scolaire_zone_a_2025_2026.csv"
)
MORNING = [900.0] * 10 + [1200.0] * 6 + [1800.0] * 4
AFTERNOON = {47: [950.0] * 10 + [1400.0] * 8, 48: [1800.0] * 18}
MONDAYS = {47: date(2025, 11, 17), 48: date(2025, 11, 24)}
UNOCCUPIED = ("07:50", "12:00", "12:30", "16:40")

# by hand (module docstring)
HAND = {
    47: {"icone": 2, "f1": 56 / 152, "f2": 16 / 152, "n": 152, "exact": 1.8802},
    48: {"icone": 4, "f1": 24 / 152, "f2": 88 / 152, "n": 152, "exact": 3.8336},
}
HAND_POOLED = {"icone": 3, "f1": 80 / 304, "f2": 104 / 304, "n": 304, "exact": 2.9875}


def occupied_readings(week: int) -> list[tuple[datetime, float]]:
    out = []
    for day in (0, 1, 3, 4):  # Monday, Tuesday, Thursday, Friday
        d = datetime.combine(MONDAYS[week] + timedelta(days=day), datetime.min.time())
        for k, v in enumerate(MORNING):
            out.append((d + timedelta(hours=8, minutes=30 + 10 * k), v))
        for k, v in enumerate(AFTERNOON[week]):
            out.append((d + timedelta(hours=13, minutes=30 + 10 * k), v))
    return out


def unoccupied_readings(week: int) -> list[tuple[datetime, float]]:
    monday = datetime.combine(MONDAYS[week], datetime.min.time())
    out = [(monday + timedelta(days=2, hours=10), 3000.0)]  # Wednesday
    out.append((monday + timedelta(days=5, hours=10), 3000.0))  # Saturday
    for hhmm in UNOCCUPIED:
        h, m = map(int, hhmm.split(":"))
        out.append((monday + timedelta(hours=h, minutes=m), 3000.0))
    return out


def test_the_constructed_weeks_hold_what_the_hand_computation_counts() -> None:
    for week, hand in HAND.items():
        values = [v for _, v in occupied_readings(week)]
        assert len(values) == hand["n"]
        assert sum(v > 1700 for v in values) == round(hand["f2"] * hand["n"])
        assert sum(1000 < v <= 1700 for v in values) == round(hand["f1"] * hand["n"])


@pytest.mark.parametrize("week", [47, 48])
def test_domain_function_matches_the_hand_computation(week: int) -> None:
    hand = HAND[week]
    r = icone_from_values(v for _, v in occupied_readings(week))
    assert (r.icone, r.count) == (hand["icone"], hand["n"])
    assert r.f1 == pytest.approx(hand["f1"]) and r.f2 == pytest.approx(hand["f2"])
    assert r.icone_exact == pytest.approx(hand["exact"], abs=1e-4)
    assert icone_index(hand["f1"], hand["f2"]) == hand["icone"]


def test_domain_function_pools_both_weeks_as_the_hand_computation() -> None:
    values = [v for w in (47, 48) for _, v in occupied_readings(w)]
    r = icone_from_values(values)
    assert (r.icone, r.count) == (HAND_POOLED["icone"], HAND_POOLED["n"])
    assert r.icone_exact == pytest.approx(HAND_POOLED["exact"], abs=1e-4)


CONFIG = """
[node]
name = "atmo-like"
participant = "https://example.org/participants/atmo-like"
port = 8197

[sources.plateforme]
kind = "sql"
url = "sqlite+aiosqlite:///atmo.db"

[entities.Space]
source = "plateforme"
table = "salles"
[entities.Space.fields]
id = { columns = ["site_rnb", "niveau", "code_salle"], separator = "/" }
rnbId = "site_rnb"
code = "code_salle"

[entities.Observation]
source = "plateforme"
table = "vue_mesures_salles"
[entities.Observation.fields]
id = "id_mesure"
spaceId = { columns = ["site_rnb", "etage", "salle"], separator = "/" }
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
calendar = "CALENDAR"

[usage]
enforce = false
"""


@pytest.fixture
async def atmo_like(tmp_path: Path) -> Runner:
    db = sqlite3.connect(tmp_path / "atmo.db")
    db.executescript("""
        CREATE TABLE salles (site_rnb TEXT, niveau TEXT, code_salle TEXT);
        CREATE TABLE vue_mesures_salles (id_mesure INTEGER PRIMARY KEY, site_rnb TEXT,
            etage TEXT, salle TEXT, polluant TEXT, horodatage TIMESTAMP, valeur REAL);
    """)
    db.execute("INSERT INTO salles VALUES (?, 'RDC', 'CL06')", (RNB,))
    rows = [
        (when.isoformat(sep=" "), v)
        for w in (47, 48)
        for when, v in (*occupied_readings(w), *unoccupied_readings(w))
    ]
    db.executemany(
        "INSERT INTO vue_mesures_salles (site_rnb, etage, salle, polluant, horodatage, valeur) "
        "VALUES (?, 'RDC', 'CL06', 'CO2', ?, ?)",
        [(RNB, *r) for r in rows],
    )
    db.commit()
    db.close()
    (tmp_path / "atmo.toml").write_text(
        CONFIG.replace("CALENDAR", CALENDAR.as_posix()), encoding="utf-8"
    )
    return Runner(Node.from_config(load_config(tmp_path / "atmo.toml")))


FIGURES = "icone f1 f2 occupiedReadings periodStart periodEnd method"


async def test_the_node_matches_the_hand_computation(atmo_like: Runner) -> None:
    r = await atmo_like(
        'query($id: ID!) { space(id: $id) { indoorAir(from: "2025-11-17T00:00:00+01:00", '
        f'to: "2025-12-01T00:00:00+01:00") {{ {FIGURES} weeks {{ week {FIGURES} }} '
        "worstWeek { week icone } } } }",
        id=ROOM,
    )
    assert r.errors is None, r.errors
    report = r.data["space"]["indoorAir"]
    assert (report["icone"], report["occupiedReadings"]) == (3, 304)
    assert report["f1"] == pytest.approx(HAND_POOLED["f1"])
    assert report["f2"] == pytest.approx(HAND_POOLED["f2"])
    assert "all weeks pooled" in report["method"]
    weeks = {w["week"]: w for w in report["weeks"]}
    assert list(weeks) == ["2025-W47", "2025-W48"]
    for week, hand in HAND.items():
        got = weeks[f"2025-W{week}"]
        assert (got["icone"], got["occupiedReadings"]) == (hand["icone"], hand["n"])
        assert got["f1"] == pytest.approx(hand["f1"]) and got["f2"] == pytest.approx(hand["f2"])
        assert "one calendar week" in got["method"]
    # Monday 00:00 Paris (UTC+1 in November) to the next Monday 00:00
    assert (weeks["2025-W47"]["periodStart"], weeks["2025-W47"]["periodEnd"]) == (
        "2025-11-16T23:00:00+00:00",
        "2025-11-23T23:00:00+00:00",
    )
    assert report["worstWeek"] == {"week": "2025-W48", "icone": 4}

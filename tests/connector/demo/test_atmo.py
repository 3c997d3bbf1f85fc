"""Atmo's readings: row counts implied by the calendar, the occupancy pattern, ICONE spread."""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from connector.config import load_config
from connector.demo import DemoPaths
from connector.rnb import canonical_rnb_id

# Zone A 2025-2026 (arrêté du 7 décembre 2022, NOR MENE2229099A), transcribed here
# independently of the demo's data file: first and last day without class.
HOLIDAYS = [
    (date(2025, 10, 18), date(2025, 11, 2)),  # Toussaint
    (date(2025, 12, 20), date(2026, 1, 4)),  # Noël
    (date(2026, 2, 7), date(2026, 2, 22)),  # hiver, zone A
    (date(2026, 4, 4), date(2026, 4, 19)),  # printemps, zone A
    (date(2026, 5, 15), date(2026, 5, 16)),  # pont de l'Ascension
    (date(2026, 7, 4), date(2026, 8, 31)),  # été
]
PUBLIC_HOLIDAYS = {
    date(2025, 11, 11),
    date(2026, 5, 1),
    date(2026, 5, 8),
    date(2026, 5, 14),
    date(2026, 5, 25),
}  # those falling on a school weekday


def expected_school_days() -> set[date]:
    days, day = set(), date(2025, 9, 1)
    while day < date(2026, 9, 1):
        off = any(a <= day <= b for a, b in HOLIDAYS) or day in PUBLIC_HOLIDAYS
        if day.weekday() in (0, 1, 3, 4) and not off:  # no class on Wednesday
            days.add(day)
        day += timedelta(days=1)
    return days


@pytest.fixture
def atmo(demo: DemoPaths) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(demo.atmo_db)
    yield conn
    conn.close()


def test_one_school_year_of_readings_every_ten_minutes(atmo: sqlite3.Connection) -> None:
    # 2025-09-01 to 2026-08-31: 365 days × 144 ten-minute steps × 18 sensors (6 rooms × 3)
    assert atmo.execute("SELECT count(*) FROM capteurs").fetchone() == (18,)
    assert atmo.execute("SELECT count(*) FROM mesures").fetchone() == (365 * 144 * 18,)
    per_sensor = set(atmo.execute("SELECT count(*) FROM mesures GROUP BY capteur"))
    assert per_sensor == {(365 * 144,)}
    assert atmo.execute("SELECT min(horodatage), max(horodatage) FROM mesures").fetchone() == (
        "2025-09-01 00:00:00",
        "2026-08-31 23:50:00",
    )


def test_local_timestamps_follow_daylight_saving_time(atmo: sqlite3.Connection) -> None:
    """Real 10-minute steps written in Paris wall-clock time: the night of 26 October 2025
    has 25 hours (150 steps, 02:00-02:50 twice), that of 29 March 2026 has 23 (138)."""

    def steps(day: str) -> int:
        return int(
            atmo.execute(
                "SELECT count(*) FROM mesures WHERE capteur = 'ESC-CL01-CO2' "
                "AND horodatage LIKE ? || '%'",
                (day,),
            ).fetchone()[0]
        )

    assert (steps("2025-10-26"), steps("2026-03-29"), steps("2025-10-27")) == (150, 138, 144)


def test_units_and_codes_are_the_platforms(atmo: sqlite3.Connection) -> None:
    pairs = set(atmo.execute("SELECT DISTINCT polluant, unite FROM mesures"))
    assert pairs == {("CO2", "ppm"), ("TEMP", "°C"), ("HR", "%")}
    lo, hi = atmo.execute(
        "SELECT min(valeur), max(valeur) FROM mesures WHERE polluant = 'TEMP'"
    ).fetchone()
    assert lo >= 12 and hi <= 32
    lo, hi = atmo.execute(
        "SELECT min(valeur), max(valeur) FROM mesures WHERE polluant = 'HR'"
    ).fetchone()
    assert lo >= 15 and hi <= 95


def co2_rise_by_day(atmo: sqlite3.Connection) -> dict[tuple[str, date], float]:
    """Per CO2 sensor and day: max reading during class hours minus the 08:30 reading."""
    first: dict[tuple[str, date], float] = {}
    top: dict[tuple[str, date], float] = defaultdict(lambda: -math.inf)
    for sensor, stamp, value in atmo.execute(
        "SELECT capteur, horodatage, valeur FROM mesures WHERE polluant = 'CO2' "
        "AND time(horodatage) BETWEEN '08:30:00' AND '16:30:00' ORDER BY capteur, horodatage"
    ):
        key = (sensor, date.fromisoformat(stamp[:10]))
        first.setdefault(key, value)
        top[key] = max(top[key], value)
    return {k: top[k] - first[k] for k in first}


def test_co2_rises_in_class_only_on_school_days(atmo: sqlite3.Connection) -> None:
    rises = co2_rise_by_day(atmo)
    school_days = expected_school_days()
    # Hand count of 4-day weeks between holidays: 1 Sep-17 Oct 7 weeks = 28; 3 Nov-19 Dec
    # 28 - 11 Nov = 27; 5 Jan-6 Feb 5 weeks = 20; 23 Feb-3 Apr 6 weeks = 24; 20 Apr-3 Jul
    # 11 weeks = 44 - 1, 8, 14, 15 and 25 May = 39. Total 138.
    assert len(school_days) == 138
    assert len({s for s, _ in rises}) == 6
    for (sensor, day), rise in rises.items():
        if day in school_days:
            assert rise > 100, (sensor, day, rise)
        else:
            assert rise < 60, (sensor, day, rise)  # Wednesdays, weekends, holidays: no one


def test_rooms_are_ventilated_differently_so_icone_differs(atmo: sqlite3.Connection) -> None:
    school_days = {d.isoformat() for d in expected_school_days()}
    shares: dict[str, tuple[float, float]] = {}
    for sensor in [
        r[0]
        for r in atmo.execute("SELECT id_capteur FROM capteurs WHERE polluant = 'CO2' ORDER BY 1")
    ]:
        values = [
            v
            for stamp, v in atmo.execute(
                "SELECT horodatage, valeur FROM mesures WHERE capteur = ? AND "
                "((time(horodatage) >= '08:30:00' AND time(horodatage) < '11:45:00') OR "
                " (time(horodatage) >= '13:30:00' AND time(horodatage) < '16:30:00'))",
                (sensor,),
            )
            if stamp[:10] in school_days
        ]
        f1 = sum(1000 < v <= 1700 for v in values) / len(values)
        f2 = sum(v > 1700 for v in values) / len(values)
        shares[sensor] = (f1, f2)
    icone = {
        s: round(2.5 / math.log10(2) * math.log10(1 + f1 + 3 * f2))
        for s, (f1, f2) in shares.items()
    }
    assert len(set(icone.values())) >= 3, icone
    assert min(icone.values()) == 0 and max(icone.values()) >= 3, icone
    assert sum(f1 + f2 > 0.3 for f1, f2 in shares.values()) >= 2  # regularly above 1000 ppm
    assert sum(f2 > 0.05 for _, f2 in shares.values()) >= 2  # sometimes above 1700 ppm


def test_space_ids_are_built_from_the_platforms_columns(
    demo: DemoPaths, atmo: sqlite3.Connection
) -> None:
    config = load_config(demo.atmo_toml)
    space_id = config.entities["Space"].fields["id"]
    assert (space_id.columns, space_id.separator) == (("site_rnb", "niveau", "code_salle"), "/")
    spaces = {"/".join(r) for r in atmo.execute("SELECT site_rnb, niveau, code_salle FROM salles")}
    sensors = {"/".join(r) for r in atmo.execute("SELECT site_rnb, etage, salle FROM capteurs")}
    assert len(spaces) == 6 and sensors == spaces
    for sid in spaces:
        rnb, storey, code = sid.split("/")
        assert canonical_rnb_id(rnb) == rnb and storey in {"RDC", "R1"} and code.startswith("CL")
    assert config.entities["Observation"].fields["resultTime"].timezone == "Europe/Paris"

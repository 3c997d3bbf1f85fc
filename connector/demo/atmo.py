"""Atmo's sensor platform database (``atmo.db``): rooms, sensors and raw readings.

``mesures`` is stored the way a sensor platform stores it: one row per reading, the
sensor's id, a naive *local* timestamp (Europe/Paris wall-clock time), the quantity code
and the unit as written by the platform. Readings are taken every 10 minutes of real
time, so the autumn DST day has 150 steps and the spring one 138.

CO2 follows a well-mixed single-zone mass balance per step of ``dt`` seconds::

    C(t+dt) = C_ss + (C(t) - C_ss) · exp(-Q·dt/V),   C_ss = C_out + G/Q

with the occupants' CO2 generation G (m³/s) while the class is in session, the room's
outdoor air flow Q (m³/s) and volume V (m³); parameters in ``data/parametres_air.csv``
and ``data/salles_ecole.csv``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from connector.demo import refdata
from connector.demo.school_calendar import SchoolCalendar
from connector.demo.sqlite_writer import bulk_database, insert_rows

TIMEZONE = "Europe/Paris"
STEP_SECONDS = 600
QUANTITIES = (("CO2", "ppm"), ("TEMP", "°C"), ("HR", "%"))
MODELS = {
    "CO2": "Capteur NDIR CO2 (démo)",
    "TEMP": "Sonde de température (démo)",
    "HR": "Sonde d'humidité capacitive (démo)",
}
VENTILATION_HOURS = (time(8, 0), time(17, 30))
HEATING_HOURS = (time(6, 30), time(16, 30))

SCHEMA = """
CREATE TABLE salles (
    id_salle INTEGER PRIMARY KEY,
    site_rnb TEXT NOT NULL,          -- identifiant RNB du bâtiment
    niveau TEXT NOT NULL,            -- RDC, R1...
    code_salle TEXT NOT NULL,
    libelle TEXT,
    type_salle TEXT NOT NULL,        -- CLASSE, BUREAU, CANTINE
    surface_m2 REAL,
    hauteur_m REAL,
    effectif INTEGER,
    UNIQUE (site_rnb, niveau, code_salle)
);
CREATE TABLE capteurs (
    id_capteur TEXT PRIMARY KEY,
    numero_serie TEXT NOT NULL,
    modele TEXT,
    polluant TEXT NOT NULL,          -- CO2, TEMP, HR
    unite TEXT NOT NULL,             -- ppm, °C, %
    site_rnb TEXT NOT NULL,
    etage TEXT NOT NULL,
    salle TEXT NOT NULL,
    date_pose TEXT,
    position_wkt TEXT                -- WGS 84, POINT (longitude latitude)
);
CREATE TABLE mesures (
    id_mesure INTEGER PRIMARY KEY,
    capteur TEXT NOT NULL,
    horodatage TEXT NOT NULL,        -- heure locale (Europe/Paris), sans fuseau
    polluant TEXT NOT NULL,
    valeur REAL,
    unite TEXT NOT NULL
);
"""

INDEXES_AND_VIEWS = """
CREATE INDEX idx_mesures_capteur ON mesures(capteur, horodatage);
CREATE INDEX idx_mesures_horodatage ON mesures(horodatage);
CREATE VIEW vue_mesures_salles AS
    SELECT m.id_mesure, m.capteur, m.horodatage, m.polluant, m.valeur, m.unite,
           c.site_rnb, c.etage, c.salle
    FROM mesures m JOIN capteurs c ON c.id_capteur = m.capteur;
"""


@dataclass(frozen=True)
class AtmoSummary:
    rooms: int
    sensors: int
    readings: int
    first_day: date
    end_day: date


def sensor_id(room: refdata.Classroom, quantity: str) -> str:
    return f"ESC-{room.code}-{quantity}"


def one_year_after(start: date) -> date:
    try:
        return start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        return start + timedelta(days=365)


def write_atmo(
    path: Path,
    rng: random.Random,
    *,
    school_rnb: str,
    start: date,
    calendar: SchoolCalendar,
    school_point: str | None = None,
) -> AtmoSummary:
    end = one_year_after(start)
    calendar.check_covers(start, end)
    rooms = refdata.classrooms()
    with bulk_database(path, SCHEMA) as conn:
        insert_rows(
            conn,
            "salles",
            (
                "site_rnb",
                "niveau",
                "code_salle",
                "libelle",
                "type_salle",
                "surface_m2",
                "hauteur_m",
                "effectif",
            ),
            [
                (school_rnb, r.storey, r.code, r.name, "CLASSE", r.area, r.height, r.pupils)
                for r in rooms
            ],
        )
        sensors = [
            (
                sensor_id(r, q),
                f"SN-{rng.randrange(16**6):06X}",
                MODELS[q],
                q,
                unit,
                school_rnb,
                r.storey,
                r.code,
                (start - timedelta(days=rng.randint(20, 400))).isoformat(),
                school_point,
            )
            for r in rooms
            for q, unit in QUANTITIES
        ]
        insert_rows(
            conn,
            "capteurs",
            (
                "id_capteur",
                "numero_serie",
                "modele",
                "polluant",
                "unite",
                "site_rnb",
                "etage",
                "salle",
                "date_pose",
                "position_wkt",
            ),
            sensors,
        )
        readings = insert_rows(
            conn,
            "mesures",
            ("capteur", "horodatage", "polluant", "valeur", "unite"),
            _readings(rng, rooms, calendar, start, end),
        )
        conn.executescript(INDEXES_AND_VIEWS)
    return AtmoSummary(len(rooms), len(sensors), readings, start, end)


@dataclass
class _RoomState:
    room: refdata.Classroom
    co2: float
    temp: float
    rh: float
    airflow: float = 0.0  # m³/s while ventilated, today
    generation: float = 0.0  # m³/s of CO2 while in class, today


def _readings(
    rng: random.Random,
    rooms: tuple[refdata.Classroom, ...],
    calendar: SchoolCalendar,
    start: date,
    end: date,
) -> Iterator[tuple[object, ...]]:
    tz = ZoneInfo(TIMEZONE)
    air = refdata.air_parameters()
    t0 = int(datetime.combine(start, time(0), tz).timestamp())
    t1 = int(datetime.combine(end, time(0), tz).timestamp())
    states = [_RoomState(r, air.outdoor_co2_ppm + 20, 18.0, 55.0) for r in rooms]
    ids = [[sensor_id(r, q) for q, _ in QUANTITIES] for r in rooms]
    empty_q = air.empty_airflow_ls / 1000
    temp_alpha = 1 - math.exp(-STEP_SECONDS / 10_800)
    rh_alpha = 1 - math.exp(-STEP_SECONDS / 3_600)
    day: date | None = None
    school_day = heating = False
    season = 0.0
    for ts in range(t0, t1, STEP_SECONDS):
        local = datetime.fromtimestamp(ts, tz).replace(tzinfo=None)
        if local.date() != day:
            day = local.date()
            school_day = calendar.is_school_day(day)
            heating = _heating_season(day, air)
            season = math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365)
            for s in states:
                _new_day(rng, s, air)
        stamp = local.isoformat(sep=" ")
        now = local.time()
        occupied = school_day and calendar.is_occupied(local)
        ventilated = school_day and VENTILATION_HOURS[0] <= now < VENTILATION_HOURS[1]
        heated = heating and school_day and HEATING_HOURS[0] <= now < HEATING_HOURS[1]
        for s, (co2_id, temp_id, rh_id) in zip(states, ids, strict=True):
            yield (co2_id, stamp, "CO2", float(round(s.co2 + rng.gauss(0, 8))), "ppm")
            yield (temp_id, stamp, "TEMP", round(s.temp + rng.gauss(0, 0.1), 1), "°C")
            yield (
                rh_id,
                stamp,
                "HR",
                round(min(95.0, max(15.0, s.rh + rng.gauss(0, 0.8))), 1),
                "%",
            )
            q = s.airflow if ventilated else empty_q
            steady = air.outdoor_co2_ppm + (s.generation / q * 1e6 if occupied else 0.0)
            s.co2 = steady + (s.co2 - steady) * math.exp(-q * STEP_SECONDS / s.room.volume)
            s.temp += (
                _temperature_target(air, heating, heated, occupied, season, now) - s.temp
            ) * temp_alpha
            rh_target = (
                air.rh_mean
                + air.rh_amplitude * season
                - (air.rh_heating_drop if heating else 0.0)
                + (air.rh_occupancy_rise if occupied else 0.0)
            )
            s.rh += (rh_target - s.rh) * rh_alpha


def _new_day(rng: random.Random, s: _RoomState, air: refdata.AirParameters) -> None:
    """Each day the windows are opened more or less and some pupils are absent."""
    s.airflow = s.room.airflow_ls / 1000 * rng.lognormvariate(0, 0.25)
    absent = air.absence_rate * rng.uniform(0.2, 1.8)
    pupils = round(s.room.pupils * (1 - absent))
    s.generation = (pupils * air.pupil_co2_ls + air.adult_co2_ls) / 1000


def _heating_season(day: date, air: refdata.AirParameters) -> bool:
    md = (day.month, day.day)
    return md >= air.heating_start or md <= air.heating_end


def _temperature_target(
    air: refdata.AirParameters,
    heating: bool,
    heated: bool,
    occupied: bool,
    season: float,
    now: time,
) -> float:
    gains = air.occupancy_warming_c if occupied else 0.0
    if heating:
        return (air.heating_occupied_c if heated else air.heating_unoccupied_c) + gains
    hour = now.hour + now.minute / 60
    daily = math.sin(2 * math.pi * (hour - 9) / 24)  # warmest mid-afternoon
    return air.free_temp_mean_c + air.free_temp_amplitude_c * season + daily + gains

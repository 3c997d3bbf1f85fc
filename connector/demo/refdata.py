"""The demo's reference data: the CSV files of ``connector/demo/data`` as typed values.

Every number with a domain meaning lives in one of those files with its source (or its
"illustrative" label); the generators only draw random variations around them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, time
from functools import cache
from pathlib import Path

from connector.errors import ConfigError, ConfigIssue
from policies import vocab

DATA_DIR = Path(__file__).resolve().parent / "data"
WEIGHTS = "poids_communes.csv"


def read_rows(name: str) -> list[dict[str, str]]:
    """Rows of ``data/<name>``; lines starting with ``#`` are comments (sources)."""
    path = DATA_DIR / name
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _issue(name: str, key: str, message: str) -> ConfigError:
    return ConfigError([ConfigIssue(str(DATA_DIR / name), key, message)])


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    weight: float


@dataclass(frozen=True)
class UsageProfile:
    code: str
    usage: str
    weight: float
    area: tuple[float, float]
    years: tuple[int, int]
    kwh_m2: tuple[float, float]


@dataclass(frozen=True)
class Classroom:
    code: str
    storey: str
    name: str
    area: float
    height: float
    pupils: int
    airflow_ls: float

    @property
    def volume(self) -> float:
        return self.area * self.height


@dataclass(frozen=True)
class School:
    name: str
    insee: str
    address: str
    uai_number: str
    year_built: int
    floor_area: float
    kwh_m2: float
    energy_year: int
    gas_share: float
    electricity_share: float
    electricity_heating_share: float
    electricity_lighting_share: float
    morning: tuple[time, time]
    afternoon: tuple[time, time]


@dataclass(frozen=True)
class FixedBuilding:
    name: str
    insee: str
    address: str
    year_built: int
    floor_area: float


@dataclass(frozen=True)
class AirParameters:
    outdoor_co2_ppm: float
    pupil_co2_ls: float
    adult_co2_ls: float
    empty_airflow_ls: float
    absence_rate: float
    heating_occupied_c: float
    heating_unoccupied_c: float
    heating_start: tuple[int, int]
    heating_end: tuple[int, int]
    free_temp_mean_c: float
    free_temp_amplitude_c: float
    occupancy_warming_c: float
    rh_mean: float
    rh_amplitude: float
    rh_heating_drop: float
    rh_occupancy_rise: float


@dataclass(frozen=True)
class CalendarPeriod:
    kind: str
    label: str
    first: date
    last: date


@dataclass(frozen=True)
class EnergySplit:
    heating_carriers: tuple[tuple[str, float], ...]
    uses: tuple[tuple[str, str, float], ...]


@cache
def energy_split() -> EnergySplit:
    rows = read_rows("repartition_energie.csv")
    return EnergySplit(
        tuple((r["code"], float(r["part"])) for r in rows if r["type"] == "vecteur_chauffage"),
        tuple((r["code"], r["energie"], float(r["part"])) for r in rows if r["type"] == "usage"),
    )


@cache
def communes() -> tuple[Commune, ...]:
    """The agglomeration's communes (``policies/data/communes.csv``, their one list) with
    the demo's weight of each (``data/poids_communes.csv``, in its rows' order)."""
    names = dict(vocab.communes())
    weights = {r["code_insee"]: float(r["poids"]) for r in read_rows(WEIGHTS)}
    if unknown := sorted(weights.keys() - names.keys()):
        raise _issue(
            WEIGHTS, "code_insee", f"not a commune of policies/data/communes.csv: {unknown}"
        )
    if missing := sorted(names.keys() - weights.keys()):
        raise _issue(WEIGHTS, "code_insee", f"no weight for the communes {missing}")
    return tuple(Commune(code, names[code], weight) for code, weight in weights.items())


@cache
def usage_profiles() -> tuple[UsageProfile, ...]:
    return tuple(
        UsageProfile(
            code=r["code_usage"],
            usage=r["usage"],
            weight=float(r["poids"]),
            area=(float(r["surface_min"]), float(r["surface_max"])),
            years=(int(r["annee_min"]), int(r["annee_max"])),
            kwh_m2=(float(r["kwh_m2_min"]), float(r["kwh_m2_max"])),
        )
        for r in read_rows("profils_usage.csv")
    )


@cache
def classrooms() -> tuple[Classroom, ...]:
    return tuple(
        Classroom(
            code=r["code_salle"],
            storey=r["niveau"],
            name=r["libelle"],
            area=float(r["surface"]),
            height=float(r["hauteur"]),
            pupils=int(r["effectif"]),
            airflow_ls=float(r["debit_ls"]),
        )
        for r in read_rows("salles_ecole.csv")
    )


def _parameters(name: str) -> dict[str, str]:
    return {r["parametre"]: r["valeur"] for r in read_rows(name)}


def _hours(name: str, key: str, value: str) -> tuple[time, time]:
    try:
        start, end = value.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)
    except ValueError as exc:
        raise _issue(name, key, f"expected HH:MM-HH:MM, got {value!r}") from exc


@cache
def school() -> School:
    name = "ecole_saint_christophe.csv"
    p = _parameters(name)
    return School(
        name=p["nom"],
        insee=p["code_insee"],
        address=p["adresse"],
        uai_number=p["uai_numero"],
        year_built=int(p["annee_construction"]),
        floor_area=float(p["surface_plancher"]),
        kwh_m2=float(p["intensite_energetique"]),
        energy_year=int(p["annee_consommation"]),
        gas_share=float(p["part_gaz"]),
        electricity_share=float(p["part_electricite"]),
        electricity_heating_share=float(p["part_electricite_chauffage"]),
        electricity_lighting_share=float(p["part_electricite_eclairage"]),
        morning=_hours(name, "horaire_matin", p["horaire_matin"]),
        afternoon=_hours(name, "horaire_apres_midi", p["horaire_apres_midi"]),
    )


@cache
def housing_project() -> FixedBuilding:
    p = _parameters("residence_les_minimes.csv")
    return FixedBuilding(
        name=p["nom"],
        insee=p["code_insee"],
        address=p["adresse"],
        year_built=int(p["annee_construction"]),
        floor_area=float(p["surface_plancher"]),
    )


def _month_day(value: str) -> tuple[int, int]:
    month, day = value.split("-")
    return int(month), int(day)


@cache
def air_parameters() -> AirParameters:
    p = _parameters("parametres_air.csv")
    return AirParameters(
        outdoor_co2_ppm=float(p["co2_exterieur"]),
        pupil_co2_ls=float(p["co2_eleve"]),
        adult_co2_ls=float(p["co2_adulte"]),
        empty_airflow_ls=float(p["debit_inoccupe"]),
        absence_rate=float(p["taux_absence"]),
        heating_occupied_c=float(p["consigne_chauffage_occupe"]),
        heating_unoccupied_c=float(p["consigne_chauffage_inoccupe"]),
        heating_start=_month_day(p["debut_saison_chauffe"]),
        heating_end=_month_day(p["fin_saison_chauffe"]),
        free_temp_mean_c=float(p["temperature_libre_moyenne"]),
        free_temp_amplitude_c=float(p["temperature_libre_amplitude"]),
        occupancy_warming_c=float(p["apport_occupation_temperature"]),
        rh_mean=float(p["humidite_moyenne"]),
        rh_amplitude=float(p["humidite_amplitude"]),
        rh_heating_drop=float(p["baisse_humidite_chauffage"]),
        rh_occupancy_rise=float(p["apport_occupation_humidite"]),
    )


@cache
def calendar_periods() -> tuple[CalendarPeriod, ...]:
    return tuple(
        CalendarPeriod(
            r["type"], r["libelle"], date.fromisoformat(r["debut"]), date.fromisoformat(r["fin"])
        )
        for r in read_rows("calendrier_scolaire_zone_a_2025_2026.csv")
    )

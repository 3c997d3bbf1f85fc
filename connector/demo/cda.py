"""The agglomeration's database (``cda.db``), in its own schema and language.

Tables: ``batiments`` (building register), ``consommations`` (yearly final energy per
carrier and use, in MWh), ``fiches_fdes`` (environmental product declarations) and
``facteurs_ges`` (DPE 2021 emission factors).

The building stock is drawn for the whole agglomeration, then shared as the data space
holds it: the commune of Lagord keeps its own register (``lagord.py``), so no building of
17200 is in ``batiments``; the social landlord holds every collective housing building
(``bailleur.py``: :attr:`Register.collective` goes to its API), so none is either.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from connector.demo import refdata
from connector.demo.ids import bdnb_id, rnb_id, uai_code
from connector.demo.sqlite_writer import bulk_database, insert_rows

SCHEMA = """
CREATE TABLE batiments (
    id_rnb TEXT PRIMARY KEY,             -- identifiant RNB, 12 caractères
    id_bdnb TEXT,                        -- batiment_groupe_id de la BDNB
    code_uai TEXT,                       -- établissements scolaires seulement
    nom TEXT,
    adresse TEXT NOT NULL,
    code_insee TEXT NOT NULL,
    code_usage TEXT NOT NULL,            -- HAB_IND, HAB_COLL, ENS, BUR, COM, SPO, SAN
    annee_construction INTEGER,
    surface_plancher_m2 REAL,
    geom_wkt TEXT
);
CREATE TABLE consommations (
    id_conso INTEGER PRIMARY KEY,
    id_rnb TEXT NOT NULL REFERENCES batiments(id_rnb),
    annee INTEGER NOT NULL,
    code_energie TEXT NOT NULL,          -- GN, ELEC, FOD, BOIS_GRA, GPL
    code_usage_energie TEXT NOT NULL,    -- CHAUF, ECS, ECL, AUX
    conso_mwh REAL NOT NULL,             -- énergie finale, MWh PCI
    origine TEXT                         -- facture, télérelève, estimation
);
CREATE INDEX idx_consommations_rnb ON consommations(id_rnb, annee);
CREATE TABLE fiches_fdes (
    id_fiche TEXT PRIMARY KEY,
    nom_produit TEXT NOT NULL,
    type_fiche TEXT NOT NULL,            -- FDES, PEP, DED (donnée par défaut)
    unite TEXT NOT NULL,                 -- M3, M2, KG, ML, U
    duree_vie INTEGER,
    rc_a1a3 REAL, rc_a4 REAL, rc_a5 REAL, rc_b REAL, rc_c REAL, rc_d REAL
);
CREATE TABLE facteurs_ges (
    id_facteur INTEGER PRIMARY KEY,
    energie TEXT NOT NULL,
    usage TEXT NOT NULL,
    kgco2e_kwh_pci REAL NOT NULL,
    reglementation TEXT NOT NULL
);
"""

STREETS = (
    "rue du Palais",
    "rue des Merciers",
    "avenue de la Mer",
    "rue de la Pépinière",
    "boulevard André Sautel",
    "rue du Minage",
    "avenue des Minimes",
    "rue de Périgny",
    "rue Saint-Nicolas",
    "chemin des Marais",
    "rue de la Gare",
    "allée des Tamaris",
    "rue des Salines",
    "avenue du Général de Gaulle",
    "rue de l'Aunis",
    "impasse des Mouettes",
)

ENERGY_YEARS = (2023, 2024)


@dataclass(frozen=True)
class _Batiment:
    """One row of ``batiments``."""

    id_rnb: str
    id_bdnb: str
    code_uai: str | None
    nom: str | None
    adresse: str
    code_insee: str
    code_usage: str
    annee_construction: int
    surface_plancher_m2: float
    geom_wkt: str

    def row(self) -> tuple[object, ...]:
        return tuple(self.__dict__.values())


@dataclass(frozen=True)
class Register:
    """The buildings other partners refer to; ``collective``: the collective housing
    buildings drawn, which the landlord holds (not in ``batiments``)."""

    school_rnb: str
    school_uai: str
    housing_rnb: str
    buildings: int
    collective: tuple[_Batiment, ...] = ()
    used_rnb: frozenset[str] = frozenset()
    school_point: str | None = None
    """The school's WKT point: where Atmo's classroom sensors are."""


COLLECTIVE_HOUSING = "HAB_COLL"  # the agglomeration's code; the landlord holds them
LAGORD = "17200"  # the commune whose own node holds its buildings


def write_cda(path: Path, rng: random.Random, *, buildings: int) -> Register:
    communes = refdata.communes()
    profiles = refdata.usage_profiles()
    school = refdata.school()
    used: set[str] = set()

    def new_rnb() -> str:
        while (rid := rnb_id(rng)) in used:
            pass
        used.add(rid)
        return rid

    housing = refdata.housing_project()
    school_rnb, housing_rnb = new_rnb(), new_rnb()
    rows = [
        _Batiment(
            school_rnb,
            bdnb_id(rng),
            uai_code(school.uai_number),
            school.name,
            school.address,
            school.insee,
            "ENS",
            school.year_built,
            school.floor_area,
            _point(rng),
        ),
        _Batiment(
            housing_rnb,
            bdnb_id(rng),
            None,
            housing.name,
            housing.address,
            housing.insee,
            "HAB_COLL",
            housing.year_built,
            housing.floor_area,
            _point(rng),
        ),
    ]
    weights = [c.weight for c in communes]
    pweights = [p.weight for p in profiles]
    for _ in range(max(0, buildings - len(rows))):
        commune = rng.choices(communes, weights)[0]
        profile = rng.choices(profiles, pweights)[0]
        area = round(rng.uniform(*profile.area))
        rows.append(
            _Batiment(
                new_rnb(),
                bdnb_id(rng),
                None,
                None,
                f"{rng.randint(1, 180)} {rng.choice(STREETS)} {commune.name}",
                commune.insee,
                profile.code,
                rng.randint(*profile.years),
                float(area),
                _point(rng),
            )
        )
    rows.sort(key=lambda b: b.id_rnb)
    collective = tuple(b for b in rows if b.code_usage == COLLECTIVE_HOUSING)
    rows = [b for b in rows if b.code_usage != COLLECTIVE_HOUSING and b.code_insee != LAGORD]
    by_code = {p.code: p for p in profiles}

    with bulk_database(path, SCHEMA) as conn:
        insert_rows(
            conn,
            "batiments",
            (
                "id_rnb",
                "id_bdnb",
                "code_uai",
                "nom",
                "adresse",
                "code_insee",
                "code_usage",
                "annee_construction",
                "surface_plancher_m2",
                "geom_wkt",
            ),
            [b.row() for b in rows],
        )
        insert_rows(
            conn,
            "consommations",
            ("id_rnb", "annee", "code_energie", "code_usage_energie", "conso_mwh", "origine"),
            _energy_rows(rng, rows, by_code, school_rnb, school, housing_rnb),
        )
        fdes = refdata.read_rows("fdes_illustratives.csv")
        insert_rows(
            conn,
            "fiches_fdes",
            tuple(fdes[0]),
            (tuple(_number(v) for v in r.values()) for r in fdes),
        )
        factors = refdata.read_rows("dpe2021_ges_factors.csv")
        insert_rows(
            conn,
            "facteurs_ges",
            ("energie", "usage", "kgco2e_kwh_pci", "reglementation"),
            (
                (r["energy"], r["usage"], float(r["kgCO2e_per_kWh_final_PCI"]), r["regulation"])
                for r in factors
            ),
        )
    return Register(
        school_rnb,
        uai_code(school.uai_number),
        housing_rnb,
        len(rows),
        collective,
        frozenset(used),
        rows[0].geom_wkt,
    )


def _number(value: str) -> object:
    try:
        return int(value)
    except ValueError:
        try:
            return float(value)
        except ValueError:
            return value


def _point(rng: random.Random) -> str:
    return f"POINT ({rng.uniform(-1.25, -0.95):.5f} {rng.uniform(46.08, 46.25):.5f})"


def _energy_rows(
    rng: random.Random,
    buildings: list[_Batiment],
    profiles: dict[str, refdata.UsageProfile],
    school_rnb: str,
    school: refdata.School,
    housing_rnb: str,
) -> Iterator[tuple[object, ...]]:
    for b in buildings:
        rnb = b.id_rnb
        if rnb == housing_rnb:
            continue  # under construction: no energy use yet
        if rnb == school_rnb:
            yield from _school_rows(rnb, school, school.energy_year, 1.0)
            yield from _school_rows(rnb, school, school.energy_year - 1, rng.uniform(1.02, 1.08))
            continue
        yield from _generic_rows(
            rng, rnb, b.surface_plancher_m2, profiles[b.code_usage], ENERGY_YEARS
        )


def _school_rows(
    rnb: str, school: refdata.School, year: int, factor: float
) -> Iterator[tuple[object, ...]]:
    """The issue-4 worked example: floor area × intensity, split by carrier and use (MWh);
    exactly so for ``school.energy_year`` (factor 1), a little more the year before."""
    total_kwh = school.floor_area * school.kwh_m2 * factor
    electricity = total_kwh * school.electricity_share
    for carrier, use, kwh in (
        ("GN", "CHAUF", total_kwh * school.gas_share),
        ("ELEC", "CHAUF", electricity * school.electricity_heating_share),
        ("ELEC", "ECL", electricity * school.electricity_lighting_share),
    ):
        yield (rnb, year, carrier, use, round(kwh / 1000, 6), "facture")


def _generic_rows(
    rng: random.Random, rnb: str, area: float, profile: refdata.UsageProfile, years: tuple[int, ...]
) -> Iterator[tuple[object, ...]]:
    split = refdata.energy_split()
    carriers = [c for c, _ in split.heating_carriers]
    heating = rng.choices(carriers, [w for _, w in split.heating_carriers])[0]
    base = rng.uniform(*profile.kwh_m2)
    for year in years:
        total = base * area * rng.uniform(0.92, 1.08)
        merged: dict[tuple[str, str], float] = {}
        for use, carrier, share in split.uses:
            key = (heating if carrier == "CHAUFFAGE" else carrier, use)
            merged[key] = merged.get(key, 0.0) + total * share
        origin = rng.choice(("facture", "télérelève", "estimation"))
        for (carrier, use), kwh in merged.items():
            yield (rnb, year, carrier, use, round(kwh / 1000, 3), origin)

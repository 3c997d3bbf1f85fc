"""The commune of Lagord's database (``lagord.db``): its municipal buildings and their
energy, in its own tables, codes and units (kWh, where the agglomeration counts in MWh).

Tables: ``equipements`` (one row per municipal building, its own inventory number, the
RNB id, its own type codes) and ``suivi_fluides`` (yearly energy per building, fluid and
end use, in kWh, its own line ids ``LAG-…``). The buildings come from
``data/patrimoine_lagord.csv`` (illustrative); the yearly energy is the building's
intensity × floor area, split by use as the agglomeration's (``data/repartition_energie.csv``),
with a small yearly variation.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Set
from dataclasses import dataclass
from pathlib import Path

from connector.demo import refdata
from connector.demo.ids import bdnb_id, rnb_id, uai_code
from connector.demo.sqlite_writer import bulk_database, insert_rows

INSEE = "17200"
ENERGY_YEARS = (2023, 2024)
ENERGY_ID_PREFIX = "LAG-"  # the commune's energy line ids; its node's EnergyUse partition

SCHEMA = """
CREATE TABLE equipements (
    num_inventaire TEXT PRIMARY KEY,     -- inventaire du patrimoine communal, EQ-001...
    rnb TEXT NOT NULL UNIQUE,            -- identifiant RNB
    ref_bdnb TEXT,
    uai TEXT,                            -- écoles seulement
    designation TEXT NOT NULL,
    type_equipement TEXT NOT NULL,       -- MAIRIE, ECOLE_MAT, GYMNASE, SALLE_FETES...
    adresse_postale TEXT NOT NULL,
    commune TEXT NOT NULL,               -- code INSEE
    annee_construction INTEGER,
    surface_utile REAL,                  -- m²
    coordonnees TEXT                     -- WKT
);
CREATE TABLE suivi_fluides (
    id_ligne TEXT PRIMARY KEY,           -- LAG-2024-EQ001-GAZ-CHAUFFAGE
    rnb TEXT NOT NULL REFERENCES equipements(rnb),
    exercice INTEGER NOT NULL,
    fluide TEXT NOT NULL,                -- GAZ, ELEC, FIOUL, BOIS
    poste TEXT NOT NULL,                 -- CHAUFFAGE, EAU_CHAUDE, ECLAIRAGE, AUXILIAIRES
    conso_kwh REAL NOT NULL              -- énergie finale, kWh
);
CREATE INDEX idx_suivi_rnb ON suivi_fluides(rnb, exercice);
"""

# the agglomeration's codes in data/repartition_energie.csv -> the commune's own
_FLUID = {"GN": "GAZ", "ELEC": "ELEC", "FOD": "FIOUL", "BOIS_GRA": "BOIS"}
_POST = {"CHAUF": "CHAUFFAGE", "ECS": "EAU_CHAUDE", "ECL": "ECLAIRAGE", "AUX": "AUXILIAIRES"}


@dataclass(frozen=True)
class Municipal:
    """What the demo needs to know of the commune's data."""

    buildings: int
    energy_rows: int


def write_lagord(path: Path, rng: random.Random, *, taken: Set[str]) -> Municipal:
    """Write ``lagord.db``; RNB ids are drawn apart from ``taken`` (the other registers')."""
    rows = refdata.read_rows("patrimoine_lagord.csv")
    used = set(taken)
    equipements: list[tuple[object, ...]] = []
    for i, r in enumerate(rows, start=1):
        while (rnb := rnb_id(rng)) in used:
            pass
        used.add(rnb)
        equipements.append(
            (
                f"EQ-{i:03d}",
                rnb,
                bdnb_id(rng),
                uai_code(r["uai"]) if r["uai"] else None,
                r["designation"],
                r["type_equipement"],
                r["adresse"],
                INSEE,
                int(r["annee"]),
                float(r["surface_m2"]),
                f"POINT ({rng.uniform(-1.17, -1.13):.5f} {rng.uniform(46.18, 46.20):.5f})",
            )
        )
    energy = list(_energy(rng, equipements, rows))
    with bulk_database(path, SCHEMA) as conn:
        insert_rows(
            conn,
            "equipements",
            (
                "num_inventaire",
                "rnb",
                "ref_bdnb",
                "uai",
                "designation",
                "type_equipement",
                "adresse_postale",
                "commune",
                "annee_construction",
                "surface_utile",
                "coordonnees",
            ),
            equipements,
        )
        insert_rows(
            conn,
            "suivi_fluides",
            ("id_ligne", "rnb", "exercice", "fluide", "poste", "conso_kwh"),
            energy,
        )
    return Municipal(len(equipements), len(energy))


def _energy(
    rng: random.Random, equipements: list[tuple[object, ...]], rows: list[dict[str, str]]
) -> Iterator[tuple[object, ...]]:
    split = refdata.energy_split()
    for eq, r in zip(equipements, rows, strict=True):
        number, rnb = str(eq[0]), str(eq[1])
        total = float(r["surface_m2"]) * float(r["kwh_m2"])
        for year in ENERGY_YEARS:
            year_total = total * rng.uniform(0.94, 1.06)
            merged: dict[tuple[str, str], float] = {}
            for use, carrier, share in split.uses:
                fluid = r["chauffage"] if carrier == "CHAUFFAGE" else _FLUID[carrier]
                key = (fluid, _POST[use])
                merged[key] = merged.get(key, 0.0) + year_total * share
            for (fluid, post), kwh in merged.items():
                line = f"{ENERGY_ID_PREFIX}{year}-{number.replace('-', '')}-{fluid}-{post}"
                yield (line, rnb, year, fluid, post, round(kwh))

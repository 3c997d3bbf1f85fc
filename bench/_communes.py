"""The synthetic data space of ``bench.partners``: the agglomeration's communes (from
``policies/data/communes.csv``), seeded buildings and yearly energy use per commune, and the
TOML of a commune node (its commune as its partition of Building), of the single node
holding them all, and of a rooms node referencing them."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from policies import vocab

SEED = 20240607
ALPHABET = "123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U, 0, as in RNB ids
KINDS = ("École", "Mairie", "Gymnase", "Crèche", "Logements", "Salle des fêtes", "Maison")
STREETS = ("des Mouettes", "du Port", "de la Gare", "des Écoles", "du Marais", "de l'Église")
CARRIERS = ("GN", "ELEC", "FOD", "BOIS")

Building = tuple[str, str, int, float, str]  # rnb, nom, annee, surface, insee


@dataclass(frozen=True)
class Commune:
    code: str
    label: str

    @property
    def node(self) -> str:
        return f"c{self.code}"


def communes() -> list[Commune]:
    """The agglomeration's communes (``policies/data/communes.csv``), by INSEE code."""
    return [Commune(code, name) for code, name in vocab.communes()]


def buildings(commune: Commune, count: int) -> list[Building]:
    """``count`` buildings of one commune, the same at every run (names tie across
    communes, as real ones do)."""
    rng = random.Random(f"{SEED}-{commune.code}")
    out = []
    for i in range(count):
        rnb = "".join(rng.choices(ALPHABET, k=12))
        name = f"{rng.choice(KINDS)} {rng.choice(STREETS)} {i % 40}"
        out.append(
            (rnb, name, rng.randint(1900, 2024), round(rng.uniform(60, 4000), 1), commune.code)
        )
    return out


def energy(rows: Sequence[Building]) -> list[tuple[str, str, int, float, str]]:
    """Yearly energy use: two years per building; ids start with the commune's code."""
    rng = random.Random(f"{SEED}-energy-{rows[0][4] if rows else ''}")
    out = []
    for rnb, _, _, area, insee in rows:
        for year in (2023, 2024):
            kwh = round(area * rng.uniform(60, 250), 0)
            out.append((f"{insee}-{rnb}-{year}", rnb, year, kwh, rng.choice(CARRIERS)))
    return out


NODE = """
[node]
name = "{name}"
title = "{title}"
participant = "https://example.org/participants/{name}"
base_iri = "https://{name}.example.org"

[sources.registre]
kind = "sql"
url = "sqlite+aiosqlite:///{db}"

[entities.Building]
source = "registre"
table = "batiments"
{building_partition}
[entities.Building.fields]
rnbId = "id_rnb"
name = "nom"
yearBuilt = "annee"
floorArea = "surface"
inseeCode = "insee"

[entities.EnergyUse]
source = "registre"
table = "consommations"
{energy_partition}
[entities.EnergyUse.fields]
id = "id_conso"
rnbId = "id_rnb"
year = "annee"
kwh = "kwh"
carrier = "energie"

[datasets.registre]
title = "Registre des bâtiments : {title}"
entities = {{ Building = ["*"], EnergyUse = ["*"] }}

[usage]
enforce = false

[limits]
max_page_size = 100
"""

ROOMS = """
[node]
name = "{name}"
title = "Salles"
participant = "https://example.org/participants/salles"
base_iri = "https://salles.example.org"

[sources.salles]
kind = "sql"
url = "sqlite+aiosqlite:///{db}"

[entities.Space]
source = "salles"
table = "salles"
[entities.Space.fields]
id = "id_salle"
rnbId = "id_rnb"
name = "nom"

[datasets.salles]
title = "Salles"
entities = {{ Space = ["*"] }}

[usage]
enforce = false

[limits]
max_page_size = 200
"""


def write_node(
    folder: Path, name: str, title: str, rows: Sequence[Building], *, commune: str | None
) -> Path:
    """A node over ``rows``: a commune node declaring ``commune`` as its partition of
    Building (and its energy-use ids as its part of EnergyUse), or, with None, one node
    holding both types whole."""
    db = folder / f"{name}.db"
    with sqlite3.connect(db) as con:
        con.execute(
            "CREATE TABLE batiments (id_rnb TEXT PRIMARY KEY, nom TEXT, annee INTEGER, "
            "surface REAL, insee TEXT)"
        )
        con.execute(
            "CREATE TABLE consommations (id_conso TEXT PRIMARY KEY, id_rnb TEXT, annee INTEGER, "
            "kwh REAL, energie TEXT)"
        )
        con.executemany("INSERT INTO batiments VALUES (?,?,?,?,?)", rows)
        by_commune: dict[str, list[Building]] = {}
        for r in rows:
            by_commune.setdefault(r[4], []).append(r)
        for part in by_commune.values():
            con.executemany("INSERT INTO consommations VALUES (?,?,?,?,?)", energy(part))
    con.close()
    config = folder / f"{name}.toml"
    config.write_text(
        NODE.format(
            name=name,
            title=title,
            db=db,
            building_partition=f'partition = {{ communes = ["{commune}"] }}' if commune else "",
            energy_partition=f'partition = {{ key_prefixes = ["{commune}-"] }}' if commune else "",
        ),
        encoding="utf-8",
    )
    return config


def write_rooms(folder: Path, name: str, refs: Sequence[str]) -> Path:
    """A node of rooms, one per building of ``refs`` (its Space.building references)."""
    db = folder / f"{name}.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE salles (id_salle TEXT PRIMARY KEY, id_rnb TEXT, nom TEXT)")
        rows = [(f"{rnb}/0/S{i:03d}", rnb, f"Salle {i}") for i, rnb in enumerate(refs)]
        con.executemany("INSERT INTO salles VALUES (?,?,?)", rows)
    con.close()
    config = folder / f"{name}.toml"
    config.write_text(ROOMS.format(name=name, db=db), encoding="utf-8")
    return config


def spread(parts: Sequence[Sequence[Building]], count: int) -> list[str]:
    """``count`` RNB ids taken in turn from each part (every partition referenced)."""
    out: list[str] = []
    i = 0
    while len(out) < count:
        part = parts[len(out) % len(parts)]
        out.append(part[i % len(part)][0])
        if len(out) % len(parts) == 0:
            i += 1
    return out

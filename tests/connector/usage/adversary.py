"""A partner for adversarial tests: classroom readings with gaps, and dwellings' energy.

Readings: three classrooms, one CO2 sensor each, every 10 minutes from 08:00 to 18:00
(local time, Europe/Paris) on Monday 5 to Wednesday 7 January 2026, with about a third
of them missing at random, so that some hours hold fewer readings than the node's
minimum and a window can differ from another by a single reading. Dwellings: 25
houses' 2024 energy use, 12 by gas, 10 by electricity, 2 by wood and 1 by fuel oil, so
that a carrier can single out one or two dwellings.

The tests' oracle (:func:`cells`) recomputes what a caller may see from these rows in
plain Python, independently of the node's code.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
P = "https://example.org/participants/"
BASE = "http://127.0.0.1:8196"
BUILDING = "PG46YY6YJW8N"
ROOMS = ("R1", "R2", "R3")
DAYS = (5, 6, 7)
MIN_ROWS = 5
MIN_SUBJECTS = 10
CARRIERS = ("gaz",) * 12 + ("elec",) * 10 + ("bois",) * 2 + ("fioul",)
RNB = "123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class Reading:
    room: str
    local: datetime
    value: float


@dataclass(frozen=True)
class Dwelling:
    rnb: str
    carrier: str
    kwh: float


def readings(seed: int = 7) -> list[Reading]:
    rng = random.Random(seed)
    out = []
    for day in DAYS:
        for room in ROOMS:
            for step in range(60):  # 08:00 .. 17:50
                if rng.random() < 0.35:
                    continue
                local = datetime(2026, 1, day, 8, tzinfo=PARIS) + timedelta(minutes=10 * step)
                out.append(Reading(room, local, float(rng.randrange(400, 2000))))
    return out


def dwellings(seed: int = 11) -> list[Dwelling]:
    rng = random.Random(seed)
    out = []
    for i, carrier in enumerate(CARRIERS):
        rnb = "".join(RNB[(i * 7 + k * 3) % len(RNB)] for k in range(11)) + RNB[i % len(RNB)]
        out.append(Dwelling(rnb, carrier, float(rng.randrange(3000, 25000))))
    return out


CONFIG = f"""
[node]
name = "adversary"
participant = "{P}city"
base_iri = "{BASE}"
port = 8196

[sources.ville]
kind = "sql"
url = "sqlite+aiosqlite:///adversary.db"

[entities.Building]
source = "ville"
table = "batiments"
[entities.Building.fields]
rnbId = "rnb"
name = "nom"

[entities.Space]
source = "ville"
table = "salles"
[entities.Space.fields]
id = {{ columns = ["batiment", "salle"], separator = "/" }}
rnbId = "batiment"
code = "salle"

[entities.Sensor]
source = "ville"
table = "capteurs"
[entities.Sensor.fields]
id = "id"
spaceId = {{ columns = ["batiment", "salle"], separator = "/" }}

[entities.Observation]
source = "ville"
table = "mesures"
[entities.Observation.fields]
id = "id"
sensorId = "capteur"
spaceId = {{ columns = ["batiment", "salle"], separator = "/" }}
resultTime = {{ column = "horodatage", timezone = "Europe/Paris" }}
observedProperty = {{ column = "polluant", values = {{ CO2 = "co2" }} }}
value = "valeur"

[entities.EnergyUse]
source = "ville"
table = "consommations"
[entities.EnergyUse.fields]
id = "id"
rnbId = "batiment"
year = "annee"
carrier = "energie"
kwh = "kwh"

[datasets.registre]
title = "Registre"
entities = {{ Building = ["*"], Space = ["*"] }}
policy = "registre.jsonld"

[datasets.mesures]
title = "Mesures"
entities = {{ Sensor = ["*"], Observation = ["*"] }}
policy = "mesures.jsonld"

[datasets.energie]
title = "Consommations des logements"
entities = {{ EnergyUse = ["*"] }}
policy = "energie.jsonld"
personal_data = true
[datasets.energie.processing]
controller = "{P}city"
purposes = ["dpv:AcademicResearch"]
legal_basis = "public_task"
data_categories = ["consommations annuelles"]
data_subjects = ["occupants des logements"]
recipients = ["{P}city"]
retention = "P5Y"
transfers = "aucun"
security_measures = ["journal chaîné"]

[indoor_air]
weekdays = [1, 2, 3, 4, 5]
hours = [["08:30", "11:45"], ["13:30", "16:30"]]

[usage]
audit_db = "sqlite+aiosqlite:///audit.db"
min_group_size = {MIN_ROWS}
min_subjects = {MIN_SUBJECTS}
[usage.memberships]
"{P}ana" = ["{P}school/staff"]
"{P}univ" = ["{P}univ/researchers"]

[limits]
max_aliases = 30
max_page_size = 500
"""

CTX = ["http://www.w3.org/ns/odrl.jsonld", {"gui": "https://w3id.org/guichet/ontology#"}]


def _policy(name: str, permissions: list[dict[str, Any]]) -> dict[str, Any]:
    uid = f"https://example.org/policy/{name}"
    for i, p in enumerate(permissions):
        p.setdefault("uid", f"{uid}#{i}")
    return {
        "@context": CTX,
        "@type": "Set",
        "uid": uid,
        "target": f"{BASE}/catalog/{name}",
        "permission": permissions,
    }


def _level(duration: str) -> dict[str, Any]:
    return {
        "leftOperand": "gui:aggregationLevel",
        "operator": "gteq",
        "rightOperand": {"@value": duration, "@type": "xsd:duration"},
    }


POLICIES = {
    "registre": _policy("registre", [{"action": "use"}]),
    "mesures": _policy(
        "mesures",
        [
            {"action": "use", "assignee": {"@type": "PartyCollection", "uid": P + "school/staff"}},
            {
                "action": "aggregate",
                "assignee": {"@type": "PartyCollection", "uid": P + "univ/researchers"},
                "constraint": [_level("PT1H")],
            },
            {"action": "derive", "constraint": [_level("P1D")]},
        ],
    ),
    "energie": _policy(
        "energie",
        [
            {"action": "use", "assignee": P + "city"},
            {
                "action": "aggregate",
                "assignee": {"@type": "PartyCollection", "uid": P + "univ/researchers"},
            },
        ],
    ),
}


def make_partner(folder: Path) -> Path:
    """The partner's database, the node's configuration and its policies."""
    db = sqlite3.connect(folder / "adversary.db")
    db.executescript(
        """
        CREATE TABLE batiments (rnb TEXT PRIMARY KEY, nom TEXT);
        CREATE TABLE salles (batiment TEXT, salle TEXT, PRIMARY KEY (batiment, salle));
        CREATE TABLE capteurs (id TEXT PRIMARY KEY, batiment TEXT, salle TEXT);
        CREATE TABLE mesures (id INTEGER PRIMARY KEY, capteur TEXT, batiment TEXT,
            salle TEXT, horodatage TIMESTAMP, polluant TEXT, valeur REAL);
        CREATE TABLE consommations (id TEXT PRIMARY KEY, batiment TEXT, annee INTEGER,
            energie TEXT, kwh REAL);
        """
    )
    db.execute("INSERT INTO batiments VALUES (?, ?)", (BUILDING, "École"))
    for room in ROOMS:
        db.execute("INSERT INTO salles VALUES (?, ?)", (BUILDING, room))
        db.execute("INSERT INTO capteurs VALUES (?, ?, ?)", (f"S-{room}", BUILDING, room))
    db.executemany(
        "INSERT INTO mesures VALUES (?, ?, ?, ?, ?, 'CO2', ?)",
        [
            (i, f"S-{r.room}", BUILDING, r.room, r.local.strftime("%Y-%m-%d %H:%M:%S"), r.value)
            for i, r in enumerate(readings(), start=1)
        ],
    )
    for d in dwellings():
        db.execute("INSERT INTO batiments VALUES (?, ?)", (d.rnb, "Maison"))
        db.execute(
            "INSERT INTO consommations VALUES (?, ?, 2024, ?, ?)",
            (f"E-{d.rnb}", d.rnb, d.carrier, d.kwh),
        )
    db.commit()
    db.close()
    for name, policy in POLICIES.items():
        (folder / f"{name}.jsonld").write_text(json.dumps(policy), encoding="utf-8")
    path = folder / "adversary.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


# -- the oracle ----------------------------------------------------------------------------
def occupied(r: Reading) -> bool:
    t = r.local.time()
    return r.local.isoweekday() <= 5 and (
        (t >= datetime(1, 1, 1, 8, 30).time() and t < datetime(1, 1, 1, 11, 45).time())
        or (t >= datetime(1, 1, 1, 13, 30).time() and t < datetime(1, 1, 1, 16, 30).time())
    )


def cell_of(local: datetime, unit: str) -> datetime:
    if unit == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def cells(
    rows: Iterable[Reading], unit: str, start: datetime, end: datetime
) -> dict[tuple[str, datetime], list[Reading]]:
    """Readings in ``[start, end)`` by (room, cell), keeping cells of at least MIN_ROWS."""
    found: dict[tuple[str, datetime], list[Reading]] = defaultdict(list)
    for r in rows:
        if start <= r.local < end:
            found[(r.room, cell_of(r.local, unit))].append(r)
    return {k: v for k, v in found.items() if len(v) >= MIN_ROWS}


SPLIT_REGISTRE = f"""
[node]
name = "registre"
participant = "{P}city"
base_iri = "http://registre"

[sources.ville]
kind = "sql"
url = "sqlite+aiosqlite:///adversary.db"

[entities.Building]
source = "ville"
table = "batiments"
[entities.Building.fields]
rnbId = "rnb"
name = "nom"

[datasets.registre]
iri = "{BASE}/catalog/registre"
title = "Registre"
entities = {{ Building = ["*"] }}
policy = "registre.jsonld"

[usage]
audit_db = "sqlite+aiosqlite:///registre-audit.db"
"""

SPLIT_AIR = (
    CONFIG.split("[entities.EnergyUse]")[0]
    .replace('[node]\nname = "adversary"', '[node]\nname = "air"')
    .replace(
        """[entities.Building]
source = "ville"
table = "batiments"
[entities.Building.fields]
rnbId = "rnb"
name = "nom"
""",
        "",
    )
    .replace(f'base_iri = "{BASE}"', 'base_iri = "http://air"')
    .replace("port = 8196\n", 'port = 8196\n\n[node.references]\nBuilding = "http://registre"\n')
    + f"""
[datasets.registre]
iri = "{BASE}/catalog/registre"
title = "Salles"
entities = {{ Space = ["*"] }}
policy = "registre.jsonld"

[datasets.mesures]
iri = "{BASE}/catalog/mesures"
title = "Mesures"
entities = {{ Sensor = ["*"], Observation = ["*"] }}
policy = "mesures.jsonld"

[indoor_air]
weekdays = [1, 2, 3, 4, 5]
hours = [["08:30", "11:45"], ["13:30", "16:30"]]

[usage]
audit_db = "sqlite+aiosqlite:///air-audit.db"
min_group_size = {MIN_ROWS}
[usage.memberships]
"{P}univ" = ["{P}univ/researchers"]
"""
)


def make_split(folder: Path) -> tuple[Path, Path]:
    """The same partner as two nodes: the register (buildings) and the air data (rooms,
    sensors, readings), for queries that cross them through the gateway."""
    make_partner(folder)
    registre, air = folder / "registre.toml", folder / "air.toml"
    registre.write_text(SPLIT_REGISTRE, encoding="utf-8")
    air.write_text(SPLIT_AIR, encoding="utf-8")
    return registre, air

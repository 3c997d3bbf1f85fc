"""Generate the La Rochelle demo data space: five partner sources and their node configs.

>>> paths = generate(Path("/tmp/guichet-demo"))  # doctest: +SKIP
>>> load_config(paths.atmo_toml).datasets.keys()  # doctest: +SKIP
dict_keys(['mesures-salles', 'capteurs-salles'])

Everything is drawn from ``random.Random(seed)``: the same seed and parameters give the
same rows. A small manifest (``manifest.json``) records them, and a second call with the
same ones leaves the data files alone. The node configurations are rendered from the
packaged templates (``connector/demo/*.toml``) on every call, with the chosen ports and
the policy documents of ``policies/demo`` as absolute paths.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from connector.demo.atmo import one_year_after, write_atmo
from connector.demo.bailleur import FILE as BAILLEUR_FILE
from connector.demo.bailleur import write_bailleur
from connector.demo.bouygues import write_bouygues
from connector.demo.cda import write_cda
from connector.demo.lagord import write_lagord
from connector.demo.school_calendar import SchoolCalendar

GENERATOR_VERSION = 3
TEMPLATE_DIR = Path(__file__).resolve().parent
NODES = ("cda", "atmo", "bouygues", "lagord", "bailleur")
BAILLEUR_API = "bailleur-api"  # the landlord's existing JSON API, which its node reads
DEFAULT_PORTS: Mapping[str, int] = {
    "issuer": 8100,
    "cda": 8101,
    "atmo": 8102,
    "bouygues": 8103,
    "gateway": 8104,
    "lagord": 8105,
    "bailleur": 8106,
    BAILLEUR_API: 8107,
}
PORT_ORDER = ("issuer", "cda", "atmo", "bouygues", "gateway", "lagord", "bailleur", BAILLEUR_API)
"""``--port-base``: the issuer's port, the others the next ones in this order."""
MANIFEST = "manifest.json"

_POLICY_LINE = re.compile(r'^((?:policy|calendar)\s*=\s*)"([^"]+)"', re.MULTILINE)
_PORT_LINE = re.compile(r"^port\s*=\s*\d+", re.MULTILINE)
_ISSUER_LINE = re.compile(r'^issuer\s*=\s*"[^"]*"', re.MULTILINE)


@dataclass(frozen=True)
class DemoPaths:
    """Where the generated demo lives."""

    target_dir: Path
    cda_db: Path
    atmo_db: Path
    bouygues_dir: Path
    cda_toml: Path
    atmo_toml: Path
    bouygues_toml: Path
    manifest: Path
    lagord_db: Path
    bailleur_dir: Path
    lagord_toml: Path
    bailleur_toml: Path

    @property
    def configs(self) -> dict[str, Path]:
        return {n: self.target_dir / f"{n}.toml" for n in NODES}

    @property
    def bailleur_json(self) -> Path:
        """The landlord's system of record, which its API serves."""
        return self.bailleur_dir / BAILLEUR_FILE

    @classmethod
    def under(cls, target_dir: Path) -> DemoPaths:
        return cls(
            target_dir=target_dir,
            cda_db=target_dir / "cda.db",
            atmo_db=target_dir / "atmo.db",
            bouygues_dir=target_dir / "bouygues",
            cda_toml=target_dir / "cda.toml",
            atmo_toml=target_dir / "atmo.toml",
            bouygues_toml=target_dir / "bouygues.toml",
            manifest=target_dir / MANIFEST,
            lagord_db=target_dir / "lagord.db",
            bailleur_dir=target_dir / "bailleur",
            lagord_toml=target_dir / "lagord.toml",
            bailleur_toml=target_dir / "bailleur.toml",
        )


def generate(
    target_dir: Path,
    *,
    seed: int = 17,
    buildings: int = 1200,
    year_start: date = date(2025, 9, 1),
    ports: Mapping[str, int] | None = None,
) -> DemoPaths:
    """Write ``cda.db``, ``atmo.db``, ``bouygues/metres.csv``, ``lagord.db``,
    ``bailleur/residences.json`` and the five node configs into ``target_dir``; skip the
    data when the manifest says it is already there."""
    target_dir = Path(target_dir).resolve()
    target_dir.mkdir(parents=True, exist_ok=True)
    paths = DemoPaths.under(target_dir)
    params: dict[str, object] = {
        "generator": GENERATOR_VERSION,
        "seed": seed,
        "buildings": buildings,
        "year_start": year_start.isoformat(),
    }
    if not _up_to_date(paths, params):
        paths.manifest.unlink(missing_ok=True)
        facts = _write_data(paths, seed=seed, buildings=buildings, year_start=year_start)
        files = {p.name: p.stat().st_size for p in _data_files(paths)}
        paths.manifest.write_text(
            json.dumps({**params, "facts": facts, "files": files}, indent=2, ensure_ascii=False)
            + "\n",
            encoding="utf-8",
        )
    render_configs(target_dir, ports={**DEFAULT_PORTS, **(ports or {})})
    return paths


def read_manifest(paths: DemoPaths) -> dict[str, object]:
    data = json.loads(paths.manifest.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        return {}
    return data


def _data_files(paths: DemoPaths) -> list[Path]:
    return [
        paths.cda_db,
        paths.atmo_db,
        paths.bouygues_dir / "metres.csv",
        paths.lagord_db,
        paths.bailleur_json,
    ]


def _up_to_date(paths: DemoPaths, params: Mapping[str, object]) -> bool:
    if not paths.manifest.is_file():
        return False
    try:
        manifest = read_manifest(paths)
    except (OSError, ValueError):
        return False
    if any(manifest.get(k) != v for k, v in params.items()):
        return False
    files = manifest.get("files")
    if not isinstance(files, dict):
        return False
    return all(p.is_file() and files.get(p.name) == p.stat().st_size for p in _data_files(paths))


def _write_data(
    paths: DemoPaths, *, seed: int, buildings: int, year_start: date
) -> dict[str, object]:
    rng = random.Random(seed)
    calendar = SchoolCalendar.load()
    calendar.check_covers(year_start, one_year_after(year_start))
    register = write_cda(paths.cda_db, random.Random(rng.getrandbits(64)), buildings=buildings)
    atmo = write_atmo(
        paths.atmo_db,
        random.Random(rng.getrandbits(64)),
        school_rnb=register.school_rnb,
        school_point=register.school_point,
        start=year_start,
        calendar=calendar,
    )
    lines = write_bouygues(
        paths.bouygues_dir, school_rnb=register.school_rnb, housing_rnb=register.housing_rnb
    )
    municipal = write_lagord(
        paths.lagord_db, random.Random(rng.getrandbits(64)), taken=register.used_rnb
    )
    residences = write_bailleur(
        paths.bailleur_dir, random.Random(rng.getrandbits(64)), register.collective
    )
    return {
        "school_rnb": register.school_rnb,
        "school_uai": register.school_uai,
        "housing_rnb": register.housing_rnb,
        "buildings": register.buildings,
        "readings": atmo.readings,
        "sensors": atmo.sensors,
        "readings_from": atmo.first_day.isoformat(),
        "readings_until": atmo.end_day.isoformat(),
        "material_lines": lines,
        "lagord_buildings": municipal.buildings,
        "lagord_energy_rows": municipal.energy_rows,
        "bailleur_residences": residences,
    }


def render_configs(target_dir: Path, *, ports: Mapping[str, int]) -> None:
    """Render the packaged node templates into ``target_dir`` (a port not given keeps its
    default)."""
    ports = {**DEFAULT_PORTS, **ports}
    for node in NODES:
        template = TEMPLATE_DIR / f"{node}.toml"
        text = template.read_text(encoding="utf-8")
        text = _PORT_LINE.sub(f"port = {int(ports[node])}", text, count=1)
        for owner in NODES:  # [node.references]: another demo node's real address
            default, real = DEFAULT_PORTS[owner], int(ports[owner])
            text = text.replace(f'"http://127.0.0.1:{default}"', f'"http://127.0.0.1:{real}"')
        api, real_api = DEFAULT_PORTS[BAILLEUR_API], int(ports[BAILLEUR_API])
        text = text.replace(f'"http://127.0.0.1:{api}/', f'"http://127.0.0.1:{real_api}/')
        if "issuer" in ports:
            issuer = f"http://127.0.0.1:{int(ports['issuer'])}"
            text = _ISSUER_LINE.sub(f'issuer = "{issuer}"', text, count=1)
        text = _POLICY_LINE.sub(
            lambda m: f'{m.group(1)}"{_toml_escape(str((TEMPLATE_DIR / m.group(2)).resolve()))}"',
            text,
        )
        out = target_dir / f"{node}.toml"
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            out.write_text(text, encoding="utf-8")


def _toml_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')

"""The social landlord's data (``bailleur/residences.json``): its collective housing
buildings, as its existing system keeps them, served by the demo as a JSON API
(:mod:`connector.demo.bailleur_api`) that the landlord's node reads through the ``http``
source adapter.

Every collective housing building the demo draws for the agglomeration is the landlord's
(the agglomeration's register keeps the others). Each residence is one JSON object in the
landlord's own words, with nested objects (``identifiants.rnb``, ``adresse.commune_insee``,
``caracteristiques.annee_livraison``), its own programme numbers ``HAB-…`` and its own
type code (``COLLECTIF``).

>>> residences(Path("residences.json"))[0]["identifiants"]["rnb"]  # doctest: +SKIP
'1A2B3C4D5E6F'
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

FILE = "residences.json"
TYPE_CODE = "COLLECTIF"  # the landlord's code of a collective housing building
_NAMES = (
    "Les Tamaris",
    "Les Salines",
    "Le Corsaire",
    "Les Mouettes",
    "La Pépinière",
    "Port-Neuf",
    "Mireuil",
    "Villeneuve",
    "Laleu",
    "Les Cordeliers",
)


class _Drawn(Protocol):
    """A collective housing building as the agglomeration's generator drew it."""

    @property
    def id_rnb(self) -> str: ...
    @property
    def id_bdnb(self) -> str: ...
    @property
    def nom(self) -> str | None: ...
    @property
    def adresse(self) -> str: ...
    @property
    def code_insee(self) -> str: ...
    @property
    def annee_construction(self) -> int: ...
    @property
    def surface_plancher_m2(self) -> float: ...
    @property
    def geom_wkt(self) -> str: ...


def write_bailleur(folder: Path, rng: random.Random, buildings: Sequence[_Drawn]) -> int:
    """Write ``residences.json`` (the landlord's whole stock); returns its size."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[dict[str, Any]] = []
    for i, b in enumerate(sorted(buildings, key=lambda b: b.id_rnb), start=1):
        name = b.nom or f"Résidence {_NAMES[i % len(_NAMES)]} {i // len(_NAMES) + 1}"
        out.append(
            {
                "programme": f"HAB-{i:04d}",
                "nom": name,
                "type": TYPE_CODE,
                "identifiants": {"rnb": b.id_rnb, "bdnb": b.id_bdnb},
                "adresse": {"libelle": b.adresse, "commune_insee": b.code_insee},
                "caracteristiques": {
                    "annee_livraison": b.annee_construction,
                    "surface_plancher_m2": b.surface_plancher_m2,
                    "logements": max(4, round(b.surface_plancher_m2 / rng.uniform(55, 75))),
                },
                "geometrie": b.geom_wkt,
            }
        )
    tmp = folder / (FILE + ".tmp")
    tmp.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(folder / FILE)
    return len(out)


def residences(path: Path) -> list[dict[str, Any]]:
    """The landlord's residences as its system holds them."""
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data

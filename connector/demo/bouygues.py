"""The construction company's exports: its projects (``bouygues/operations.csv``) and
their bills of quantities (``bouygues/metres.csv``).

Semicolon-separated UTF-8 CSV exports with the company's own column names: one line per
project, with its RE2020 reference area (SRef) and permit year
(``data/operations_illustratives.csv``), and one line per product and RE2020 lot of each
project's bill — the extension of the École Saint-Christophe and a collective housing
building (``data/metres_illustratifs.csv``).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from connector.demo import refdata

COLUMNS = (
    "id_ligne",
    "code_affaire",
    "libelle_affaire",
    "rnb_batiment",
    "num_lot",
    "designation",
    "ref_fdes",
    "quantite",
    "unite",
)
PROJECT_COLUMNS = (
    "code_affaire",
    "libelle_affaire",
    "rnb_batiment",
    "nature",
    "sref_m2",
    "annee_depot_pc",
    "usage_batiment",
)
FILE_NAME = "metres.csv"
PROJECTS_FILE = "operations.csv"


def write_bouygues(folder: Path, *, school_rnb: str, housing_rnb: str) -> int:
    """Write the two exports; returns the number of bill lines."""
    folder.mkdir(parents=True, exist_ok=True)
    rnb = {"EXT-SC": school_rnb, "LOG-MIN": housing_rnb}
    projects = {p["operation"]: p for p in refdata.read_rows("operations_illustratives.csv")}
    _write(
        folder / PROJECTS_FILE,
        PROJECT_COLUMNS,
        [
            (
                op,
                p["libelle"],
                rnb[op],
                p["nature"],
                p["sref_m2"],
                p["annee_depot_pc"],
                p["usage"],
            )
            for op, p in projects.items()
        ],
    )
    counters: dict[str, int] = {}
    rows = []
    for r in refdata.read_rows("metres_illustratifs.csv"):
        op = r["operation"]
        counters[op] = counters.get(op, 0) + 1
        rows.append(
            (
                f"{op}-{counters[op]:03d}",
                op,
                projects[op]["libelle"],
                rnb[op],
                r["num_lot"],
                r["designation"],
                r["ref_fdes"],
                r["quantite"],
                r["unite"],
            )
        )
    _write(folder / FILE_NAME, COLUMNS, rows)
    return len(rows)


def _write(path: Path, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    tmp.replace(path)

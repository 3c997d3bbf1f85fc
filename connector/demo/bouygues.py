"""The construction company's export (``bouygues/metres.csv``): bills of quantities.

A semicolon-separated UTF-8 CSV export with the company's own column names, one line per
product and RE2020 lot, for two projects: the extension of the École Saint-Christophe
and a collective housing building (``data/metres_illustratifs.csv``).
"""

from __future__ import annotations

import csv
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
PROJECTS = {
    "EXT-SC": "Extension de l'école Saint-Christophe",
    "LOG-MIN": "Résidence Les Minimes - îlot B (32 logements)",
}
FILE_NAME = "metres.csv"


def write_bouygues(folder: Path, *, school_rnb: str, housing_rnb: str) -> int:
    """Write the export; returns the number of lines."""
    folder.mkdir(parents=True, exist_ok=True)
    rnb = {"EXT-SC": school_rnb, "LOG-MIN": housing_rnb}
    counters: dict[str, int] = {}
    rows = []
    for r in refdata.read_rows("metres_illustratifs.csv"):
        op = r["operation"]
        counters[op] = counters.get(op, 0) + 1
        rows.append(
            (
                f"{op}-{counters[op]:03d}",
                op,
                PROJECTS[op],
                rnb[op],
                r["num_lot"],
                r["designation"],
                r["ref_fdes"],
                r["quantite"],
                r["unite"],
            )
        )
    tmp = folder / (FILE_NAME + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    tmp.replace(folder / FILE_NAME)
    return len(rows)

"""Holders of a partitioned Building: small commune nodes, each over its own SQLite
database written here, each declaring ``partition = { communes = [...] }``. The rows are
the tests' own: expected answers are computed from them with plain Python and sqlite3."""

from __future__ import annotations

import sqlite3
from pathlib import Path

Row = tuple[str, str | None, int | None, float | None, str]  # rnb, nom, annee, m², insee

COLUMNS = {
    "rnbId": "id_rnb",
    "name": "nom",
    "yearBuilt": "annee",
    "floorArea": "surface",
    "inseeCode": "insee",
}
FIELDS = tuple(COLUMNS)

CONFIG = """
[node]
name = "{name}"
title = "Commune {name}"
participant = "https://example.org/participants/{name}"
base_iri = "https://{name}.example.org"

[sources.registre]
kind = "sql"
url = "sqlite+aiosqlite:///{db}"

[entities.Building]
source = "registre"
table = "batiments"
{partition}
[entities.Building.fields]
{fields}

[datasets.registre]
title = "Registre des bâtiments de {name}"
entities = {{ Building = ["*"] }}

[usage]
enforce = false

[limits]
max_page_size = {max_page}
default_page_size = 2
"""


def write_holder(
    folder: Path,
    name: str,
    rows: list[Row],
    *,
    partition: str | None,
    max_page: int = 10,
    fields: tuple[str, ...] = FIELDS,
) -> Path:
    """``{name}.db`` with ``rows`` and ``{name}.toml`` declaring ``partition`` (none: the
    node holds Building whole) and mapping ``fields``."""
    db_path = folder / f"{name}.db"
    db = sqlite3.connect(db_path)
    db.execute(
        "CREATE TABLE batiments (id_rnb TEXT PRIMARY KEY, nom TEXT, annee INTEGER, "
        "surface REAL, insee TEXT)"
    )
    db.executemany("INSERT INTO batiments VALUES (?,?,?,?,?)", rows)
    db.commit()
    db.close()
    path = folder / f"{name}.toml"
    text = CONFIG.format(
        name=name,
        db=db_path,
        partition=f"partition = {partition}" if partition else "",
        max_page=max_page,
        fields="\n".join(f'{f} = "{COLUMNS[f]}"' for f in fields),
    )
    path.write_text(text, encoding="utf-8")
    return path

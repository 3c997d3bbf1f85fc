"""The two partners that share Building with the agglomeration: the commune of Lagord (its
own SQLite tables and codes) and the social landlord (its JSON API, which the demo serves
and its node reads through the ``http`` adapter). Expected values are read straight from
their sources with sqlite3 and json."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from connector.config import NodeConfig, load_config
from connector.demo import DemoPaths
from connector.demo.bailleur_api import create_api
from connector.errors import SourceError
from connector.node import Node
from connector.sources.base import Condition, Select
from tests.federation.test_apollo import USAGE as CDA_USAGE
from tests.support.ports import free_port

pytestmark = pytest.mark.anyio

FIELDS = ("rnbId", "name", "address", "inseeCode", "usage", "yearBuilt", "floorArea")
# the partners' own codes, as their node configurations map them (connector/demo/*.toml)
LAGORD_USAGE = {
    "MAIRIE": "office",
    "ADMIN": "office",
    "ATELIERS": "office",
    "ECOLE_MAT": "school",
    "ECOLE_ELEM": "school",
    "RESTO_SCO": "school",
    "PERISCO": "school",
    "CRECHE": "childcare",
    "GYMNASE": "sports",
    "VESTIAIRES": "sports",
    "TENNIS": "sports",
    "SALLE_FETES": "culture",
    "SALLE_POLY": "culture",
    "MEDIATHEQUE": "culture",
    "ECOLE_MUSIQUE": "culture",
    "CULTE": "worship",
}


def lagord_rows(demo: DemoPaths) -> list[dict[str, Any]]:
    conn = sqlite3.connect(demo.lagord_db)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM equipements ORDER BY rnb").fetchall()
    finally:
        conn.close()
    return [
        {
            "rnbId": r["rnb"],
            "name": r["designation"],
            "address": r["adresse_postale"],
            "inseeCode": r["commune"],
            "usage": LAGORD_USAGE[r["type_equipement"]],
            "yearBuilt": r["annee_construction"],
            "floorArea": r["surface_utile"],
        }
        for r in rows
    ]


def landlord_rows(demo: DemoPaths) -> list[dict[str, Any]]:
    data = json.loads(demo.bailleur_json.read_text(encoding="utf-8"))
    assert {r["type"] for r in data} == {"COLLECTIF"}
    return sorted(
        (
            {
                "rnbId": r["identifiants"]["rnb"],
                "name": r["nom"],
                "address": r["adresse"]["libelle"],
                "inseeCode": r["adresse"]["commune_insee"],
                "usage": "collective_housing",
                "yearBuilt": r["caracteristiques"]["annee_livraison"],
                "floorArea": r["caracteristiques"]["surface_plancher_m2"],
            }
            for r in data
        ),
        key=lambda r: r["rnbId"],
    )


def cda_boxes(demo: DemoPaths) -> list[tuple[str, str]]:
    conn = sqlite3.connect(demo.cda_db)
    try:
        return [
            (i, CDA_USAGE[u])
            for i, u in conn.execute("SELECT code_insee, code_usage FROM batiments")
        ]
    finally:
        conn.close()


async def read(config: NodeConfig, *where: Condition) -> list[dict[str, Any]]:
    node = Node.from_config(config)
    try:
        rows = await node.select(Select("Building", FIELDS, where=where))
    finally:
        await node.aclose()
    return sorted((dict(r) for r in rows), key=lambda r: r["rnbId"])


async def test_lagord_reads_its_own_tables_in_kwh(demo: DemoPaths) -> None:
    config = load_config(demo.lagord_toml)
    assert await read(config) == lagord_rows(demo)
    assert len(lagord_rows(demo)) == 20
    conn = sqlite3.connect(demo.lagord_db)
    try:
        rnb, kwh = conn.execute(
            "SELECT rnb, sum(conso_kwh) FROM suivi_fluides WHERE exercice = 2024 GROUP BY rnb "
            "ORDER BY rnb LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    node = Node.from_config(config)
    try:
        uses = await node.select(
            Select(
                "EnergyUse",
                ("id", "kwh"),
                where=(Condition("rnbId", "eq", rnb), Condition("year", "eq", 2024)),
            )
        )
    finally:
        await node.aclose()
    assert sum(float(u["kwh"]) for u in uses) == pytest.approx(kwh)  # kWh, no conversion
    assert all(str(u["id"]).startswith("LAG-") for u in uses)


def test_each_holder_keeps_its_promise_and_the_boxes_are_disjoint(demo: DemoPaths) -> None:
    """Every row of each holder of Building is inside its declared partition (read from
    the sources), and no (commune, usage) is inside two declarations."""
    parts = {
        n: load_config(demo.configs[n]).entities["Building"].partition
        for n in ("cda", "lagord", "bailleur")
    }
    rows = {
        "cda": cda_boxes(demo),
        "lagord": [(r["inseeCode"], r["usage"]) for r in lagord_rows(demo)],
        "bailleur": [(r["inseeCode"], r["usage"]) for r in landlord_rows(demo)],
    }

    def inside(name: str, commune: str, usage: str) -> bool:
        p = parts[name]
        assert p is not None
        return (not p.communes or commune in p.communes) and (not p.usages or usage in p.usages)

    for name, cells in rows.items():
        assert cells and all(inside(name, c, u) for c, u in cells), name
    every = {cell for cells in rows.values() for cell in cells}
    assert all(sum(inside(n, *cell) for n in parts) == 1 for cell in every)
    # the landlord's housing is in the commune of Lagord too: why Lagord names its usages
    assert "17200" in {c for c, _ in rows["bailleur"]}


class Recorder:
    """The landlord's API as the demo serves it, with the requests it received."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            query = scope["query_string"].decode()
            self.seen.append(scope["path"] + (f"?{query}" if query else ""))
        await self.app(scope, receive, send)


@pytest.fixture
def landlord_api(demo: DemoPaths) -> Iterator[tuple[str, Recorder, uvicorn.Server]]:
    """The landlord's API on a real port of 127.0.0.1, in a thread."""
    port = free_port()
    recorder = Recorder(create_api(demo.bailleur_json))
    server = uvicorn.Server(
        uvicorn.Config(recorder, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the landlord's API did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/api", recorder, server
    server.should_exit = True
    thread.join(timeout=10)


def landlord_config(demo: DemoPaths, api: str, folder: Path) -> NodeConfig:
    text = demo.bailleur_toml.read_text(encoding="utf-8")
    assert '"http://127.0.0.1:8107/api"' in text
    path = folder / "bailleur.toml"
    path.write_text(text.replace('"http://127.0.0.1:8107/api"', f'"{api}"'), encoding="utf-8")
    return load_config(path)


async def test_the_landlord_node_reads_its_api_page_by_page_not_the_file(
    demo: DemoPaths, landlord_api: tuple[str, Recorder, uvicorn.Server], tmp_path: Path
) -> None:
    api, recorder, server = landlord_api
    config = landlord_config(demo, api, tmp_path)
    expected = landlord_rows(demo)
    assert await read(config) == expected
    pages = -(-len(expected) // 50)  # the API's default page size
    assert pages > 1
    assert recorder.seen == [
        "/api/residences",
        *(f"/api/residences?page={p}&par_page=50" for p in range(2, pages + 1)),
    ]
    recorder.seen.clear()
    # an equality filter on the commune is sent to the API, which narrows itself
    rows = await read(config, Condition("inseeCode", "eq", "17200"))
    assert rows == [r for r in expected if r["inseeCode"] == "17200"]
    assert recorder.seen == ["/api/residences?commune=17200"]
    # the API down: the node says so; it never reads the file behind the API
    server.should_exit = True
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.get(api, timeout=1)
        except httpx.TransportError:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with pytest.raises(SourceError, match="the API is unavailable"):
        await read(config)


def test_the_api_pages_and_refuses_bad_pages(demo: DemoPaths) -> None:
    from starlette.testclient import TestClient

    client = TestClient(create_api(demo.bailleur_json))
    data = json.loads(demo.bailleur_json.read_text(encoding="utf-8"))
    body = client.get("/api/residences", params={"page": 2, "par_page": 100}).json()
    assert body["residences"] == data[100:200]
    assert body["pagination"] == {
        "page": 2,
        "par_page": 100,
        "pages": -(-len(data) // 100),
        "total": len(data),
        "suivante": "/api/residences?page=3&par_page=100" if len(data) > 200 else None,
    }
    assert client.get("/api/residences", params={"page": 0}).status_code == 400
    assert client.get("/api/residences", params={"par_page": 1000}).status_code == 400

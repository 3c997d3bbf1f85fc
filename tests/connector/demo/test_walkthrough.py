"""The README's walkthrough "A new commune joins the data space", followed as a newcomer
would: its code blocks (the commune's table, its TOML, its policy) are read from the README
itself, its commands run as real processes on 127.0.0.1 beside the demo's holders of
Building (the agglomeration, Lagord, the landlord through its API), and each step's promise
is checked against the sources read with sqlite3 and json, not against the code."""

from __future__ import annotations

import json
import re
import shlex
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from connector.demo import DemoPaths
from tests.connector.demo.test_partners import (  # noqa: F401 (the fixture)
    Recorder,
    landlord_api,
    landlord_rows,
)
from tests.connector.test_node_process import free_port, wait_until_up
from tests.gateway.test_process import start, stop

ROOT = Path(__file__).resolve().parents[3]
SECTION = "### A new commune joins the data space (walkthrough)"
AYTRE = "17028"
DATASET = "https://guichet.agglo-larochelle.fr/datasets/aytre/patrimoine-communal"


def walkthrough() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start_at = text.index(SECTION)
    end = text.index("\n## ", start_at)
    return text[start_at:end]


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", walkthrough(), flags=re.S)


def first_answer_query() -> str:
    """Step 7's query, taken from its curl command."""
    (curl,) = [b for b in blocks("sh") if b.lstrip().startswith("curl")]
    body = shlex.split(curl.replace("\\\n", " "))[-1]
    query: str = json.loads(body)["query"]
    return query


def commune_folder(folder: Path) -> tuple[Path, list[tuple[str, str, str]]]:
    """Step 1 in ``folder``: the commune's database (the README's sqlite3 command), its
    TOML and its policy; returns the TOML and the rows (name, code, commune) written."""
    (sql_cmd,) = [b for b in blocks("sh") if b.lstrip().startswith("sqlite3")]
    program, db, script = shlex.split(sql_cmd)
    assert (program, db) == ("sqlite3", "aytre.db")
    con = sqlite3.connect(folder / db)
    with con:
        con.executescript(script)
        rows = con.execute("SELECT libelle, categorie, insee FROM batiments_communaux").fetchall()
    con.close()
    (toml,) = blocks("toml")
    (policy,) = blocks("json")
    (folder / "aytre-patrimoine.jsonld").write_text(policy, encoding="utf-8")
    config = folder / "aytre.toml"
    config.write_text(toml, encoding="utf-8")
    return config, rows


def node(config: Path, port: int, procs: dict[str, subprocess.Popen[bytes]], name: str) -> str:
    procs[name] = start(
        ["-m", "connector.cli", "node", str(config), "--port", str(port), "--log-level", "warning"]
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/health", procs[name])
    return url


def ask(gateway: str, query: str) -> dict[str, Any]:
    r = httpx.post(f"{gateway}/graphql", json={"query": query}, timeout=30)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def health(gateway: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{gateway}/health", timeout=10).json()
    return body


def until(check: Any, what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.fixture
def procs() -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    running: dict[str, subprocess.Popen[bytes]] = {}
    try:
        yield running
    finally:
        stop(running)


def test_a_new_commune_joins_as_the_readme_says(
    demo: DemoPaths,
    landlord_api: tuple[str, Recorder, uvicorn.Server],  # noqa: F811
    procs: dict[str, subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    # 1. the commune's folder, from the README's blocks
    port = free_port()
    config, rows = commune_folder(tmp_path)
    text = config.read_text(encoding="utf-8")
    assert "port = 8108" in text
    config.write_text(text.replace("port = 8108", f"port = {port}"), encoding="utf-8")
    assert {r[2] for r in rows} == {AYTRE}

    # 2. check-config --probe against the live database
    check = subprocess.run(
        [sys.executable, "-m", "connector.cli", "check-config", "--probe", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr

    # the data space as `make demo` runs it: the agglomeration, Atmo, the builder, Lagord,
    # the landlord (through its API)
    api = landlord_api[0]
    landlord = demo.target_dir / "bailleur-walkthrough.toml"  # beside it: same relative paths
    landlord.write_text(
        demo.bailleur_toml.read_text(encoding="utf-8").replace("http://127.0.0.1:8107/api", api),
        encoding="utf-8",
    )
    cda_port = free_port()
    urls = {
        "cda": node(demo.cda_toml, cda_port, procs, "cda"),
        "lagord": node(demo.lagord_toml, free_port(), procs, "lagord"),
        "bailleur": node(landlord, free_port(), procs, "bailleur"),
        "atmo": node(demo.atmo_toml, free_port(), procs, "atmo"),
        "bouygues": node(demo.bouygues_toml, free_port(), procs, "bouygues"),
    }
    # 5. the commune's node starts
    urls["aytre"] = node(config, port, procs, "aytre")
    assert httpx.get(f"{urls['aytre']}/health").json()["status"] == "ok"
    catalog = httpx.get(f"{urls['aytre']}/catalog", headers={"Accept": "application/ld+json"})
    assert DATASET in catalog.text

    # 6. the gateway adds it; 4. until the agglomeration gives up 17028, Aytré is left out
    gw_port = free_port()
    procs["gateway"] = start(
        [
            "-m",
            "connector.cli",
            "gateway",
            "--port",
            str(gw_port),
            "--poll-interval",
            "0.5",
            *(f"--subgraph={n}={u}/graphql" for n, u in urls.items()),
        ]
    )
    gateway = f"http://127.0.0.1:{gw_port}"
    wait_until_up(f"{gateway}/health", procs["gateway"])
    state = until(
        lambda: (h := health(gateway)).get("supergraph", {}).get("error") and h,
        "the gateway never said who is left out",
    )
    assert state["status"] == "degraded"
    error = state["supergraph"]["error"]
    assert "'cda' and 'aytre' both claim Building" in error
    assert "'aytre' is left out" in error

    landlord_here = [r for r in landlord_rows(demo) if r["inseeCode"] == AYTRE]
    con = sqlite3.connect(demo.cda_db)
    try:
        cda_here = con.execute(
            "SELECT count(*) FROM batiments WHERE code_insee = ?", (AYTRE,)
        ).fetchone()[0]
    finally:
        con.close()
    query = first_answer_query()
    body = ask(gateway, query)  # the rest keep serving: the agglomeration's rows, not Aytré's
    assert body["data"]["buildings"]["totalCount"] == cda_here + len(landlord_here)

    # 4. the agglomeration gives up 17028: its partition loses the code; it restarts
    cda_text = demo.cda_toml.read_text(encoding="utf-8")
    assert cda_text.count(f'"{AYTRE}", ') == 1
    given_up = demo.target_dir / "cda-walkthrough.toml"
    given_up.write_text(cda_text.replace(f'"{AYTRE}", ', ""), encoding="utf-8")
    procs["cda"].terminate()
    procs["cda"].wait(timeout=15)
    node(given_up, cda_port, procs, "cda")
    until(lambda: health(gateway)["status"] == "ok", "the gateway never took Aytré in")

    # 7. the first federated answer: Aytré's buildings and the landlord's in Aytré
    body = ask(gateway, query)
    usage = dict(re.findall(r"(\w+) = \"(\w+)\"", re.search(r"values = \{(.*?)\}", text)[1]))  # type: ignore[index]
    expected = sorted(
        [(name, usage[code]) for name, code, _ in rows]
        + [(r["name"], r["usage"]) for r in landlord_here]
    )
    got = body["data"]["buildings"]
    assert got["totalCount"] == len(rows) + len(landlord_here)
    assert [(n["name"], n["usage"]) for n in got["nodes"]] == expected
    assert "errors" not in body
    # 6. the gateway's catalog (refreshed with the SDLs) lists Aytré's dataset and policy
    union = httpx.get(
        f"{gateway}/catalog", params={"commune": AYTRE, "node": "aytre"}, timeout=10
    ).text
    assert DATASET in union
    assert "https://guichet.agglo-larochelle.fr/policies/aytre/patrimoine-communal" in union

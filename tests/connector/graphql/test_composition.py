"""The demo nodes' subgraph SDLs compose with Apollo's own composition library."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from connector.config import load_config
from connector.demo.generate import NODES
from connector.graphql import build_schema
from connector.node import Node

ROOT = Path(__file__).resolve().parents[3]
APOLLO = ROOT / "tools" / "apollo"
DEMO = ROOT / "connector" / "demo"


def compose(sdls: dict[str, str], tmp_path: Path) -> dict[str, object]:
    if shutil.which("node") is None or not (APOLLO / "node_modules").is_dir():
        pytest.fail("Apollo composition is not installed: run `make test` (npm ci in tools/apollo)")
    args = []
    for name, sdl in sdls.items():
        (tmp_path / f"{name}.graphql").write_text(sdl, encoding="utf-8")
        args.append(f"{name}={tmp_path / f'{name}.graphql'}")
    proc = subprocess.run(
        ["node", str(APOLLO / "compose.mjs"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def demo_sdls(nodes: tuple[str, ...] = NODES) -> dict[str, str]:
    """The five demo nodes' SDLs (three of them holding parts of Building)."""
    return {
        name: build_schema(Node.from_config(load_config(DEMO / f"{name}.toml"))).as_str()
        for name in nodes
    }


def test_demo_nodes_compose_into_one_supergraph(tmp_path: Path) -> None:
    result = compose(demo_sdls(), tmp_path)
    assert result.get("errors") is None, result.get("errors")
    supergraph = str(result["supergraph"])
    # Apollo keeps each holder's @partition (a composed, repeatable directive)
    assert supergraph.count('@partition(communes: ["17010", ') == 1
    assert '@partition(communes: ["17200"], keyPrefixes: null, usages: ["childcare", ' in (
        supergraph
    )
    assert '@partition(communes: null, keyPrefixes: null, usages: ["collective_housing"])' in (
        supergraph
    )
    assert '@partition(communes: null, keyPrefixes: ["LAG-"], usages: null)' in supergraph
    building = supergraph[supergraph.index("type Building") :]
    building = building[: building.index("\n}")]
    for field in ("floorArea", "energyUses", "spaces", "materialLines"):
        assert f"  {field}" in building


def test_composition_reports_conflicts(tmp_path: Path) -> None:
    """The check can fail: two nodes owning the same non-shareable field do not compose."""
    cda = demo_sdls()["cda"]
    result = compose({"cda": cda, "copy": cda}, tmp_path)
    errors = result.get("errors")
    assert isinstance(errors, list) and errors
    assert any("Building" in str(e) for e in errors)

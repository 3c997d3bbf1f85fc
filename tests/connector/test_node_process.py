"""A node as a real process on 127.0.0.1: ``guichet node CONFIG`` serving real HTTP,
including a source that is down."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.connector.tiny import make_tiny
from tests.support import ports

DOWN_SOURCE = """
[sources.api]
kind = "http"
url = "http://127.0.0.1:{dead_port}/api"
timeout = 2

[entities.EmissionFactor]
source = "api"
table = "/facteurs"
[entities.EmissionFactor.fields]
id = "id"
carrier = "energie"
kgCo2ePerKwh = "valeur"

[datasets.facteurs]
title = "Facteurs d'émission"
entities = {{ EmissionFactor = ["*"] }}
"""


def free_port() -> int:
    """A port nobody else in this test run was given (see tests/support/ports.py)."""
    return ports.free_port()


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"node exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(url)


@pytest.fixture
def node_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    config = make_tiny(tmp_path, port=port)
    config.write_text(config.read_text() + DOWN_SOURCE.format(dead_port=free_port()))
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector.cli", "node", str(config), "--log-level", "warning"],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_node_serves_graphql_and_linked_data_over_http(node_url: str) -> None:
    r = httpx.post(
        f"{node_url}/graphql",
        json={
            "query": "query($id: RnbId!) { building(rnbId: $id) { name floorArea } }",
            "variables": {"id": "PG46-YY6Y-JW8N"},
        },
    )
    assert r.status_code == 200
    assert r.json() == {"data": {"building": {"name": "École des Salines", "floorArea": 1450.0}}}
    ttl = httpx.get(f"{node_url}/id/building/PG46YY6YJW8N", headers={"Accept": "text/turtle"})
    assert ttl.status_code == 200 and "bot:Building" in ttl.text


def test_a_down_source_degrades_only_what_touches_it(node_url: str) -> None:
    health = httpx.get(f"{node_url}/health").json()
    assert health["status"] == "degraded"
    states = {s["name"]: s["ok"] for s in health["sources"]}
    assert states == {"ville": True, "api": False}
    r = httpx.post(
        f"{node_url}/graphql",
        json={
            "query": "{ buildings(first: 1) { nodes { rnbId } } emissionFactors { nodes { id } } }"
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["data"]["buildings"] == {"nodes": [{"rnbId": "A1B2C3D4E5F6"}]}
    assert body["data"]["emissionFactors"] is None
    (error,) = body["errors"]
    assert error["path"] == ["emissionFactors"]
    assert error["message"].startswith("source 'api':")
    assert "Traceback" not in r.text


def test_bad_config_stops_the_node_with_file_key_and_expectation(tmp_path: Path) -> None:
    config = make_tiny(tmp_path)
    config.write_text(config.read_text().replace('kind = "sql"', 'kind = "oracle"'))
    proc = subprocess.run(
        [sys.executable, "-m", "connector.cli", "node", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert (
        proc.stderr.strip()
        == (
            f"error: {config}: sources.ville.kind: expected one of sql, csv, http, got 'oracle'\n"
            f"error: {config}: entities.Building.source: no source named 'ville'; declared: none\n"
            f"error: {config}: entities.EnergyUse.source: no source named 'ville'; declared: none\n"
            f"error: {config}: entities.Space.source: no source named 'ville'; declared: none\n"
            f"error: {config}: entities.Sensor.source: no source named 'ville'; declared: none\n"
            f"error: {config}: entities.Observation.source: no source named 'ville'; declared: none"
        ).strip()
    )


def test_a_node_without_auth_says_every_caller_is_public(tmp_path: Path) -> None:
    port = free_port()
    config = make_tiny(tmp_path, port=port)
    assert "[auth]" not in config.read_text()
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector.cli", "node", str(config), "--log-level", "warning"],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", proc)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert (
        f"WARNING guichet.node: node 'tiny' ({config}) has no [auth] section: it accepts no "
        "token, so EVERY caller is the public party "
        "https://guichet.agglo-larochelle.fr/participants/public and reads whatever the "
        "policies give the public. Add [auth] (issuer, audience) to know who calls.\n"
    ) in err

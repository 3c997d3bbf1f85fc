"""End to end on 127.0.0.1: the three demo nodes and the gateway as real processes
(``guichet node`` and ``guichet gateway``), queried over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connector.demo.generate import DemoPaths
from tests.connector.test_node_process import free_port, wait_until_up
from tests.gateway.conftest import NODES, ROOT, SCHOOL
from tests.gateway.test_federated import SCHOOL_QUERY, expected_school


def start(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )


def stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for p in procs.values():
        if p.poll() is None:
            p.terminate()
    for p in procs.values():
        p.wait(timeout=15)


def start_open_space(
    demo: DemoPaths, procs: dict[str, subprocess.Popen[bytes]]
) -> tuple[str, dict[str, str]]:
    """The three demo nodes (usage control off) and a gateway over them, as processes put
    in ``procs`` (for the caller to :func:`stop`); returns the gateway's URL once it has
    composed its supergraph, and the nodes' URLs."""
    urls: dict[str, str] = {}
    for name in NODES:
        port = free_port()
        text = demo.configs[name].read_text(encoding="utf-8")
        config = demo.target_dir / f"{name}-open.toml"
        config.write_text(text.replace("[usage]\n", "[usage]\nenforce = false\n", 1))
        procs[name] = start(
            [
                "-m",
                "connector.cli",
                "node",
                str(config),
                "--port",
                str(port),
                "--log-level",
                "warning",
            ]
        )
        urls[name] = f"http://127.0.0.1:{port}"
    for name, url in urls.items():
        wait_until_up(f"{url}/health", procs[name])
    port = free_port()
    procs["gateway"] = start(
        [
            "-m",
            "connector.cli",
            "gateway",
            "--port",
            str(port),
            "--poll-interval",
            "0.5",
            *(f"--subgraph={n}={u}/graphql" for n, u in urls.items()),
        ]
    )
    gateway = f"http://127.0.0.1:{port}"
    wait_until_up(f"{gateway}/health", procs["gateway"])
    deadline = time.monotonic() + 30
    while httpx.get(f"{gateway}/health").status_code != 200:
        assert time.monotonic() < deadline, "the gateway never composed its supergraph"
        time.sleep(0.2)
    return gateway, urls


@pytest.fixture
def data_space(demo: DemoPaths) -> Iterator[tuple[str, dict[str, subprocess.Popen[bytes]]]]:
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        gateway, _ = start_open_space(demo, procs)
        yield gateway, procs
    finally:
        stop(procs)


def ask(gateway: str, query: str, **variables: Any) -> dict[str, Any]:
    r = httpx.post(f"{gateway}/graphql", json={"query": query, "variables": variables}, timeout=30)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.anyio
async def test_gateway_process_in_front_of_node_processes(
    demo: DemoPaths, data_space: tuple[str, dict[str, subprocess.Popen[bytes]]]
) -> None:
    gateway, procs = data_space
    expected = await expected_school(demo)
    assert ask(gateway, SCHOOL_QUERY, name=SCHOOL) == {"data": expected}
    health = httpx.get(f"{gateway}/health").json()
    assert health["status"] == "ok"
    assert [(s["name"], s["state"]) for s in health["subgraphs"]] == [
        ("cda", "ok"),
        ("atmo", "ok"),
        ("bouygues", "ok"),
    ]

    procs["bouygues"].terminate()
    procs["bouygues"].wait(timeout=15)
    body = ask(gateway, SCHOOL_QUERY, name=SCHOOL)
    (building,) = body["data"]["buildings"]["nodes"]
    (want,) = expected["buildings"]["nodes"]
    assert building == {**want, "materialLines": None}
    assert body["errors"] == [
        {
            "message": "subgraph 'bouygues': connection failed",
            "path": ["buildings", "nodes", 0, "materialLines"],
            "extensions": {"code": "SUBGRAPH_UNREACHABLE", "node": "bouygues"},
        }
    ]
    deadline = time.monotonic() + 10
    while True:
        states = {s["name"]: s["state"] for s in httpx.get(f"{gateway}/health").json()["subgraphs"]}
        if states["bouygues"] == "unreachable" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert states == {"cda": "ok", "atmo": "ok", "bouygues": "unreachable"}

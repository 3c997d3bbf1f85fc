"""``guichet node CONFIG --log-format json`` as a real process: every line it writes on
standard error is a JSON object, and the line of a refused request carries that request's
``X-Request-Id``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.connector.test_node_process import free_port, wait_until_up
from tests.connector.tiny import make_tiny

ROOT = Path(__file__).resolve().parents[3]


def test_a_node_logs_json_lines_with_the_request_id(tmp_path: Path) -> None:
    port = free_port()
    config = make_tiny(tmp_path, port=port)
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector.cli", "node", str(config), "--log-format", "json"],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"{url}/health", proc)
        r = httpx.post(
            f"{url}/graphql",
            content=b"{not json",
            headers={"Content-Type": "application/json", "X-Request-Id": "probe-42"},
        )
        assert r.status_code == 400
        assert r.headers["x-request-id"] == "probe-42"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert lines
    records = [json.loads(line) for line in lines]  # every line is JSON
    refused = [r for r in records if r.get("request_id") == "probe-42"]
    assert refused, records
    assert "refused (400)" in refused[0]["message"]
    assert {"time", "level", "logger", "message"} <= set(refused[0])

"""The running node watches its audit chain (``[usage] audit_check_interval``): a real
``guichet node`` process over SQLite, its log tampered with by raw SQL as a database
administrator could; ``/health`` turns ``degraded`` and names the problem and the 72-hour
deadline, the log says what to do, and ``guichet audit notice`` drafts the notification
from the log's facts."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.connector.test_node_process import free_port, wait_until_up
from tests.connector.usage.conftest import write_node

ROOT = Path(__file__).resolve().parents[3]
READ = '{ building(rnbId: "PG46YY6YJW8N") { name } }'


def health(url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/health", timeout=10).json()
    return body


def until(check: Any, what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (got := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return got


def test_a_tampered_log_is_an_alert_in_health_and_a_drafted_notice(tmp_path: Path) -> None:
    config = write_node(tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[usage]\n", "[usage]\naudit_check_interval = 0.2\n"
        ),
        encoding="utf-8",
    )
    port = free_port()
    log = (tmp_path / "node.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "connector.cli", "node", str(config), "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/health", proc)
        for _ in range(5):  # five anonymous reads: five entries
            assert httpx.post(f"{url}/graphql", json={"query": READ}).status_code == 200
        seen: list[dict[str, Any]] = []
        intact = until(
            lambda: ((h := health(url))["audit"].get("entries") == 5 and h) or seen.append(h),
            f"5 entries checked: {seen[-1:]}",
        )
        assert intact["status"] == "ok"
        assert intact["audit"]["state"] == "intact"

        db = tmp_path / "audit.db"
        with sqlite3.connect(db) as con:  # as a DBA could, around the node
            triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'")
            saved = triggers.fetchall()
            for name, _ in saved:
                con.execute(f'DROP TRIGGER "{name}"')
            con.execute("UPDATE guichet_audit SET rows_returned = 0 WHERE seq = 3")
            for _, sql in saved:
                con.execute(sql)
        broken = until(
            lambda: (h := health(url))["audit"]["state"] == "broken" and h, "the break is seen"
        )
        assert broken["status"] == "degraded"
        problem = broken["audit"]["problem"]
        assert (problem["kind"], problem["seq"]) == ("altered", 3)
        assert broken["audit"]["intactEntries"] == 2
        found = datetime.fromisoformat(broken["audit"]["foundAt"])
        assert datetime.fromisoformat(broken["audit"]["notifyBefore"]) - found == timedelta(
            hours=72
        )
        time.sleep(0.5)  # later checks keep the first finding
        assert health(url)["audit"]["foundAt"] == broken["audit"]["foundAt"]
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
    text = (tmp_path / "node.log").read_text(encoding="utf-8", errors="replace")
    assert "AUDIT CHAIN BROKEN: ALTERED entry #3" in text
    assert "guichet audit notice" in text

    notice = subprocess.run(
        [
            sys.executable,
            "-m",
            "connector.cli",
            "audit",
            "notice",
            "--config",
            str(config),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert notice.returncode == 0, notice.stderr
    out = notice.stdout
    assert "nœud tiny" in out
    assert "entrée n° 3" in out
    assert "La chaîne est intacte pour les 2 premières entrées" in out
    # entries 3, 4 and 5, all three anonymous reads of the registry (not personal data)
    assert "Entrées dont la chaîne ne garantit plus l'intégrité : 3 lisibles" in out
    assert "1 participant(s)" in out
    assert "- registre" in out  # the dataset as the entries name it
    assert "Jeux de données de données personnelles" not in out

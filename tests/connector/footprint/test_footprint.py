"""The platform's own footprint: the factors (hand computation from the cited values),
the sharing out of CPU time between requests in flight, the totals added to by several
processes, and a node answering real HTTP requests, then ``guichet footprint``."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from connector.app import create_app
from connector.audit import state_engines
from connector.config import load_config
from connector.footprint import CpuMeter, Factors, FootprintStore, Totals
from connector.footprint.store import hour_of
from tests.connector.telemetry.test_traces import serving
from tests.connector.usage.conftest import Clock, TableVerifier, write_node

ROOT = Path(__file__).resolve().parents[3]
BUILDING = '{ building(rnbId: "PG46YY6YJW8N") { name energyUses { id kwh } } }'


def test_the_factors_by_hand() -> None:
    f = Factors()
    # one CPU-second at 3.5 W is 3.5 J = 3.5/3600 Wh, times PUE 1.135
    assert f.energy_wh(1.0, 0) == pytest.approx(3.5 / 3600 * 1.135)
    # one GB (10^9 bytes) at 0.001 kWh/GB is 1 Wh, times PUE 1.135
    assert f.energy_wh(0.0, 1_000_000_000) == pytest.approx(1.135)
    # 1.135 Wh = 0.001135 kWh at 51.9 g/kWh
    assert f.grams_co2e(1.135) == pytest.approx(0.001135 * 51.9)


def test_cpu_is_shared_between_the_requests_in_flight() -> None:
    now = [0.0]
    meter = CpuMeter(clock=lambda: now[0])
    now[0] = 10.0  # before the first request: the process's own
    a = meter.start()
    now[0] = 11.0
    b = meter.start()  # a alone from 10 to 11: 1 s
    now[0] = 13.0
    assert meter.end(a) == pytest.approx(2.0)  # + half of 11..13
    now[0] = 14.0
    assert meter.end(b) == pytest.approx(2.0)  # half of 11..13 + 13..14 alone
    assert meter.background == pytest.approx(0.0)  # clock starts at the first event
    now[0] = 20.0
    c = meter.start()
    assert meter.background == pytest.approx(6.0)  # 14..20 with nothing in flight
    meter.end(c)


@pytest.mark.anyio
async def test_two_processes_add_to_the_same_totals(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'state.db'}"
    e1, w1 = state_engines(url)
    e2, w2 = state_engines(url)
    one, other = FootprintStore(e1, w1), FootprintStore(e2, w2)
    await one.add({("2026-12-07T09", "energie"): Totals(1.0, 0.5, 100.0)})
    await other.add({("2026-12-07T09", "energie"): Totals(2.0, 0.25, 50.0)})
    await other.add({("2026-12-07T10", "energie"): Totals(1.0, 1.0, 10.0)})
    assert await one.totals(None, None) == {"energie": Totals(4.0, 1.75, 160.0)}
    assert await one.totals("2026-12-07T10", None) == {"energie": Totals(1.0, 1.0, 10.0)}
    assert await one.totals(None, "2026-12-07T10") == {"energie": Totals(3.0, 0.75, 150.0)}
    await e1.dispose()
    await e2.dispose()


@pytest.mark.anyio
async def test_a_node_counts_what_answering_cost_and_reports_it(tmp_path: Path) -> None:
    config_path = write_node(tmp_path)
    app = create_app(load_config(config_path), verifier=TableVerifier(), clock=Clock())
    sizes = []
    async with serving(app) as url, httpx.AsyncClient() as client:
        for token in ("city", "city", None):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            r = await client.post(f"{url}/graphql", json={"query": BUILDING}, headers=headers)
            assert r.status_code == 200
            sizes.append(len(r.content))
        metrics = (await client.get(f"{url}/metrics")).text
    # the app has stopped: its totals were written at shutdown
    sent = {
        s.labels["dataset"]: s.value
        for f in text_string_to_metric_families(metrics)
        for s in f.samples
        if s.name == "guichet_footprint_bytes_sent_total"
    }
    # each request read the building register and energy uses: half its bytes to each
    assert sent == {
        "energie": pytest.approx(sum(sizes) / 2),
        "registre": pytest.approx(sum(sizes) / 2),
    }

    done = subprocess.run(
        [sys.executable, "-m", "connector.cli", "footprint", str(config_path), "--format", "csv"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = {r["dataset"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    assert set(rows) == {"energie", "registre"}
    f = Factors()
    for name in ("energie", "registre"):
        r = rows[name]
        assert float(r["requests"]) == pytest.approx(1.5)  # 3 requests, half each
        assert float(r["bytes_sent"]) == pytest.approx(sum(sizes) / 2, abs=1)
        cpu = float(r["cpu_seconds"])
        assert cpu > 0
        wh = f.energy_wh(cpu, float(r["bytes_sent"]))
        assert float(r["energy_wh"]) == pytest.approx(wh, rel=1e-3, abs=1e-6)
        assert float(r["g_co2e"]) == pytest.approx(wh / 1000 * 51.9, rel=1e-3, abs=1e-6)


def test_the_report_names_a_bad_date(tmp_path: Path) -> None:
    config_path = write_node(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "connector.cli", "footprint", str(config_path), "--since", "hier"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "--since" in done.stderr and "'hier'" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_hour_key_is_utc() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    paris = datetime(2026, 12, 7, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert hour_of(paris) == "2026-12-06T23"

"""Loopback load on a node and on the gateway: requests per second, p50 and p99 at
concurrency 1, 8 and 32, each run bounded in count and in time.

The demo data space runs as real processes on 127.0.0.1 with usage control on (the issuer,
the five nodes, Guichet's gateway over the three original nodes), plus a second process
group of cda's node, ``guichet node cda.toml --workers N`` on another port, sharing cda's
state database. The query is the cda registry page the issue names: 50 buildings with
``totalCount``, under cda's own token; every answer is checked (50 rows, no error).

The baseline is the same query on cda's node as one process, measured in the same run;
the goal (issue 14) is at least 3x the 24 req/s measured before, at concurrency 8.

    .venv/bin/python -m bench.load [--workers 2] [--count 400] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.federation.stack import Stack, free_port

PAGE = """{ buildings(first: 50) { totalCount
  nodes { rnbId name address usage yearBuilt floorArea } pageInfo { endCursor } } }"""
CONCURRENCY = (1, 8, 32)
BEFORE = 24.0
"""req/s of one cda node on this page at concurrency 8, as measured when issue 14 was
filed (its "Why")."""
GOAL = 3.0


@dataclass(frozen=True)
class Run:
    target: str
    concurrency: int
    done: int
    seconds: float
    latencies: tuple[float, ...]

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    def quantile(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))]


async def drive(
    client: httpx.AsyncClient, url: str, token: str, *, concurrency: int, count: int, seconds: float
) -> tuple[int, float, list[float]]:
    """``count`` requests (or fewer, when ``seconds`` run out) with ``concurrency`` in
    flight; every answer must be the full page."""
    left = count
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def one() -> None:
        nonlocal left
        while left > 0 and time.monotonic() < deadline:
            left -= 1
            t0 = time.perf_counter()
            r = await client.post(url, json={"query": PAGE}, headers=headers)
            latencies.append(time.perf_counter() - t0)
            body = r.json()
            if r.status_code != 200 or body.get("errors") or not body.get("data"):
                raise RuntimeError(f"{url}: unexpected answer {r.status_code} {r.text[:300]}")
            if len(body["data"]["buildings"]["nodes"]) != 50:
                raise RuntimeError(f"{url}: the page does not hold 50 buildings")

    t0 = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(concurrency)))
    return len(latencies), time.perf_counter() - t0, latencies


async def measure(targets: dict[str, str], token: str, *, count: int, seconds: float) -> list[Run]:
    runs = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        for url in targets.values():  # warm up: caches, connections, plans
            await drive(client, url, token, concurrency=8, count=40, seconds=seconds)
        for c in CONCURRENCY:
            for name, url in targets.items():
                done, took, lat = await drive(
                    client, url, token, concurrency=c, count=count, seconds=seconds
                )
                runs.append(Run(name, c, done, took, tuple(lat)))
                print(f"  {name:>18} c={c:<3} {done} requests in {took:.1f} s", flush=True)
    return runs


def report(runs: Sequence[Run], workers: int) -> int:
    print(f"\n{'target':>18} {'conc':>5} {'req/s':>8} {'p50':>10} {'p99':>10}")
    for r in runs:
        print(
            f"{r.target:>18} {r.concurrency:>5} {r.rate:8.1f} "
            f"{1000 * statistics.median(r.latencies):8.1f} ms {1000 * r.quantile(0.99):8.1f} ms"
        )
    at8 = {r.target: r.rate for r in runs if r.concurrency == 8}
    one = at8["node"]
    best = max(v for k, v in at8.items() if k.startswith("node"))
    print(
        f"\nc=8: node x{workers} / node x1 (side by side) = {at8[f'node x{workers}'] / one:.2f}x; "
        f"best node / the {BEFORE:g} req/s measured before = {best / BEFORE:.2f}x "
        f"(goal: at least {GOAL:g}x): {'MET' if best / BEFORE >= GOAL else 'MISSED'}"
    )
    print(f"c=8: gateway / node x1 = {at8['gateway'] / one:.2f}x")
    return 0


def run(workdir: Path, *, workers: int, count: int, seconds: float) -> int:
    stack = Stack(workdir=workdir)
    try:
        stack.start_nodes(workdir / "demo", enforce=True)
        gateway = stack.start_ours()
        if gateway is None:
            raise RuntimeError("Guichet's gateway does not start")
        assert stack.paths is not None
        port = free_port()
        config = stack.paths.configs["cda"]
        cmd = [sys.executable, "-m", "connector.cli", "node", str(config), "--port", str(port)]
        cmd += ["--workers", str(workers), "--log-level", "warning"]
        proc = stack._spawn("cda-workers", cmd)
        stack._wait_http("cda-workers", proc, f"http://127.0.0.1:{port}/health")
        token = stack.token("cda")
        targets = {
            "node": stack.urls["cda"],
            f"node x{workers}": f"http://127.0.0.1:{port}/graphql",
            "gateway": gateway,
        }
        print(
            f"cda registry page (50 buildings, totalCount), usage control on; "
            f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        runs = asyncio.run(measure(targets, token, count=count, seconds=seconds))
    finally:
        stack.close()
    return report(runs, workers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--workers", type=int, default=2, help="processes of the second cda")
    parser.add_argument("--count", type=int, default=400, help="requests per run at most")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per run at most")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="guichet-bench-load-") as tmp:
        return run(Path(tmp), workers=args.workers, count=args.count, seconds=args.seconds)


if __name__ == "__main__":
    sys.exit(main())

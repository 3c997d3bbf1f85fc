"""What usage control costs: the same node, the same query and the same signed token,
with enforcement and audit (the demo configuration as generated: every audit entry on
disk, fsynced, before its answer leaves), the same with ``[usage] audit_durability =
"process"`` (entries handed to SQLite: they survive the node's crash, not a power loss),
and with ``[usage] enforce = false``, timed side by side (interleaved). Prints p50
latencies, their ratios against enforcement off, the goal (issue 14: at most 1.15x on
the cda page) and the audit entries the enforced node writes per request; then the same
at concurrency 8 (p50 of each request's latency, 8 in flight at a time), where concurrent
requests' audit entries share commits.

Queries: a registry page of 50 buildings on cda (the agglomeration's own token) and an
``observationStats`` aggregate on atmo (Atmo's own token: the researchers' permit is
capped at 100 queries a day, which a benchmark would exhaust into cheap denials).
Tokens come from the data space's issuer running in-process; the nodes verify them
against its JWKS through ``httpx.ASGITransport`` — real ES256 signatures, no sockets.
Both nodes verify the token; only the ODRL decisions and the audit log differ.

    .venv/bin/python -m bench.usage [--repeat 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from bench._common import demo, ms, p50
from connector.app import create_app
from connector.audit import AuditLog
from connector.commands import long_lived
from connector.config import NodeConfig, load_config
from connector.demo.participants import register_all, token
from connector.identity import JwtVerifier, VerifierSettings
from issuer import IssuerSettings, create_issuer_app

REGISTRY_PAGE = """{ buildings(first: 50) {
  nodes { rnbId name address usage yearBuilt floorArea } pageInfo { endCursor } } }"""

CLASSROOM_STATS = """{ observationStats(field: VALUE, filter: {observedProperty: {eq: "co2"}},
  groupBy: [SPACE_ID], thresholds: [1000, 1700]) {
  group { spaceId } count mean max above { threshold share } } }"""


GOAL = 1.15
"""Issue 14: enforcement and audit at most 1.15x the same node without, on the cda page."""
CONCURRENCY = 8


def variants(
    config: NodeConfig, audit_dir: Path, *, durability: str = "disk"
) -> tuple[NodeConfig, NodeConfig]:
    """The node as generated (its audit log moved out of the demo folder, with
    ``durability``), and the same node with ``[usage] enforce = false``."""
    audit_db = f"sqlite+aiosqlite:///{audit_dir / f'{config.name}-{durability}-audit.db'}"
    usage = dataclasses.replace(config.usage, audit_db=audit_db, audit_durability=durability)
    on = dataclasses.replace(config, usage=usage)
    off = dataclasses.replace(config, usage=dataclasses.replace(config.usage, enforce=False))
    return on, off


def caller(
    client: httpx.AsyncClient, query: str, bearer: str, check: Callable[[dict[str, Any]], int]
) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def call() -> dict[str, Any]:
        r = await client.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {bearer}"}
        )
        body: dict[str, Any] = r.json()
        if r.status_code != 200 or body.get("errors") or not check(body["data"]):
            raise SystemExit(f"the node answered wrongly: {r.status_code} {str(body)[:400]}")
        return body

    return call


@dataclass
class Timings:
    """One variant's request latencies, and the process's CPU seconds while it ran."""

    latencies: list[float] = field(default_factory=list)
    cpu: float = 0.0

    @property
    def cpu_per_request(self) -> float:
        return self.cpu / len(self.latencies)


async def interleaved(
    calls: Sequence[Callable[[], Awaitable[object]]], *, repeat: int, concurrency: int
) -> list[Timings]:
    """Latencies of each call, ``concurrency`` in flight at a time, variants taking turns
    (one warm-up round first) so that machine noise hits them alike; and the CPU time the
    process (all its threads) spent on each variant's rounds, which other programs on the
    machine do not inflate."""
    out = [Timings() for _ in calls]

    async def one(fn: Callable[[], Awaitable[object]], acc: list[float]) -> None:
        t0 = time.perf_counter()
        await fn()
        acc.append(time.perf_counter() - t0)

    await asyncio.gather(*(fn() for fn in calls for _ in range(concurrency)))
    for _ in range(repeat):
        for fn, timings in zip(calls, out, strict=True):
            cpu = time.process_time()
            await asyncio.gather(*(one(fn, timings.latencies) for _ in range(concurrency)))
            timings.cpu += time.process_time() - cpu
    return out


def verdict(ratio: float) -> str:
    return f"goal at most {GOAL:.2f}x: {'MET' if ratio <= GOAL else 'MISSED'}"


async def compare(
    label: str,
    config: NodeConfig,
    verifier: JwtVerifier,
    bearer: str,
    query: str,
    check: Callable[[dict[str, Any]], int],
    *,
    audit_dir: Path,
    repeat: int,
    goal: bool,
) -> None:
    disk, off_config = variants(config, audit_dir)
    process, _ = variants(config, audit_dir, durability="process")
    names = ("enforcement + audit (disk)", "enforcement + audit (process)", "enforcement off")
    apps: list[Starlette] = long_lived(  # frozen as `guichet node` freezes its heap
        [create_app(c, verifier=verifier) for c in (disk, process, off_config)]
    )
    audit: AuditLog = apps[0].state.usage.audit
    base = config.base_iri
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)
            )
            for app in apps
        ]
        calls = [caller(c, query, bearer, check) for c in clients]
        answers = [await call() for call in calls]
        if any(a["data"] != answers[-1]["data"] for a in answers):
            raise SystemExit(f"{label}: the nodes disagree on the data")
        before = await audit.count()
        single = await interleaved(calls, repeat=repeat, concurrency=1)
        written = (await audit.count()) - before
        tables = [("one at a time", single)]
        if goal:  # the aggregate takes a second: eight at a time would take minutes
            crowd = await interleaved(calls, repeat=max(repeat // 3, 3), concurrency=CONCURRENCY)
            tables.append((f"{CONCURRENCY} in flight", crowd))
    for app in apps:
        await app.state.node.aclose()
    print(f"{label}  ({check(answers[0]['data'])} rows in the answer)")
    for title, times in tables:
        print(f"  {title}: p50 per request, and CPU per request")
        off = times[-1]
        for name, t in zip(names[:-1], times[:-1], strict=True):
            ratio = p50(t.latencies) / p50(off.latencies)
            goal_text = f"  {verdict(ratio)}" if goal else ""
            cpu = t.cpu_per_request / off.cpu_per_request
            print(
                f"    {name:32s}{ms(p50(t.latencies))}  {ratio:5.2f}x{goal_text}"
                f"   CPU {ms(t.cpu_per_request)} {cpu:5.2f}x"
            )
        print(f"    {names[-1]:32s}{ms(p50(off.latencies))}   CPU {ms(off.cpu_per_request)}")
    print(f"  audit entries per request: {written / (repeat + 1):g}\n")


async def main(repeat: int, *, cda_only: bool = False) -> None:
    paths = demo()
    cda, atmo = load_config(paths.cda_toml), load_config(paths.atmo_toml)
    if cda.auth is None:
        raise SystemExit(f"{paths.cda_toml} has no [auth] section")
    issuer_url = str(cda.auth.settings["issuer"])
    with tempfile.TemporaryDirectory(prefix="guichet-bench-usage-") as tmp:
        work = Path(tmp)
        settings = IssuerSettings(
            issuer=issuer_url,
            audiences=(cda.base_iri, atmo.base_iri),
            database_url=f"sqlite+aiosqlite:///{work / 'issuer.db'}",
            key_dir=work / "keys",
        )
        creds = await register_all(settings.database_url, work / "credentials.json")
        issuer_app = create_issuer_app(settings)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=issuer_app), base_url=issuer_url
        ) as to_issuer:

            def verifier(config: NodeConfig) -> JwtVerifier:
                return JwtVerifier(
                    VerifierSettings(issuer=issuer_url, audience=config.base_iri),
                    client=to_issuer,
                )

            cda_token = await token(to_issuer, issuer_url, creds["cda"], audience=cda.base_iri)
            atmo_token = await token(to_issuer, issuer_url, creds["atmo"], audience=atmo.base_iri)
            print(f"p50 of {repeat} calls each, interleaved; ES256 tokens from {issuer_url}\n")
            await compare(
                "cda: registry page of 50 buildings",
                cda,
                verifier(cda),
                cda_token,
                REGISTRY_PAGE,
                lambda d: len(d["buildings"]["nodes"]),
                audit_dir=work,
                repeat=repeat,
                goal=True,
            )
            if not cda_only:
                await compare(
                    "atmo: observationStats, CO2 per classroom over the school year",
                    atmo,
                    verifier(atmo),
                    atmo_token,
                    CLASSROOM_STATS,
                    lambda d: len(d["observationStats"]),
                    audit_dir=work,
                    repeat=repeat,
                    goal=False,
                )
        await issuer_app.state.registry.aclose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(
        prog="python -m bench.usage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--repeat", type=int, default=30, help="runs per query (%(default)s)")
    ap.add_argument("--cda-only", action="store_true", help="skip the atmo aggregate")
    args = ap.parse_args()
    asyncio.run(main(args.repeat, cda_only=args.cda_only))

"""What usage control costs: the same node, the same query and the same signed token,
with enforcement and audit (the demo configuration as generated) and with
``[usage] enforce = false``, timed side by side (interleaved). Prints p50 latencies,
their ratio, and the audit entries the enforced node writes per request.

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
import dataclasses
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from bench._common import demo, ms, p50, side_by_side
from connector.app import create_app
from connector.audit import AuditLog
from connector.config import NodeConfig, load_config
from connector.demo.participants import register_all, token
from connector.identity import JwtVerifier, VerifierSettings
from issuer import IssuerSettings, create_issuer_app

REGISTRY_PAGE = """{ buildings(first: 50) {
  nodes { rnbId name address usage yearBuilt floorArea } pageInfo { endCursor } } }"""

CLASSROOM_STATS = """{ observationStats(field: VALUE, filter: {observedProperty: {eq: "co2"}},
  groupBy: [SPACE_ID], thresholds: [1000, 1700]) {
  group { spaceId } count mean max above { threshold share } } }"""


def variants(config: NodeConfig, audit_dir: Path) -> tuple[NodeConfig, NodeConfig]:
    """The node as generated (its audit log moved out of the demo folder), and the same
    node with ``[usage] enforce = false``."""
    audit_db = f"sqlite+aiosqlite:///{audit_dir / f'{config.name}-audit.db'}"
    on = dataclasses.replace(config, usage=dataclasses.replace(config.usage, audit_db=audit_db))
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
) -> None:
    on_config, off_config = variants(config, audit_dir)
    apps: list[Starlette] = [
        create_app(on_config, verifier=verifier),
        create_app(off_config, verifier=verifier),
    ]
    audit: AuditLog = apps[0].state.usage.audit
    base = config.base_iri
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url=base) as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url=base) as b,
    ):
        on, off = caller(a, query, bearer, check), caller(b, query, bearer, check)
        answer = await on()
        if answer["data"] != (await off())["data"]:
            raise SystemExit(f"{label}: the two nodes disagree on the data")
        before = await audit.count()
        t_on, t_off = await side_by_side(on, off, repeat=repeat)
        written = (await audit.count()) - before
        calls = repeat + 1  # side_by_side warms up once
    for app in apps:
        await app.state.node.aclose()
    await audit.aclose()
    print(f"{label}  ({check(answer['data'])} rows in the answer)")
    print(f"  enforcement + audit   {ms(p50(t_on))}")
    print(f"  enforcement off       {ms(p50(t_off))}")
    print(f"  ratio on / off        {p50(t_on) / p50(t_off):8.2f}")
    print(f"  audit entries per request: {written / calls:g}\n")


async def main(repeat: int) -> None:
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
            )
            await compare(
                "atmo: observationStats, CO2 per classroom over the school year",
                atmo,
                verifier(atmo),
                atmo_token,
                CLASSROOM_STATS,
                lambda d: len(d["observationStats"]),
                audit_dir=work,
                repeat=repeat,
            )
        await issuer_app.state.registry.aclose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(
        prog="python -m bench.usage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--repeat", type=int, default=30, help="runs per query (%(default)s)")
    asyncio.run(main(ap.parse_args().repeat))

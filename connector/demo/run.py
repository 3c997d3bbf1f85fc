"""``guichet demo``: the La Rochelle data space on loopback, with a showcase query per node.

The three partner nodes run in one process (one uvicorn server each, real HTTP on
127.0.0.1); the showcase talks to them over HTTP like any client would.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from connector.app import create_app
from connector.config import NodeConfig, load_config
from connector.demo.generate import DEFAULT_PORTS, NODES, generate
from connector.errors import GuichetError

SCHOOL_QUERY = """
query School {
  buildings(filter: {usage: {eq: "school"}, name: {eq: "École Saint-Christophe"}}) {
    nodes { rnbId uai name address yearBuilt floorArea
            energyUses(filter: {year: {eq: 2024}}) { carrier use kwh } }
  }
}"""

CLASSROOM_QUERY = """
query Classrooms {
  observationStats(field: VALUE, filter: {observedProperty: {eq: "co2"}},
                   groupBy: [SPACE_ID], thresholds: [1000, 1700]) {
    group { spaceId } count mean max above { threshold share }
  }
}"""

BILL_QUERY = """
query Bill($rnb: RnbId!) {
  materialLineStats(field: QUANTITY, filter: {rnbId: {eq: $rnb}}, groupBy: [LOT]) {
    group { lot } count sum
  }
  materialLines(first: 5, filter: {rnbId: {eq: $rnb}}, orderBy: [{field: LOT}]) {
    nodes { lot description quantity unit productId }
    totalCount
  }
}"""


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


async def _post(
    client: httpx.AsyncClient, url: str, query: str, variables: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    r = await client.post(url, json={"query": query, "variables": dict(variables or {})})
    body: dict[str, Any] = r.json()
    if body.get("errors"):
        raise GuichetError(f"{url}: {body['errors'][0]['message']}")
    data: dict[str, Any] = body["data"]
    return data


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    return "\n".join("    " + x for x in out)


async def showcase(urls: Mapping[str, str]) -> str:
    """Query each node over HTTP and render the answers as readable text."""
    out: list[str] = []
    async with httpx.AsyncClient(timeout=60) as client:
        school = (await _post(client, urls["cda"], SCHOOL_QUERY))["buildings"]["nodes"]
        if not school:
            raise GuichetError("the demo register holds no École Saint-Christophe")
        b = school[0]
        out.append(f"cda — {b['name']} (RNB {b['rnbId']}, UAI {b['uai']})")
        out.append(f"    {b['address']}, built {b['yearBuilt']}, {b['floorArea']:,.0f} m²")
        rows = [[e["carrier"], e["use"], f"{e['kwh']:,.0f}"] for e in b["energyUses"]]
        out.append(_table(rows, ["carrier", "use", "kWh 2024"]))

        stats = (await _post(client, urls["atmo"], CLASSROOM_QUERY))["observationStats"]
        out.append("\natmo — CO2 in the classrooms over the school year (all hours)")
        rows = [
            [
                s["group"]["spaceId"],
                f"{s['count']:,}",
                f"{s['mean']:.0f}",
                f"{s['max']:.0f}",
                f"{100 * s['above'][0]['share']:.1f} %",
                f"{100 * s['above'][1]['share']:.1f} %",
            ]
            for s in stats
        ]
        out.append(_table(rows, ["space", "readings", "mean ppm", "max ppm", "> 1000", "> 1700"]))

        bill = await _post(client, urls["bouygues"], BILL_QUERY, {"rnb": b["rnbId"]})
        out.append(
            f"\nbouygues — bill of quantities for {b['name']} "
            f"({bill['materialLines']['totalCount']} lines)"
        )
        rows = [[str(s["group"]["lot"]), str(s["count"])] for s in bill["materialLineStats"]]
        out.append(_table(rows, ["RE2020 lot", "lines"]))
        rows = [
            [str(m["lot"]), m["description"], f"{m['quantity']:g}", m["unit"] or "", m["productId"]]
            for m in bill["materialLines"]["nodes"]
        ]
        out.append(_table(rows, ["lot", "line", "quantity", "unit", "product"]))
    return "\n".join(out)


async def _serve(configs: Mapping[str, NodeConfig], *, once: bool) -> int:
    servers = {}
    for name, config in configs.items():
        if not _port_free(config.host, config.port):
            print(
                f"error: port {config.port} on {config.host} is in use; stop what uses it "
                f"or pass --port-base",
                file=sys.stderr,
            )
            return 1
        servers[name] = uvicorn.Server(
            uvicorn.Config(
                create_app(config),
                host=config.host,
                port=config.port,
                log_level="warning",
                lifespan="on",
            )
        )
    tasks = [asyncio.create_task(s.serve()) for s in servers.values()]
    deadline = time.monotonic() + 30
    while not all(s.started for s in servers.values()):
        if time.monotonic() > deadline or any(t.done() for t in tasks):
            print("error: a demo node failed to start", file=sys.stderr)
            return 1
        await asyncio.sleep(0.05)
    urls = {n: f"{c.base_iri}/graphql" for n, c in configs.items()}
    print("Guichet demo data space — three partner nodes on loopback:")
    for name, config in configs.items():
        print(f"  {name:<9} {config.title}")
        print(
            f"            GraphQL {config.base_iri}/graphql   catalog {config.base_iri}/catalog"
            f"   health {config.base_iri}/health"
        )
    print()
    code = 0
    try:
        print(await showcase(urls))
    except (GuichetError, httpx.HTTPError, KeyError) as exc:
        print(f"error: showcase failed: {exc}", file=sys.stderr)
        code = 1
    if not once and code == 0:
        print("\nServing; press Ctrl-C to stop.")
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks)
    for s in servers.values():
        s.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    return code


def run_demo(target: Path, *, once: bool, seed: int = 17, port_base: int | None = None) -> int:
    """Generate the demo data (once), start the three nodes and run the showcase."""
    ports = (
        {n: port_base + i for i, n in enumerate(NODES)}
        if port_base is not None
        else dict(DEFAULT_PORTS)
    )
    started = time.monotonic()
    print(f"Preparing the demo data in {target} (seed {seed}) ...", flush=True)
    paths = generate(target, seed=seed, ports=ports)
    print(f"  ready in {time.monotonic() - started:.1f} s\n", flush=True)
    configs = {
        "cda": load_config(paths.cda_toml),
        "atmo": load_config(paths.atmo_toml),
        "bouygues": load_config(paths.bouygues_toml),
    }
    try:
        return asyncio.run(_serve(configs, once=once))
    except KeyboardInterrupt:
        return 0

"""``guichet demo``: the La Rochelle data space on loopback, with a showcase.

The issuer and the three partner nodes run in one process (one uvicorn server each, real
HTTP on 127.0.0.1); the demo participants are registered with the issuer, and the
showcase gets tokens from it and queries the nodes over HTTP like any client would: a
permitted query, an aggregated one and a denied one, each with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
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
from connector.demo.generate import DEFAULT_PORTS, NODES, DemoPaths, generate
from connector.demo.participants import (
    CONSOLE_CLIENT,
    DPV,
    GUI,
    register_all,
    register_console,
    token,
)
from connector.errors import GuichetError
from issuer import IssuerSettings, create_issuer_app

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
  materialLines(first: 8, filter: {rnbId: {eq: $rnb}}, orderBy: [{field: LOT}]) {
    nodes { lot description quantity unit productId }
    totalCount
  }
}"""


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    return "\n".join("    " + x for x in out)


ICONE_QUERY = """
query Icone($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Building {
      indoorAir(from: "2025-09-01T00:00:00+02:00", to: "2026-07-04T00:00:00+02:00") {
        spaceId icone f1 f2 shareAbove1500 occupiedReadings wasDerivedFrom { title publisher }
      }
    }
  }
}"""

DENIED_QUERY = """
query RawReadings {
  observations(first: 3, filter: {observedProperty: {eq: "co2"}}) { nodes { resultTime value } }
}"""


async def _post(
    client: httpx.AsyncClient,
    url: str,
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = await client.post(
        url, json={"query": query, "variables": dict(variables or {})}, headers=headers
    )
    body: dict[str, Any] = r.json()
    return body


def _data(body: dict[str, Any], url: str) -> dict[str, Any]:
    if body.get("errors"):
        raise GuichetError(f"{url}: {body['errors'][0]['message']}")
    data: dict[str, Any] = body["data"]
    return data


def _terms(body: dict[str, Any]) -> str:
    out = []
    for u in body.get("extensions", {}).get("usage", []):
        credit = ", ".join(a.rsplit("/", 1)[-1] for a in u["attribution"]) or "-"
        out.append(
            f"    permitted by {u['rule']}\n"
            f"    duties: {', '.join(u['duties']) or '-'}; credit: {credit}"
        )
    return "\n".join(out)


async def showcase(
    urls: Mapping[str, str], issuer: str, creds: Mapping[str, dict[str, str]]
) -> str:
    """Query each node over HTTP with tokens from the issuer and render the answers."""
    out: list[str] = []
    base = {n: u.rsplit("/graphql", 1)[0] for n, u in urls.items()}
    async with httpx.AsyncClient(timeout=60) as client:
        cda = await token(client, issuer, creds["cda"], audience=base["cda"])
        body = await _post(client, urls["cda"], SCHOOL_QUERY, token=cda)
        school = _data(body, urls["cda"])["buildings"]["nodes"]
        if not school:
            raise GuichetError("the demo register holds no École Saint-Christophe")
        b = school[0]
        out.append("1. PERMITTED — the agglomeration reads its register and energy data (cda)")
        out.append(
            f"    {b['name']} (RNB {b['rnbId']}, UAI {b['uai']}), {b['address']}, "
            f"built {b['yearBuilt']}, {b['floorArea']:,.0f} m²"
        )
        rows = [[e["carrier"], e["use"], f"{e['kwh']:,.0f}"] for e in b["energyUses"]]
        out += [_table(rows, ["carrier", "use", "kWh 2024"]), _terms(body)]

        univ = await token(
            client,
            issuer,
            creds["univ-lr"],
            audience=base["atmo"],
            purpose=DPV + "AcademicResearch",
        )
        body = await _post(client, urls["atmo"], CLASSROOM_QUERY, token=univ)
        stats = _data(body, urls["atmo"])["observationStats"]
        out.append(
            "\n2. AGGREGATED — the university's researchers get CO2 aggregates over the "
            "school year, for academic research (atmo)"
        )
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
        out += [
            _table(rows, ["space", "readings", "mean ppm", "max ppm", "> 1000", "> 1700"]),
            _terms(body),
        ]

        body = await _post(client, urls["atmo"], DENIED_QUERY, token=univ)
        out.append("\n3. DENIED — the same researchers ask for the raw readings (atmo)")
        for e in body.get("errors", []):
            ext = e.get("extensions", {})
            out += [
                f"    {ext.get('code')}: dataset {ext.get('dataset')}",
                f"    policy {ext.get('policy')}",
                f"    reason: {ext.get('reason')}",
            ]
        out.append(f"    data: {json.dumps(body.get('data'))}")

        body = await _post(
            client,
            urls["atmo"],
            ICONE_QUERY,
            {"r": [{"__typename": "Building", "rnbId": b["rnbId"]}]},
        )
        reports = _data(body, urls["atmo"])["_entities"][0]["indoorAir"]
        out.append(
            "\n4. DERIVED — anyone gets the ICONE confinement index per classroom, on "
            "occupied times of the school year (atmo, no token)"
        )
        rows = [
            [
                r["spaceId"],
                str(r["icone"]),
                f"{r['f1']:.3f}",
                f"{r['f2']:.3f}",
                f"{100 * r['shareAbove1500']:.1f} %",
                f"{r['occupiedReadings']:,}",
            ]
            for r in reports
        ]
        out += [
            _table(rows, ["space", "ICONE", "f1", "f2", "> 1500", "occupied readings"]),
            _terms(body),
        ]

        carbon = await token(
            client,
            issuer,
            creds["cda"],
            audience=base["bouygues"],
            purpose=GUI + "CarbonAccounting",
        )
        body = await _post(client, urls["bouygues"], BILL_QUERY, {"rnb": b["rnbId"]}, token=carbon)
        bill = _data(body, urls["bouygues"])
        out.append(
            "\n5. PERMITTED FOR A PURPOSE — the agglomeration reads the bill of quantities "
            f"for carbon accounting (bouygues, {bill['materialLines']['totalCount']} "
            "lines)"
        )
        rows = [
            [str(m["lot"]), m["description"], f"{m['quantity']:g}", m["unit"] or "", m["productId"]]
            for m in bill["materialLines"]["nodes"]
        ]
        out += [_table(rows, ["lot", "line", "quantity", "unit", "product"]), _terms(body)]
    return "\n".join(out)


def _server(app: Any, host: str, port: int) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    )


FEDERATED_QUERY = """
query School($name: String!) {
  buildings(filter: {name: {eq: $name}}) {
    nodes {
      rnbId name address floorArea
      carbon(permitYear: 2026) {
        icConstruction verdict verdictReason byLot { lot kgCo2ePerM2 }
        operationalYear operationalKgCo2ePerYear operationalKgCo2ePerM2
        wasDerivedFrom { iri }
      }
      indoorAir(from: "2025-09-01T00:00:00+02:00", to: "2026-07-04T00:00:00+02:00") {
        spaceId icone shareAbove1500 occupiedReadings
      }
    }
  }
}"""


async def federated(
    gateway: str, issuer: str, creds: Mapping[str, dict[str, str]], audiences: list[str]
) -> str:
    """One query to the gateway: the school's register entry, carbon (computed on the
    agglomeration's node from the construction company's bill) and classrooms' ICONE."""
    async with httpx.AsyncClient(timeout=120) as client:
        cda = await token(
            client, issuer, creds["cda"], audience=audiences, purpose=GUI + "CarbonAccounting"
        )
        body = await _post(
            client, gateway, FEDERATED_QUERY, {"name": "École Saint-Christophe"}, token=cda
        )
    b = _data(body, gateway)["buildings"]["nodes"][0]
    c = b["carbon"]
    ic = c["icConstruction"]
    out = [
        f"6. FEDERATED — one query to the gateway, answered by the three nodes ({gateway})",
        f"    {b['name']} — {b['address']} — {b['floorArea']:,.0f} m²",
        "    embodied carbon (RE2020, 50 years): Ic_construction "
        + (f"{ic:.1f} kg CO2e/m²" if ic is not None else "not computed")
        + f" — {c['verdict']}: {c['verdictReason']}",
    ]
    rows = [[str(x["lot"]), f"{x['kgCo2ePerM2']:.1f}"] for x in c["byLot"]]
    out.append(_table(rows, ["RE2020 lot", "kg CO2e/m²"]))
    out.append(
        f"    operational carbon {c['operationalYear']}: "
        f"{c['operationalKgCo2ePerYear'] / 1000:.2f} t CO2e a year "
        f"({c['operationalKgCo2ePerM2']:.1f} kg/m²)"
    )
    out.append("    derived from: " + ", ".join(d["iri"] for d in c["wasDerivedFrom"]))
    rows = [
        [r["spaceId"], str(r["icone"]), f"{100 * r['shareAbove1500']:.1f} %"]
        for r in b["indoorAir"]
    ]
    out.append(_table(rows, ["classroom", "ICONE", "occupied time > 1500 ppm"]))
    return "\n".join(out)


async def _serve(
    paths: DemoPaths,
    issuer_port: int,
    configs: Mapping[str, NodeConfig],
    *,
    once: bool,
    gateway_port: int | None = None,
) -> int:
    issuer = f"http://127.0.0.1:{issuer_port}"
    settings = IssuerSettings(
        issuer=issuer,
        audiences=tuple(c.base_iri for c in configs.values()),
        database_url=f"sqlite+aiosqlite:///{paths.target_dir / 'issuer.db'}",
        key_dir=paths.target_dir / "issuer-keys",
    )
    wanted = [("127.0.0.1", issuer_port), *((c.host, c.port) for c in configs.values())]
    if gateway_port is not None:
        wanted.append(("127.0.0.1", gateway_port))
    for host, port in wanted:
        if not _port_free(host, port):
            print(
                f"error: port {port} on {host} is in use; stop what uses it or pass --port-base",
                file=sys.stderr,
            )
            return 1
    creds_file = paths.target_dir / "credentials.json"
    creds = await register_all(settings.database_url, creds_file)
    consoles = [f"{c.base_iri}/console" for c in configs.values() if c.console is not None]
    if gateway_port is not None:
        consoles.insert(0, f"http://127.0.0.1:{gateway_port}/console")
    accounts = await register_console(
        settings.database_url, creds_file, [f"{u}/callback" for u in consoles]
    )
    servers = [_server(create_issuer_app(settings), "127.0.0.1", issuer_port)]
    servers += [_server(create_app(c), c.host, c.port) for c in configs.values()]
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    deadline = time.monotonic() + 30
    while not all(s.started for s in servers):
        if time.monotonic() > deadline or any(t.done() for t in tasks):
            print("error: a demo server failed to start", file=sys.stderr)
            return 1
        await asyncio.sleep(0.05)
    urls = {n: f"{c.base_iri}/graphql" for n, c in configs.items()}
    gateway = None
    if gateway_port is not None:
        from connector.gateway import create_gateway_app

        app = create_gateway_app(urls, console_issuer=issuer, console_client_id=CONSOLE_CLIENT)
        gw = _server(app, "127.0.0.1", gateway_port)
        servers.append(gw)
        tasks.append(asyncio.create_task(gw.serve()))
        while not gw.started:
            if tasks[-1].done():
                print("error: the demo gateway failed to start", file=sys.stderr)
                return 1
            await asyncio.sleep(0.05)
        gateway = f"http://127.0.0.1:{gateway_port}/graphql"
    print("Guichet demo data space on loopback:")
    print(
        f"  {'issuer':<9} OAuth 2.0 issuer {issuer}  (metadata "
        f"{issuer}/.well-known/oauth-authorization-server)"
    )
    for name, config in configs.items():
        print(f"  {name:<9} {config.title}")
        print(
            f"            GraphQL {config.base_iri}/graphql   catalog {config.base_iri}/catalog"
            f"   health {config.base_iri}/health"
        )
    if gateway:
        print(f"  {'gateway':<9} federation gateway {gateway}")
    print(f"  participants' demo credentials: {creds_file}")
    if consoles:
        dpd = accounts["dpd"]["password"]
        agent = accounts["agent"]["password"]
        print(f"  DPD console: {consoles[0]}/ — account dpd, password {dpd}")
        if len(consoles) > 1:
            print(f"    (each node's own: {', '.join(u + '/' for u in consoles[1:])})")
        print(f"    an account without the DPD role: agent, password {agent}")
    print()
    code = 0
    try:
        print(await showcase(urls, issuer, creds))
        if gateway:
            audiences = [c.base_iri for c in configs.values()]
            print("\n" + await federated(gateway, issuer, creds, audiences))
    except (GuichetError, httpx.HTTPError, KeyError) as exc:
        print(f"error: showcase failed: {exc}", file=sys.stderr)
        code = 1
    if not once and code == 0:
        print("\nServing; press Ctrl-C to stop.")
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks)
    for s in servers:
        s.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
    return code


def run_demo(target: Path, *, once: bool, seed: int = 17, port_base: int | None = None) -> int:
    """Generate the demo data (once), start the issuer, the three nodes and the gateway, and
    run the showcase.

    ``port_base``: the issuer's port; the nodes take the next three, the gateway the fifth."""
    names = ("issuer", *NODES, "gateway")
    ports = (
        {n: port_base + i for i, n in enumerate(names)}
        if port_base is not None
        else {**DEFAULT_PORTS, "gateway": 8104}
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
        return asyncio.run(
            _serve(paths, ports["issuer"], configs, once=once, gateway_port=ports["gateway"])
        )
    except KeyboardInterrupt:
        return 0

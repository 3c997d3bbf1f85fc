"""Partitioned Building across the agglomeration's communes: N commune nodes (N = 3, 10
and 28, one per commune of La Rochelle's agglomeration, ``policies/data/communes.csv``), each
a real ``guichet node`` process over its own SQLite database of synthetic buildings and
their yearly energy use (seeded, so every run has the same rows), each declaring its
commune as its partition of Building, behind our gateway (a real ``guichet gateway``).

For each N it prints, side by side (alternated) with the best single-node case (one node
holding all the buildings of the N communes, behind the same gateway):

* p50 and p90 of a fan-out page of 50 buildings ordered by name, and of the next page
  (through the composite cursor);
* p50 of a look-up of 100 buildings, one per room of a rooms node (``spaces { building }``
  references spread over every partition: the gateway's ``_entities`` path for keys that
  name no partition);
* the subgraph requests per query, counted by a reverse proxy in front of each node (on a
  second gateway, so that the proxies cost the timed one nothing), against the rules: a
  fan-out asks each holder at most once (at most N requests), a filter on one commune asks
  its holder only, a look-up asks each holder at most once;
* the CPU one page costs the gateway and the holders (``/proc/PID/stat``): on one machine
  the holders share its cores, so the fan-out's wall-clock follows the sum of their work;
* the gateway's resident memory (``VmRSS``) after the runs;

and the ratio of the N=28 fan-out p50 to the N=3 one against the goal "within 3x".

    .venv/bin/python -m bench.partners [--sizes 3,10,28] [--repeat 30] [--per-commune 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from bench._common import side_by_side
from bench._communes import (
    SEED,
    buildings,
    communes,
    spread,
    write_node,
    write_rooms,
)
from bench._partners_report import Row, Setup, judge, report
from bench._processes import Processes
from bench.federation import serve_proxies

MAX_N = 28  # the agglomeration's communes

PAGE = """
query Page($after: String) {
  buildings(first: 50, after: $after, orderBy: [{field: NAME}]) {
    nodes { rnbId name inseeCode floorArea }
    pageInfo { endCursor hasNextPage }
    totalCount
  }
}"""

ONE_COMMUNE = """
query OneCommune($insee: String!) {
  buildings(first: 50, filter: {inseeCode: {eq: $insee}}, orderBy: [{field: NAME}]) {
    nodes { rnbId } totalCount
  }
}"""

LOOKUP = """
query Lookup($ids: [ID!]) {
  spaces(first: 100, filter: {id: {in: $ids}}, orderBy: [{field: ID}]) {
    nodes { id building { rnbId name inseeCode floorArea } }
  }
}"""


# --- measuring --------------------------------------------------------------------------


def asker(
    client: httpx.AsyncClient, url: str, query: str, variables: Mapping[str, Any]
) -> Callable[[], Awaitable[dict[str, Any]]]:
    payload = {"query": query, "variables": dict(variables)}

    async def ask() -> dict[str, Any]:
        r = await client.post(f"{url}/graphql", json=payload)
        body: dict[str, Any] = r.json()
        if r.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{url}: HTTP {r.status_code}: {r.text[:400]}")
        return body

    return ask


async def measure(
    procs: Processes,
    client: httpx.AsyncClient,
    setup: Setup,
    urls: Mapping[str, str],
    *,
    repeat: int,
) -> Row:
    """Time and count one N; ``urls`` holds every node's base URL by name."""
    n = len(setup.communes)
    holders = {c.node: f"{urls[c.node]}/graphql" for c in setup.communes}
    rooms = {"salles": f"{urls[f'salles{n}']}/graphql"}
    base = {"base": f"{urls[f'base{n}']}/graphql"}
    gw, gw_base = f"gw{n}", f"gw-base{n}"
    started = {
        gw: procs.gateway(gw, {**holders, **rooms}),
        gw_base: procs.gateway(gw_base, {**base, **rooms}),
    }
    await procs.ready(started)
    row = Row(n=n, repeat=repeat)
    fan, one = started[gw], started[gw_base]
    first = await asker(client, fan, PAGE, {})()
    first_base = await asker(client, one, PAGE, {})()
    check_same(row, "page 1", first, first_base)
    after = first["data"]["buildings"]["pageInfo"]["endCursor"]
    after_base = first_base["data"]["buildings"]["pageInfo"]["endCursor"]
    cases = {
        "page 1": (asker(client, fan, PAGE, {}), asker(client, one, PAGE, {})),
        "page 2": (
            asker(client, fan, PAGE, {"after": after}),
            asker(client, one, PAGE, {"after": after_base}),
        ),
        "lookup 100": (
            asker(client, fan, LOOKUP, {"ids": setup.rooms}),
            asker(client, one, LOOKUP, {"ids": setup.rooms}),
        ),
    }
    check_same(row, "page 2", await cases["page 2"][0](), await cases["page 2"][1]())
    looked = await cases["lookup 100"][0]()
    check_same(row, "lookup 100", looked, await cases["lookup 100"][1]())
    found = [s["building"] for s in looked["data"]["spaces"]["nodes"]]
    if len(found) != len(setup.rooms) or None in found:
        row.problems.append(f"lookup 100: {sum(b is not None for b in found)} buildings found")
    groups = {
        "gateway": [gw],
        "holders": list(holders),
        "1-node gateway": [gw_base],
        "1 node": [f"base{n}"],
    }
    for label, (a, b) in cases.items():
        cpu = {g: procs.cpu_seconds(*names) for g, names in groups.items()}
        row.times[label] = await side_by_side(a, b, repeat=repeat)
        if label == "page 1":
            calls = repeat + 1  # side_by_side warms up once
            row.cpu = {g: (procs.cpu_seconds(*ns) - cpu[g]) / calls for g, ns in groups.items()}
    row.rss = {"gateway": procs.rss_kib(gw), "baseline gateway": procs.rss_kib(gw_base)}
    procs.stop(gw_base)
    await count(procs, client, setup, holders, rooms, row, after)
    procs.stop(gw)
    return row


def check_same(row: Row, label: str, fan: dict[str, Any], base: dict[str, Any]) -> None:
    """The fan-out must answer what the single node answers (cursors aside)."""

    def strip(body: dict[str, Any]) -> Any:
        data = dict(body["data"])
        if "buildings" in data:
            page = dict(data["buildings"])
            page["pageInfo"] = {"hasNextPage": page["pageInfo"]["hasNextPage"]}
            data["buildings"] = page
        return data

    if strip(fan) != strip(base):
        row.problems.append(f"{label}: the fan-out's answer differs from the single node's")


async def count(
    procs: Processes,
    client: httpx.AsyncClient,
    setup: Setup,
    holders: Mapping[str, str],
    rooms: Mapping[str, str],
    row: Row,
    after: str,
) -> None:
    """Requests per node for each query, on a gateway whose subgraph URLs are the proxies."""
    n = len(setup.communes)
    proxies, fronts, servers, tasks = await serve_proxies({**holders, **rooms}, client)
    try:
        name = f"gw-counted{n}"
        url = procs.gateway(name, fronts)
        await procs.ready({name: url})
        # after the first page, on this gateway: its own cursor
        first = await asker(client, url, PAGE, {})()
        queries = {
            "page 1": (PAGE, {}),
            "page 2": (PAGE, {"after": first["data"]["buildings"]["pageInfo"]["endCursor"]}),
            "one commune": (ONE_COMMUNE, {"insee": setup.communes[0].code}),
            "lookup 100": (LOOKUP, {"ids": setup.rooms}),
            "lookup 1 commune": (LOOKUP, {"ids": setup.one_commune_rooms}),
        }
        for label, (query, variables) in queries.items():
            for p in proxies.values():
                p.count = 0
            await asker(client, url, query, variables)()
            row.counts[label] = {k: p.count for k, p in proxies.items() if p.count}
        procs.stop(name)
    finally:
        for s in servers:
            s.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
    judge(row, setup)


def data_space(
    workdir: Path, *, sizes: Sequence[int], per_commune: int
) -> tuple[dict[str, Path], dict[int, Setup]]:
    """The node configs (commune nodes for the largest N; per N, the single node holding
    the N communes' buildings and a rooms node referencing 100 of them) and each N's setup."""
    every = communes()
    if len(every) != MAX_N:
        raise RuntimeError(
            f"policies/data/communes.csv: {len(every)} communes of the agglomeration, expected 28"
        )
    chosen = every[: max(sizes)]
    rows = {c.code: buildings(c, per_commune) for c in chosen}
    configs = {
        c.node: write_node(workdir, c.node, c.label, rows[c.code], commune=c.code) for c in chosen
    }
    setups = {}
    for n in sizes:
        part = chosen[:n]
        held = [r for c in part for r in rows[c.code]]
        configs[f"base{n}"] = write_node(workdir, f"base{n}", f"{n} communes", held, commune=None)
        refs = spread([rows[c.code] for c in part], 100)
        configs[f"salles{n}"] = write_rooms(workdir, f"salles{n}", refs)
        ids = [f"{rnb}/0/S{i:03d}" for i, rnb in enumerate(refs)]
        first = {r[0] for r in rows[part[0].code]}
        one = [i for i, rnb in zip(ids, refs, strict=True) if rnb in first][:5]
        setups[n] = Setup(part, {c.code: rows[c.code] for c in part}, refs, ids, one)
    return configs, setups


async def run(
    workdir: Path, procs: Processes, *, sizes: Sequence[int], repeat: int, per_commune: int
) -> list[Row]:
    configs, setups = data_space(workdir, sizes=sizes, per_commune=per_commune)
    t0 = time.monotonic()
    urls = {name: procs.node(name, config) for name, config in configs.items()}
    await procs.ready(urls)
    print(
        f"Partitioned Building: {per_commune} synthetic buildings per commune (seed {SEED}), "
        f"{len(urls)} node processes up in {time.monotonic() - t0:.0f} s; usage control off; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )
    out = []
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=200)) as client:
        for n in sizes:
            t0 = time.monotonic()
            out.append(await measure(procs, client, setups[n], urls, repeat=repeat))
            took = time.monotonic() - t0
            print(f"  N={n}: {repeat} runs per query, measured in {took:.0f} s", flush=True)
    return out


def bench(
    workdir: Path, *, sizes: Sequence[int], repeat: int, per_commune: int
) -> tuple[int, list[Row]]:
    """Run and print the benchmark in ``workdir``; the exit status (1 when a request rule
    or an answer fails) and the rows. Every process started is stopped, whatever happens."""
    procs = Processes(workdir)
    try:
        rows = asyncio.run(run(workdir, procs, sizes=sizes, repeat=repeat, per_commune=per_commune))
    finally:
        procs.close()
    return report(rows), rows


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.partners",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="3,10,28", help="numbers of commune nodes (at most 28)")
    parser.add_argument("--repeat", type=int, default=30, help="runs per query")
    parser.add_argument("--per-commune", type=int, default=300, help="buildings per commune")
    parser.add_argument("--dir", help="work folder (default: a temporary one)")
    args = parser.parse_args(argv)
    sizes = sorted(int(x) for x in args.sizes.split(","))
    if not sizes or sizes[0] < 1 or sizes[-1] > MAX_N:
        parser.error("--sizes: between 1 and 28 commune nodes")
    signal.signal(signal.SIGTERM, _terminate)
    with tempfile.TemporaryDirectory(prefix="guichet-bench-partners-") as tmp:
        workdir = Path(args.dir).resolve() if args.dir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            status, _ = bench(
                workdir, sizes=sizes, repeat=args.repeat, per_commune=args.per_commune
            )
        except KeyboardInterrupt:
            print("interrupted: every process stopped", file=sys.stderr)
            return 130
        return status


if __name__ == "__main__":
    sys.exit(main())

"""Guichet's gateway against Apollo Gateway over the same three demo nodes (real processes on
127.0.0.1, usage control off): p50 latency of the same federated queries, run side by side
(alternating), with the ratio; and the number of requests each node receives per query for
N = 10, 100 and 1,000 buildings, counted by a small reverse proxy in front of each node,
which must not grow with N. When `guichet gateway` cannot be started, Apollo is measured alone.

    .venv/bin/python -m bench.federation [--repeat 20] [--sizes 10,100,1000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bench._common import ms, p50, side_by_side, timed
from tests.federation.stack import OURS_MISSING, Stack, apollo_available, free_port

SCHOOL = "École Saint-Christophe"

SCHOOL_QUERY = """
query School($name: String!) {
  buildings(filter: {name: {eq: $name}}) {
    nodes {
      rnbId name usage floorArea yearBuilt
      spaces { id name capacity sensors { id observedProperty unit } }
      materialLines { id lot quantity unit product { name gwpA1A3 serviceLife } }
    }
  }
}"""

BILL_QUERY = """
query Bill($rnb: RnbId!) {
  materialLines(first: 30, filter: {rnbId: {eq: $rnb}}) {
    nodes { id quantity product { name declaredUnit gwpA1A3 gwpC } building { name floorArea } }
  }
}"""

BUILDINGS_QUERY = """
query Buildings($ids: [RnbId!]!, $n: Int!) {
  buildings(first: $n, filter: {rnbId: {in: $ids}}, orderBy: [{field: RNB_ID}]) {
    nodes {
      rnbId name floorArea
      spaces { id sensors { id } }
      materialLines { lot quantity product { gwpA1A3 } }
    }
  }
}"""


class CountingProxy:
    """ASGI reverse proxy to one node's GraphQL endpoint that counts the requests."""

    def __init__(self, target: str, client: httpx.AsyncClient) -> None:
        self.target, self.client, self.count = target, client, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        self.count += 1
        skip = {b"host", b"content-length", b"connection", b"accept-encoding"}
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"] if k.lower() not in skip]
        r = await self.client.request(scope["method"], self.target, content=body, headers=headers)
        media = r.headers.get("content-type", "application/json").encode()
        await send(
            {
                "type": "http.response.start",
                "status": r.status_code,
                "headers": [(b"content-type", media)],
            }
        )
        await send({"type": "http.response.body", "body": r.content})


async def serve_proxies(
    urls: Mapping[str, str], client: httpx.AsyncClient
) -> tuple[
    dict[str, CountingProxy], dict[str, str], list[uvicorn.Server], list[asyncio.Task[None]]
]:
    """A counting reverse proxy per node (:class:`CountingProxy`), in this process; returns
    them, their GraphQL URLs, their servers and tasks."""
    proxies, fronts, servers = {}, {}, []
    for name, url in urls.items():
        port = free_port()
        proxies[name] = CountingProxy(url, client)
        config = uvicorn.Config(
            proxies[name], host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        servers.append(uvicorn.Server(config))
        fronts[name] = f"http://127.0.0.1:{port}/graphql"
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        if any(t.done() for t in tasks):
            raise RuntimeError("a counting proxy failed to start")
        await asyncio.sleep(0.02)
    return proxies, fronts, servers, tasks


def _asker(
    client: httpx.AsyncClient, url: str, query: str, variables: Mapping[str, Any]
) -> Callable[[], Awaitable[object]]:
    payload = {"query": query, "variables": dict(variables)}

    async def ask() -> object:
        r = await client.post(url, json=payload)
        body = r.json()
        if r.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{url}: HTTP {r.status_code}: {r.text[:300]}")
        return body

    return ask


def _ids(stack: Stack, n: int) -> list[str]:
    """N buildings' RNB ids of cda's register, first those with a bill of quantities or
    rooms at atmo (so that every plan step runs whatever N; the housing project's building
    is the landlord's since the demo has five partners, so it is not among them)."""
    if stack.paths is None:
        raise RuntimeError("the demo was not generated")
    with sqlite3.connect(f"file:{stack.paths.cda_db}?mode=ro", uri=True) as db:
        rows = [r[0] for r in db.execute("SELECT id_rnb FROM batiments ORDER BY id_rnb")]
        (school,) = db.execute("SELECT id_rnb FROM batiments WHERE nom = ?", (SCHOOL,))
    with sqlite3.connect(f"file:{stack.paths.atmo_db}?mode=ro", uri=True) as db:
        rooms = {r[0] for r in db.execute("SELECT site_rnb FROM salles")}
    bill = stack.paths.bouygues_dir / "metres.csv"
    lines = bill.read_text(encoding="utf-8").splitlines()[1:]
    billed = {line.split(";")[3] for line in lines}
    first = [school[0], *sorted(((billed | rooms) & set(rows)) - {school[0]})]
    return (first + [r for r in rows if r not in first])[:n]


async def _latencies(
    client: httpx.AsyncClient,
    gateways: Mapping[str, str],
    cases: Sequence[tuple[str, str, Mapping[str, Any]]],
    repeat: int,
) -> list[tuple[str, dict[str, float]]]:
    out = []
    for label, query, variables in cases:
        asks = {g: _asker(client, url, query, variables) for g, url in gateways.items()}
        if len(asks) == 2:
            ta, tb = await side_by_side(asks["apollo"], asks["ours"], repeat=repeat)
            out.append((label, {"apollo": p50(ta), "ours": p50(tb)}))
        else:
            out.append((label, {"apollo": p50(await timed(asks["apollo"], repeat=repeat))}))
    return out


async def _counts(
    client: httpx.AsyncClient,
    gateways: Mapping[str, str],
    proxies: Mapping[str, CountingProxy],
    stack: Stack,
    sizes: Sequence[int],
) -> dict[str, dict[int, dict[str, int]]]:
    out: dict[str, dict[int, dict[str, int]]] = {g: {} for g in gateways}
    for g, url in gateways.items():
        for n in sizes:
            ids = _ids(stack, n)  # fewer than n when the register holds fewer
            ask = _asker(client, url, BUILDINGS_QUERY, {"ids": ids, "n": len(ids)})
            for p in proxies.values():
                p.count = 0
            body: Any = await ask()
            got = len(body["data"]["buildings"]["nodes"])
            if got != len(ids):
                raise RuntimeError(f"{g}: {got} buildings in the answer, expected {len(ids)}")
            out[g][len(ids)] = {name: p.count for name, p in proxies.items()}
    return out


async def run(workdir: Path, *, repeat: int, sizes: Sequence[int]) -> int:
    stack = Stack(workdir=workdir)
    servers: list[uvicorn.Server] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        await asyncio.to_thread(
            stack.start_nodes, workdir / "demo", enforce=False, max_page_size=max(sizes)
        )
        async with httpx.AsyncClient(timeout=120) as client:
            proxies, fronts, servers, tasks = await serve_proxies(stack.core_urls(), client)
            direct = {"apollo": await asyncio.to_thread(stack.start_apollo)}
            counted = {"apollo": await asyncio.to_thread(stack.start_apollo, fronts, name="ac")}
            ours = await asyncio.to_thread(stack.start_ours)
            ours_counted = await asyncio.to_thread(stack.start_ours, fronts, name="oc")
            if ours is not None and ours_counted is not None:
                direct["ours"], counted["ours"] = ours, ours_counted
            return await _report(client, stack, direct, counted, proxies, repeat, sizes)
    finally:
        for s in servers:
            s.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        stack.close()


async def _report(
    client: httpx.AsyncClient,
    stack: Stack,
    direct: Mapping[str, str],
    counted: Mapping[str, str],
    proxies: Mapping[str, CountingProxy],
    repeat: int,
    sizes: Sequence[int],
) -> int:
    both = "ours" in direct
    school = _ids(stack, 1)[0]  # its extension's bill of quantities is at bouygues
    cases: list[tuple[str, str, Mapping[str, Any]]] = [
        ("school over 3 nodes", SCHOOL_QUERY, {"name": SCHOOL}),
        ("bill + products", BILL_QUERY, {"rnb": school}),
    ]
    for ids in (_ids(stack, n) for n in sizes):  # fewer than asked if the register is smaller
        cases.append((f"{len(ids)} buildings", BUILDINGS_QUERY, {"ids": ids, "n": len(ids)}))
    print(f"Federation benchmark: p50 of {repeat} runs, gateways alternated; nodes on loopback")
    if not both:
        print(f"  ({OURS_MISSING}: Apollo Gateway alone)")
    head = f"  {'query':<22}{'Apollo':>12}"
    print(head + (f"{'ours':>12}{'ours/Apollo':>13}" if both else ""))
    for label, t in await _latencies(client, direct, cases, repeat):
        line = f"  {label:<22}{ms(t['apollo']):>12}"
        if both:
            line += f"{ms(t['ours']):>12}{t['ours'] / t['apollo']:>12.2f}x"
        print(line)

    counts = await _counts(client, counted, proxies, stack, sizes)
    print("\nRequests each node receives for one query over N buildings (counting proxy):")
    names = list(proxies)
    print(f"  {'gateway':<8}{'N':>6}" + "".join(f"{n:>10}" for n in names) + f"{'total':>8}")
    grows = []
    for g, per_n in counts.items():
        for n, c in per_n.items():
            row = "".join(f"{c[name]:>10}" for name in names)
            print(f"  {g:<8}{n:>6}{row}{sum(c.values()):>8}")
        if len({tuple(sorted(c.items())) for c in per_n.values()}) > 1:
            grows.append(g)
    if grows:
        print(f"FAIL: the number of subgraph requests changes with N for {', '.join(grows)}")
        return 1
    print("ok: the number of subgraph requests does not grow with N")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.federation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--repeat", type=int, default=20, help="runs per query (%(default)s)")
    parser.add_argument(
        "--sizes", default="10,100,1000", help="numbers of buildings, comma-separated"
    )
    parser.add_argument("--dir", help="work folder (default: a temporary one)")
    args = parser.parse_args(argv)
    why = apollo_available()
    if why is not None:
        print(f"error: {why}", file=sys.stderr)
        return 1
    sizes = [int(x) for x in args.sizes.split(",")]
    if args.dir:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
        return asyncio.run(run(Path(args.dir).resolve(), repeat=args.repeat, sizes=sizes))
    with tempfile.TemporaryDirectory(prefix="guichet-bench-federation-") as tmp:
        return asyncio.run(run(Path(tmp), repeat=args.repeat, sizes=sizes))


if __name__ == "__main__":
    sys.exit(main())

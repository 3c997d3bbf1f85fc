"""Guichet's gateway against Apollo Gateway (real processes on 127.0.0.1, usage control off):
p50 latency of the same federated queries, run side by side (alternating), with the ratio,
the subgraph requests of each gateway per query (counted by a small reverse proxy in front
of each subgraph) and the goal of issue 14: at most 1.0x Apollo's p50. The queries: the
demo's three nodes at N = 10, 100 and 1,000 buildings (whose request counts must not grow
with N), and the five canonical Federation shapes (key lookup, @requires, @provides,
@interfaceObject, @override) on the synthetic subgraphs of tests/federation/synthetic, each
answer checked against the hand-written one first. When `guichet gateway` cannot be
started, Apollo is measured alone.

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
from tests.federation.synthetic.cases import CASES
from tests.federation.synthetic.spawn import start_subgraphs
from tests.federation.test_apollo import shape

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

SPACES = {  # as tests/federation/test_directives_vs_apollo.py composes them
    "core": ("accounts", "products", "inventory", "reviews", "media"),
    "iobj": ("media", "ratings"),
}
SHAPES = {  # the canonical shapes of issue 14: label -> case of synthetic/cases.py
    "key lookup": "key-single",
    "@requires": "key-compound-requires-external",
    "@provides": "provides",
    "@interfaceObject": "interface-object-fields",
    "@override": "override",
}
GOAL = 1.0  # at most Apollo Gateway's p50

Query = tuple[str, str, str, Mapping[str, Any]]  # label, space, query, variables


class CountingProxy:
    """ASGI reverse proxy to one node's GraphQL endpoint that counts the requests (the
    GraphQL POSTs answering queries: not a gateway's SDL poll, ``_service``, nor its
    catalog's GET, which any poll interval may bring into a count)."""

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
        if scope["method"] == "POST" and b"_service" not in body:
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
    gateways: Mapping[str, Mapping[str, str]],
    cases: Sequence[Query],
    repeat: int,
) -> list[dict[str, float]]:
    out = []
    for _, space, query, variables in cases:
        urls = gateways[space]
        asks = {g: _asker(client, url, query, variables) for g, url in urls.items()}
        if len(asks) == 2:
            ta, tb = await side_by_side(asks["apollo"], asks["ours"], repeat=repeat)
            out.append({"apollo": p50(ta), "ours": p50(tb)})
        else:
            out.append({"apollo": p50(await timed(asks["apollo"], repeat=repeat))})
    return out


async def _requests(
    client: httpx.AsyncClient,
    gateways: Mapping[str, Mapping[str, str]],
    proxies: Mapping[str, CountingProxy],
    case: Query,
) -> dict[str, dict[str, int]]:
    """Per gateway, the requests each subgraph received for one run of the query."""
    _, space, query, variables = case
    out = {}
    for g, url in gateways[space].items():
        for p in proxies.values():
            p.count = 0
        await _asker(client, url, query, variables)()
        out[g] = {name: p.count for name, p in proxies.items() if p.count}
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
        synthetic = await asyncio.to_thread(start_subgraphs, stack)
        async with httpx.AsyncClient(timeout=120) as client:
            upstream = {**stack.core_urls(), **synthetic}
            proxies, fronts, servers, tasks = await serve_proxies(upstream, client)
            spaces = {
                "demo": stack.core_urls(),
                **{s: {n: synthetic[n] for n in names} for s, names in SPACES.items()},
            }
            direct: dict[str, dict[str, str]] = {}
            counted: dict[str, dict[str, str]] = {}
            for space, urls in spaces.items():
                through = {n: fronts[n] for n in urls}
                for where, subgraphs, tag in ((direct, urls, ""), (counted, through, "c")):
                    where[space] = {
                        "apollo": await asyncio.to_thread(
                            stack.start_apollo, subgraphs, name=f"apollo-{space}{tag}"
                        )
                    }
                    ours = await asyncio.to_thread(
                        stack.start_ours, subgraphs, name=f"ours-{space}{tag}"
                    )
                    if ours is not None:
                        where[space]["ours"] = ours
            return await _report(client, stack, direct, counted, proxies, repeat, sizes)
    finally:
        for s in servers:
            s.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        stack.close()


def _check_shapes(bodies: Mapping[str, Any]) -> None:
    """Both gateways give each shape's hand-written answer (synthetic/cases.py)."""
    for label, case_name in SHAPES.items():
        case = CASES[case_name]
        for g, body in bodies[label].items():
            if shape(body) != {"data": case.data, "errors": []}:
                raise RuntimeError(f"{g}: wrong answer to {label}: {body}")


async def _report(
    client: httpx.AsyncClient,
    stack: Stack,
    direct: Mapping[str, Mapping[str, str]],
    counted: Mapping[str, Mapping[str, str]],
    proxies: Mapping[str, CountingProxy],
    repeat: int,
    sizes: Sequence[int],
) -> int:
    both = "ours" in direct["demo"]
    school = _ids(stack, 1)[0]  # its extension's bill of quantities is at bouygues
    cases: list[Query] = [
        ("school over 3 nodes", "demo", SCHOOL_QUERY, {"name": SCHOOL}),
        ("bill + products", "demo", BILL_QUERY, {"rnb": school}),
    ]
    for ids in (_ids(stack, n) for n in sizes):  # fewer than asked if the register is smaller
        cases.append(
            (f"{len(ids)} buildings", "demo", BUILDINGS_QUERY, {"ids": ids, "n": len(ids)})
        )
    for label, name in SHAPES.items():
        fixture = CASES[name]
        cases.append((label, fixture.space, fixture.query, fixture.variables))
    _check_shapes(
        {
            label: {g: await _asker(client, url, q, v)() for g, url in direct[space].items()}
            for label, space, q, v in cases
            if label in SHAPES
        }
    )
    print(
        f"Federation benchmark: p50 of {repeat} runs, gateways alternated; subgraphs on "
        "loopback; requests: subgraph requests per query (counting proxies)"
    )
    if not both:
        print(f"  ({OURS_MISSING}: Apollo Gateway alone)")
    head = f"  {'query':<20}{'Apollo':>12}"
    if both:
        head += f"{'ours':>12}{'ours/Apollo':>12}{'requests A/o':>14}  goal <= {GOAL:.1f}x"
    print(head)
    missed = []
    for query, t in zip(cases, await _latencies(client, direct, cases, repeat), strict=True):
        label = query[0]
        line = f"  {label:<20}{ms(t['apollo']):>12}"
        if both:
            sent = {
                g: sum(c.values())
                for g, c in (await _requests(client, counted, proxies, query)).items()
            }
            ratio = t["ours"] / t["apollo"]
            met = ratio <= GOAL
            missed += [] if met else [label]
            line += f"{ms(t['ours']):>12}{ratio:>11.3f}x{sent['apollo']:>8}/{sent['ours']:<5}"
            line += "  MET" if met else "  MISSED"
        print(line)
    if both:
        print(
            f"goal at most {GOAL:.1f}x Apollo's p50: "
            + (f"MISSED on {', '.join(missed)}" if missed else "MET on every query")
        )

    counts = await _counts(client, counted["demo"], proxies, stack, sizes)
    print("\nRequests each node receives for one query over N buildings (counting proxy):")
    names = list(stack.core_urls())
    print(f"  {'gateway':<8}{'N':>6}" + "".join(f"{n:>10}" for n in names) + f"{'total':>8}")
    grows = []
    for g, per_n in counts.items():
        for n, c in per_n.items():
            row = "".join(f"{c[name]:>10}" for name in names)
            print(f"  {g:<8}{n:>6}{row}{sum(c[name] for name in names):>8}")
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

"""``_entities`` for N buildings through the cda node, against a raw SQL fetch of the same
rows plus JSON encoding. Prints p50 latencies, their ratio and the SQL statements per call,
for the node's compiled data path (:mod:`connector.graphql._compiled`, the default) and
for its general executor (``[limits] compiled_path = false``), measured side by side, and
whether the compiled path meets the goal of issue 14: at most 3.0x raw SQL + JSON.

    .venv/bin/python bench/entities.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

import httpx

from bench._common import RawSqlite, demo, ms, p50, without_enforcement
from connector.app import create_app
from connector.commands import long_lived
from connector.config import load_config

FIELDS = "rnbId bdnbId uai name address inseeCode usage yearBuilt floorArea location"
COLUMNS = (
    "id_rnb, id_bdnb, code_uai, nom, adresse, code_insee, code_usage, "
    "annee_construction, surface_plancher_m2, geom_wkt"
)


GOAL = 3.0


def _pair(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], raw: RawSqlite, ids: list[str]
) -> tuple[Callable[[], Awaitable[object]], ...]:
    """The same rows fetched through the node's ``_entities`` (compiled, then general) and
    by raw SQL + JSON."""
    n = len(ids)
    reps = [{"__typename": "Building", "rnbId": i} for i in ids]
    query = (
        "query($r: [_Any!]!) { _entities(representations: $r) "
        f"{{ ... on Building {{ {FIELDS} }} }} }}"
    )
    sql = f"SELECT {COLUMNS} FROM batiments WHERE id_rnb IN ({','.join('?' * n)})"
    names = FIELDS.split()

    def via(client: httpx.AsyncClient) -> Callable[[], Awaitable[object]]:
        async def call() -> object:
            r = await client.post("/graphql", json={"query": query, "variables": {"r": reps}})
            body = r.json()
            if "errors" in body or len(body["data"]["_entities"]) != n:
                raise SystemExit(f"node answered wrongly: {str(body)[:300]}")
            return body

        return call

    async def via_sql() -> object:
        rows = await raw.fetch(sql, ids)
        return json.dumps([dict(zip(names, r, strict=True)) for r in rows])

    return via(clients[0]), via(clients[1]), via_sql


async def interleaved(
    fns: tuple[Callable[[], Awaitable[object]], ...], repeat: int
) -> tuple[list[list[float]], list[list[float]]]:
    """Alternate the calls so that machine noise hits all alike: the wall-clock seconds
    and the process's CPU seconds (its threads too: the raw fetch's) of each call. On a
    machine other work shares, the CPU seconds move less than the wall clock."""
    for fn in fns:
        await fn()
    walls: list[list[float]] = [[] for _ in fns]
    cpus: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, wall, cpu in zip(fns, walls, cpus, strict=True):
            w, c = time.perf_counter(), time.process_time()
            await fn()
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
    return walls, cpus


async def main(repeat: int) -> None:
    paths = demo()
    # the node's data path alone: bench/usage.py measures what enforcement adds
    config = without_enforcement(load_config(paths.cda_toml))
    general = replace(config, limits=replace(config.limits, compiled_path=False))
    apps = long_lived((create_app(config), create_app(general)))  # as `guichet node` runs
    node = apps[0].state.node
    plans = apps[0].state.graphql.app.schema.compiled
    with sqlite3.connect(paths.cda_db) as db:
        all_ids = [r[0] for r in db.execute("SELECT id_rnb FROM batiments ORDER BY id_rnb")]
    print(
        f"cda node over {paths.cda_db.name}: {len(all_ids)} buildings; p50 of {repeat} runs, "
        "interleaved\n"
    )
    print(
        f"{'N':>5}  {'compiled':>11}  {'general':>11}  {'raw SQL+JSON':>12}  "
        f"{'compiled/raw':>12}  {'general/raw':>11}  {'CPU compiled/raw':>16}  "
        f"{'SQL statements per call':>23}"
    )
    worst = 0.0
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=apps[0]), base_url="http://bench"
        ) as compiled_client,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=apps[1]), base_url="http://bench"
        ) as general_client,
    ):
        raw = RawSqlite(paths.cda_db)
        for n in (10, 100, 1000):
            fns = _pair((compiled_client, general_client), raw, all_ids[:n])
            await fns[0]()  # the first call also reads the table's schema
            before, answered = sum(s.statements for s in node.sources.values()), plans.answered
            await fns[0]()
            per_call = sum(s.statements for s in node.sources.values()) - before
            if plans.answered != answered + 1:
                raise SystemExit("the compiled path did not answer")
            walls, cpus = await interleaved(fns, repeat)
            t_compiled, t_general, t_sql = (p50(t) for t in walls)
            cpu = p50(cpus[0]) / p50(cpus[2])
            ratio = t_compiled / t_sql
            worst = max(worst, ratio)
            print(
                f"{min(n, len(all_ids)):>5}  {ms(t_compiled)}  {ms(t_general)}  {ms(t_sql):>12}  "
                f"{ratio:12.1f}  {t_general / t_sql:11.1f}  {cpu:16.1f}  {per_call:>23}"
            )
    verdict = "MET" if worst <= GOAL else "MISSED"
    print(
        f"\ngoal: compiled path at most {GOAL:.1f}x raw SQL + JSON: {verdict} (worst {worst:.1f}x)"
    )
    for app in apps:
        await app.state.node.aclose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(
        prog="python -m bench.entities",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--repeat", type=int, default=30, help="runs per size (%(default)s)")
    asyncio.run(main(ap.parse_args().repeat))

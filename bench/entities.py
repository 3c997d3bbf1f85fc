"""``_entities`` for N buildings through the cda node, against a raw SQL fetch of the same
rows plus JSON encoding. Prints p50 latencies, their ratio and the SQL statements per call.

    .venv/bin/python bench/entities.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable

import aiosqlite
import httpx

from bench._common import demo, ms, p50, side_by_side, without_enforcement
from connector.app import create_app
from connector.config import load_config

FIELDS = "rnbId bdnbId uai name address inseeCode usage yearBuilt floorArea location"
COLUMNS = (
    "id_rnb, id_bdnb, code_uai, nom, adresse, code_insee, code_usage, "
    "annee_construction, surface_plancher_m2, geom_wkt"
)


def _pair(
    client: httpx.AsyncClient, raw: aiosqlite.Connection, ids: list[str]
) -> tuple[Callable[[], Awaitable[object]], Callable[[], Awaitable[object]]]:
    """The same rows fetched through the node's ``_entities`` and by raw SQL + JSON."""
    n = len(ids)
    reps = [{"__typename": "Building", "rnbId": i} for i in ids]
    query = (
        "query($r: [_Any!]!) { _entities(representations: $r) "
        f"{{ ... on Building {{ {FIELDS} }} }} }}"
    )
    sql = f"SELECT {COLUMNS} FROM batiments WHERE id_rnb IN ({','.join('?' * n)})"
    names = FIELDS.split()

    async def via_node() -> object:
        r = await client.post("/graphql", json={"query": query, "variables": {"r": reps}})
        body = r.json()
        if "errors" in body or len(body["data"]["_entities"]) != n:
            raise SystemExit(f"node answered wrongly: {str(body)[:300]}")
        return body

    async def via_sql() -> object:
        async with raw.execute(sql, ids) as cur:
            rows = await cur.fetchall()
        return json.dumps([dict(zip(names, r, strict=True)) for r in rows])

    return via_node, via_sql


async def main(repeat: int) -> None:
    paths = demo()
    # the node's data path alone: bench/usage.py measures what enforcement adds
    config = without_enforcement(load_config(paths.cda_toml))
    app = create_app(config)
    node = app.state.node
    with sqlite3.connect(paths.cda_db) as db:
        all_ids = [r[0] for r in db.execute("SELECT id_rnb FROM batiments ORDER BY id_rnb")]
    print(
        f"cda node over {paths.cda_db.name}: {len(all_ids)} buildings; p50 of {repeat} runs, "
        "interleaved\n"
    )
    print(
        f"{'N':>5}  {'node _entities':>14}  {'raw SQL + JSON':>14}  {'ratio':>6}  "
        f"{'SQL statements per call':>24}"
    )
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
        aiosqlite.connect(paths.cda_db) as raw,
    ):
        for n in (10, 100, 1000):
            via_node, via_sql = _pair(client, raw, all_ids[:n])
            await via_node()  # the first call also reads the table's schema
            before = sum(s.statements for s in node.sources.values())
            await via_node()
            per_call = sum(s.statements for s in node.sources.values()) - before
            t_node, t_sql = await side_by_side(via_node, via_sql, repeat=repeat)
            print(
                f"{n:>5}  {ms(p50(t_node))}  {ms(p50(t_sql))}  "
                f"{p50(t_node) / p50(t_sql):6.1f}  {per_call:>24}"
            )
    await node.aclose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(
        prog="python -m bench.entities",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--repeat", type=int, default=30, help="runs per size (%(default)s)")
    asyncio.run(main(ap.parse_args().repeat))

"""A paged observation query through the atmo node, against the raw SQL keyset query a
developer would write on Atmo's own view. Walks 10, 100 and 1,000 readings of one CO2
sensor (one page of 10, one of 100, two of 500: the node's largest page) through the
node's compiled data path (:mod:`connector.graphql._compiled`, the default) and its
general executor (``[limits] compiled_path = false``), side by side, and prints p50
latencies per walk, their ratios to raw SQL + JSON, the SQL statements per page, and
whether the compiled path meets the goal of issue 14: at most 3.0x raw SQL + JSON.

    .venv/bin/python bench/observations.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import replace

import httpx

from bench._common import RawSqlite, demo, ms, p50, without_enforcement
from bench.entities import interleaved
from connector.app import create_app
from connector.commands import long_lived
from connector.config import load_config

QUERY = """query($sensor: ID!, $after: String, $first: Int) {
  observations(first: $first, after: $after, filter: {sensorId: {eq: $sensor}}) {
    nodes { id sensorId spaceId observedProperty resultTime value unit }
    pageInfo { endCursor hasNextPage }
  }
}"""

RAW = """SELECT id_mesure, capteur, site_rnb, etage, salle, polluant, horodatage, valeur, unite
FROM vue_mesures_salles
WHERE capteur = ? AND polluant IN ('CO2', 'TEMP', 'HR') AND (horodatage, id_mesure) > (?, ?)
ORDER BY horodatage, id_mesure LIMIT ?"""


GOAL = 3.0
WALKS = ((10, 1), (100, 1), (1000, 2))  # readings per walk, pages per walk


def _walks(
    client: httpx.AsyncClient, raw: RawSqlite, sensor: str, pages: int, size: int
) -> tuple[Callable[[], Awaitable[object]], Callable[[], Awaitable[object]]]:
    async def via_node() -> object:
        after = None
        for _ in range(pages):
            variables = {"sensor": sensor, "after": after, "first": size}
            r = await client.post("/graphql", json={"query": QUERY, "variables": variables})
            page = r.json()["data"]["observations"]
            if len(page["nodes"]) != size:
                raise SystemExit(f"node answered wrongly: {str(r.json())[:300]}")
            after = page["pageInfo"]["endCursor"]
        return after

    async def via_sql() -> object:
        last: tuple[object, object] = ("", -1)
        for _ in range(pages):
            rows = await raw.fetch(RAW, (sensor, *last, size))
            json.dumps(
                [
                    {
                        "id": r[0],
                        "sensorId": r[1],
                        "spaceId": f"{r[2]}/{r[3]}/{r[4]}",
                        "observedProperty": r[5],
                        "resultTime": r[6],
                        "value": r[7],
                        "unit": r[8],
                    }
                    for r in rows
                ]
            )
            last = (rows[-1][6], rows[-1][0])
        return last

    return via_node, via_sql


async def main(repeat: int) -> None:
    paths = demo()
    # the node's data path alone: bench/usage.py measures what enforcement adds
    config = without_enforcement(load_config(paths.atmo_toml))
    general = replace(config, limits=replace(config.limits, compiled_path=False))
    apps = long_lived((create_app(config), create_app(general)))  # as `guichet node` runs
    node = apps[0].state.node
    plans = apps[0].state.graphql.app.schema.compiled
    with sqlite3.connect(paths.atmo_db) as db:
        sensor = db.execute(
            "SELECT id_capteur FROM capteurs WHERE polluant = 'CO2' ORDER BY id_capteur LIMIT 1"
        ).fetchone()[0]
        total = db.execute("SELECT count(*) FROM mesures").fetchone()[0]
    print(
        f"atmo node over {paths.atmo_db.name} ({total:,} readings); sensor {sensor}; "
        f"p50 of {repeat} walks, interleaved\n"
    )
    print(
        f"{'readings':>8}  {'pages':>5}  {'compiled':>11}  {'general':>11}  "
        f"{'raw SQL+JSON':>12}  {'compiled/raw':>12}  {'general/raw':>11}  "
        f"{'CPU compiled/raw':>16}  {'SQL statements per page':>23}"
    )
    worst = 0.0
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url="http://b") as c,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url="http://b") as g,
    ):
        raw = RawSqlite(paths.atmo_db)
        for rows, pages in WALKS:
            compiled, via_sql = _walks(c, raw, sensor, pages, rows // pages)
            general_walk, _ = _walks(g, raw, sensor, pages, rows // pages)
            await compiled()
            before, answered = sum(s.statements for s in node.sources.values()), plans.answered
            await compiled()
            per_page = (sum(s.statements for s in node.sources.values()) - before) / pages
            if plans.answered != answered + pages:
                raise SystemExit("the compiled path did not answer")
            walls, cpus = await interleaved((compiled, general_walk, via_sql), repeat)
            t_c, t_g, t_sql = (p50(t) for t in walls)
            cpu = p50(cpus[0]) / p50(cpus[2])
            worst = max(worst, t_c / t_sql)
            print(
                f"{rows:>8}  {pages:>5}  {ms(t_c)}  {ms(t_g)}  {ms(t_sql):>12}  "
                f"{t_c / t_sql:12.1f}  {t_g / t_sql:11.1f}  {cpu:16.1f}  {per_page:>23g}"
            )
    verdict = "MET" if worst <= GOAL else "MISSED"
    print(f"\ngoal: compiled path at most {GOAL:.1f}x raw SQL + JSON: {verdict} ({worst:.1f}x)")
    for app in apps:
        await app.state.node.aclose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(
        prog="python -m bench.observations",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--repeat", type=int, default=10, help="walks per size (%(default)s)")
    asyncio.run(main(ap.parse_args().repeat))

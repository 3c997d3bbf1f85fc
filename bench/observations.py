"""A paged observation query through the atmo node, against the raw SQL keyset query a
developer would write on Atmo's own view. Walks ``--pages`` pages of ``--size`` rows of
one CO2 sensor and prints p50 latencies per page, their ratio and SQL statements per page.

    .venv/bin/python bench/observations.py [--pages 10] [--size 500] [--repeat 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3

import aiosqlite
import httpx

from bench._common import demo, ms, p50, side_by_side, without_enforcement
from connector.app import create_app
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


async def main(pages: int, size: int, repeat: int) -> None:
    paths = demo()
    # the node's data path alone: bench/usage.py measures what enforcement adds
    config = without_enforcement(load_config(paths.atmo_toml))
    app = create_app(config)
    node = app.state.node
    with sqlite3.connect(paths.atmo_db) as db:
        sensor = db.execute(
            "SELECT id_capteur FROM capteurs WHERE polluant = 'CO2' ORDER BY id_capteur LIMIT 1"
        ).fetchone()[0]
        total = db.execute("SELECT count(*) FROM mesures").fetchone()[0]
    print(
        f"atmo node over {paths.atmo_db.name} ({total:,} readings); sensor {sensor}; "
        f"{pages} pages of {size}; p50 of {repeat} walks, interleaved\n"
    )
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
        aiosqlite.connect(paths.atmo_db) as raw,
    ):

        async def via_node() -> object:
            after = None
            for _ in range(pages):
                r = await client.post(
                    "/graphql",
                    json={
                        "query": QUERY,
                        "variables": {"sensor": sensor, "after": after, "first": size},
                    },
                )
                page = r.json()["data"]["observations"]
                if len(page["nodes"]) != size:
                    raise SystemExit(f"node answered wrongly: {str(r.json())[:300]}")
                after = page["pageInfo"]["endCursor"]
            return after

        async def via_sql() -> object:
            last: tuple[object, object] = ("", -1)
            for _ in range(pages):
                async with raw.execute(RAW, (sensor, *last, size)) as cur:
                    rows = await cur.fetchall()
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

        await via_node()
        before = sum(s.statements for s in node.sources.values())
        await via_node()
        per_page = (sum(s.statements for s in node.sources.values()) - before) / pages
        t_node, t_sql = await side_by_side(via_node, via_sql, repeat=repeat)
        print(f"{'':14}{'per page':>12}")
        print(f"{'node GraphQL':14}{ms(p50(t_node) / pages)}")
        print(f"{'raw SQL + JSON':14}{ms(p50(t_sql) / pages)}")
        print(f"\nratio node / raw SQL: {p50(t_node) / p50(t_sql):.1f}")
        print(f"SQL statements per page through the node: {per_page:g}")
    await node.aclose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(
        prog="python -m bench.observations",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--pages", type=int, default=10, help="pages walked per run (%(default)s)")
    ap.add_argument("--size", type=int, default=500, help="readings per page (%(default)s)")
    ap.add_argument("--repeat", type=int, default=10, help="runs (%(default)s)")
    a = ap.parse_args()
    asyncio.run(main(a.pages, a.size, a.repeat))

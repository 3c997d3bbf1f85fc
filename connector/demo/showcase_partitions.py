"""Section 7 of the showcase: every building of the agglomeration paged through the gateway
across the holders of Building (each declaring its partition: communes, usages), against
each holder's own count — no building lost or repeated by the fan-out and its cursor."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from connector.config import NodeConfig
from connector.demo.showcase import _data, _post, _table

EVERY_BUILDING = """
query Every($after: String) {
  buildings(first: 500, after: $after) {
    nodes { rnbId inseeCode usage }
    pageInfo { endCursor hasNextPage }
    totalCount
  }
}"""

HOLDER_COUNT = "{ buildings(first: 1) { totalCount } }"


def _declares(config: NodeConfig) -> str:
    p = config.entities["Building"].partition
    if p is None:
        return "every building"
    parts = []
    if p.communes:
        parts.append(
            f"commune {p.communes[0]}" if len(p.communes) == 1 else f"{len(p.communes)} communes"
        )
    if p.usages:
        parts.append(", ".join(p.usages) if len(p.usages) < 3 else f"{len(p.usages)} usages")
    return " × ".join(parts)


def _holds(config: NodeConfig, row: Mapping[str, Any]) -> bool:
    p = config.entities["Building"].partition
    return p is not None and all(
        not declared or row[f] in declared
        for f, declared in (("inseeCode", p.communes), ("usage", p.usages))
    )


async def partitioned(
    gateway: str, urls: Mapping[str, str], configs: Mapping[str, NodeConfig]
) -> str:
    """Every building of the agglomeration, paged through the gateway across the holders of
    Building (open data: no token), against each holder's own count."""
    holders = {n: c for n, c in configs.items() if "Building" in c.entities}
    rows: list[dict[str, Any]] = []
    pages = 0
    after: str | None = None
    async with httpx.AsyncClient(timeout=120) as client:
        own = {
            n: _data(await _post(client, urls[n], HOLDER_COUNT), urls[n])["buildings"]["totalCount"]
            for n in holders
        }
        while True:
            body = await _post(client, gateway, EVERY_BUILDING, {"after": after})
            page = _data(body, gateway)["buildings"]
            rows += page["nodes"]
            pages += 1
            total = page["totalCount"]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    distinct = len({r["rnbId"] for r in rows})
    table = [
        [
            n,
            c.title,
            _declares(c),
            f"{own[n]:,}",
            f"{sum(1 for r in rows if _holds(c, r)):,}",
        ]
        for n, c in holders.items()
    ]
    out = [
        "7. PARTITIONED — every building of the agglomeration, paged through the gateway "
        f"across the {len(holders)} holders of Building (open registers, no token)",
        _table(table, ["holder", "partner", "declares", "its node", "in the pages"]),
        f"    through the gateway: {len(rows):,} buildings in {pages} pages of at most 500 "
        f"(totalCount {total:,}, sum of the holders' {sum(own.values()):,}); "
        + (
            "no RNB id repeats"
            if distinct == len(rows)
            else f"{len(rows) - distinct} RNB ids repeat"
        ),
    ]
    return "\n".join(out)

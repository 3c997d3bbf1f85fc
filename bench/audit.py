"""What the DPD's audit endpoint costs as the log grows: ``auditCounts`` (denials by party
and by dataset) and a first page of ``auditLog`` for one party, through the node's
``/audit/graphql`` (role check, the read itself logged, filter checks, GraphQL), against
the equivalent raw SQL (``GROUP BY`` / keyset ``SELECT``) on the same SQLite file with
SQLAlchemy core. Prints p50 latencies (interleaved runs), their ratio, and the SQL
statements each call sends (counted with a ``before_cursor_execute`` listener).

The node is the tiny node of the usage tests with a DPD identity (a token table instead
of real JWTs: bench/usage.py measures token checks). Its log is filled through the real
:meth:`AuditLog.append` (the log offers no bulk path), one entry at a time, on tmpfs when
there is one: about 3 ms an entry, so the 100 000 size takes minutes. N is the number of
entries when timing starts; each node call appends its own read (a permit of the DPD).

    .venv/bin/python -m bench.audit [--repeat 30] [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bench._common import ms, p50, side_by_side
from connector.audit import AuditLog, AuditRecord, operation_hash
from tests.connector.dpd.console_node import running, write_console_node
from tests.connector.usage.conftest import Clock, P

PARTIES = tuple(P + p for p in ("city", "ana", "univ", "school/staff", "tiny", "unknown-org"))
DATASETS = (("registre",), ("energie",), ("mesures",), ("registre", "energie"), ("mesures",))
DECISIONS = ("permit",) * 6 + ("deny",) * 3 + ("pending",)
PARTY = P + "univ"  # the party whose first page auditLog reads
COUNTS = """{ auditCounts(filter: {decision: "deny"}) {
  total byParty { key total } byDataset { key total } } }"""
PAGE = f'{{ auditLog(first: 100, filter: {{party: "{PARTY}"}}) {{ entries {{ seq }} }} }}'
Call = Callable[[], Awaitable[Any]]


async def fill(log: AuditLog, upto: int, rng: random.Random) -> None:
    """Append decisions until the log holds ``upto`` entries."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    seq, _ = await log.head()
    hashes = [operation_hash(f"{{ q{i} {{ id }} }}") for i in range(20)]
    while seq < upto:
        seq += 1
        datasets = rng.choice(DATASETS)
        await log.append(
            AuditRecord(
                party=rng.choice(PARTIES),
                decision=rng.choice(DECISIONS),
                operation_hash=rng.choice(hashes),
                datasets=datasets,
                time=start + timedelta(minutes=seq),
                client_id="bench-app",
                reason=f"bench entry {seq}",
                rows_returned=rng.randrange(500),
            )
        )


def node_call(client: httpx.AsyncClient, query: str) -> Call:
    async def call() -> Any:
        r = await client.post(
            "/audit/graphql", json={"query": query}, headers={"Authorization": "Bearer dpd"}
        )
        body = r.json()
        if r.status_code != 200 or body.get("errors"):
            raise SystemExit(f"the node answered wrongly: {r.status_code} {str(body)[:400]}")
        return body["data"]

    return call


def raw_calls(engine: AsyncEngine, log: AuditLog) -> tuple[Call, Call]:
    """The same answers straight from the tables: two GROUP BYs, one keyset SELECT."""
    t, d = log.table, log.datasets
    n = sa.func.count().label("total")
    by_party = (
        sa.select(t.c.party, n)
        .where(t.c.decision == "deny")
        .group_by(t.c.party)
        .order_by(n.desc(), t.c.party)
    )
    by_dataset = (
        sa.select(d.c.dataset, n)
        .select_from(t.join(d, d.c.seq == t.c.seq))
        .where(t.c.decision == "deny")
        .group_by(d.c.dataset)
        .order_by(n.desc(), d.c.dataset)
    )
    page = sa.select(t.c.seq).where(t.c.party == PARTY, t.c.seq > 0).order_by(t.c.seq).limit(100)

    async def counts() -> Any:
        async with engine.connect() as conn:
            parties = [(k, int(v)) for k, v in await conn.execute(by_party)]
            datasets = [(k, int(v)) for k, v in await conn.execute(by_dataset)]
        return sum(v for _, v in parties), parties, datasets

    async def keyset() -> Any:
        async with engine.connect() as conn:
            return [int(s) for s in (await conn.execute(page)).scalars()]

    return counts, keyset


def counter(engine: AsyncEngine) -> Callable[[], int]:
    seen = [0]

    def on_execute(*_: Any) -> None:
        seen[0] += 1

    sa.event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    return lambda: seen[0]


async def statements(call: Call, count: Callable[[], int]) -> int:
    before = count()
    await call()
    return count() - before


def check_same(n: int, node: Any, raw: Any) -> None:
    if "auditCounts" in node:
        c = node["auditCounts"]
        mine = (
            c["total"],
            [(x["key"], x["total"]) for x in c["byParty"]],
            [(x["key"], x["total"]) for x in c["byDataset"]],
        )
    else:
        mine = [e["seq"] for e in node["auditLog"]["entries"]]
    if mine != raw:
        raise SystemExit(f"N={n}: the node and raw SQL disagree:\n  {mine}\n  {raw}")


async def main(repeat: int, sizes: list[int]) -> None:
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(
        prefix="guichet-bench-audit-", dir=shm if shm.is_dir() else None
    ) as tmp:
        config = write_console_node(Path(tmp) / "node")
        async with running(config, Clock()) as dpd:
            log: AuditLog = dpd.app.state.usage.audit
            raw_engine = create_async_engine(log.engine.url)
            node_count, raw_count = counter(log.engine), counter(raw_engine)
            raw_counts, raw_page = raw_calls(raw_engine, log)
            queries = (
                ("auditCounts deny", node_call(dpd.client, COUNTS), raw_counts),
                ("auditLog party", node_call(dpd.client, PAGE), raw_page),
            )
            rng = random.Random(20261126)
            print(f"p50 of {repeat} calls each, interleaved; SQLite audit log in {tmp}\n")
            print(
                f"{'N':>7}  {'query':<17} {'node p50':>11}  {'raw SQL p50':>11}  "
                f"{'ratio':>6}  {'SQL/call node':>13}  {'raw':>4}"
            )
            per_call: dict[str, list[int]] = {}
            for n in sizes:
                await fill(log, n, rng)
                for label, via_node, via_sql in queries:
                    check_same(n, await via_node(), await via_sql())
                    stmts = await statements(via_node, node_count)
                    raw_stmts = await statements(via_sql, raw_count)
                    per_call.setdefault(label, []).append(stmts)
                    t_node, t_sql = await side_by_side(via_node, via_sql, repeat=repeat)
                    check_same(n, await via_node(), await via_sql())
                    print(
                        f"{n:>7}  {label:<17} {ms(p50(t_node))}  {ms(p50(t_sql))}  "
                        f"{p50(t_node) / p50(t_sql):6.1f}  {stmts:>13}  {raw_stmts:>4}"
                    )
            await raw_engine.dispose()
    print()
    for label, counts in per_call.items():
        verdict = "constant in N" if len(set(counts)) == 1 else "NOT constant: it changes with N"
        print(f"{label}: SQL statements per node call {counts} -- {verdict}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(
        prog="python -m bench.audit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--repeat", type=int, default=30, help="runs per query (%(default)s)")
    ap.add_argument(
        "--sizes", default="1000,10000,100000", help="entries in the log, comma-separated"
    )
    args = ap.parse_args()
    asyncio.run(main(args.repeat, sorted(int(s) for s in args.sizes.split(","))))

"""ICONE at scale: one classroom-year through the atmo node against the best SQL statement
written by hand on the same database, on SQLite and on PostgreSQL; ``--scale`` adds every
classroom's weekly ICONE over 100 classrooms × one school year on PostgreSQL.

The node is the demo's atmo node as generated, usage control on (its audit log moved to
a temporary folder), called with Atmo's own ES256 token from the in-process issuer. It
answers ``space(id) { indoorAir(from, to) { ... weeks { ... } worstWeek } }``: the period
figures and the 36 weekly ones, in one aggregate statement (the period is the weeks
pooled). The rollup column builds ``[indoor_air.rollup]`` with the node's own refresh and
times the node reading it, against the hand-written statement over the readings and a
hand-written statement over the same rollup (``bench._icone_rollup``).

The hand-written side is the best statement found for the same figures: it walks the
room's CO2 sensor first (``capteurs`` then ``idx_mesures_capteur``), one index range per
occupied interval (the school's hours on class days, computed in Python), groups by
week, and pools the weeks in Python for the period; then the index per week, the worst
week, and the answer as JSON. The bench checks that both give the same counts, shares
and maxima (and means to 1e-12) before timing them side by side, interleaved.

    .venv/bin/python -m bench.icone [--repeat 20] [--scale] [--classrooms 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from bench import _icone_pg as pg
from bench import _icone_rollup as rollup
from bench._common import demo, ms, p50, side_by_side
from bench._icone_sql import HandWritten, PgHandWritten, SqliteHandWritten, Weekly
from connector.app import create_app
from connector.config import IndoorAirConfig, NodeConfig, load_config
from connector.demo.participants import register_all, token
from connector.identity import JwtVerifier, VerifierSettings
from issuer import IssuerSettings, create_issuer_app
from tests.support.postgres import PostgresServer

GOAL = 1.5
MEMORY_GOAL_MB = 50
FROM, TO = "2025-09-01T00:00:00+02:00", "2026-09-01T00:00:00+02:00"
FIGURES = "icone f1 f2 shareAbove800 shareAbove1500 mean max occupiedReadings"
ROOM_QUERY = f"""query($id: ID!, $from: DateTime!, $to: DateTime!) {{
  space(id: $id) {{ indoorAir(from: $from, to: $to) {{
    {FIGURES} weeks {{ week {FIGURES} }} worstWeek {{ week icone }} }} }} }}"""
ALL_QUERY = f"""query($n: Int!, $from: DateTime!, $to: DateTime!) {{
  spaces(first: $n) {{ nodes {{ id indoorAir(from: $from, to: $to) {{
    weeks {{ week {FIGURES} }} worstWeek {{ week icone }} }} }} }} }}"""


@asynccontextmanager
async def signed(config: NodeConfig, work: Path) -> AsyncIterator[tuple[JwtVerifier, str]]:
    """A verifier for ``config``'s node and Atmo's own token, from the in-process issuer."""
    if config.auth is None:
        raise SystemExit("the atmo configuration has no [auth] section")
    issuer_url = str(config.auth.settings["issuer"])
    settings = IssuerSettings(
        issuer=issuer_url,
        audiences=(config.base_iri,),
        database_url=f"sqlite+aiosqlite:///{work / 'issuer.db'}",
        key_dir=work / "keys",
    )
    creds = await register_all(settings.database_url, work / "credentials.json")
    app = create_issuer_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=issuer_url) as c:
        verifier = JwtVerifier(
            VerifierSettings(issuer=issuer_url, audience=config.base_iri), client=c
        )
        yield verifier, await token(c, issuer_url, creds["atmo"], audience=config.base_iri)
    await app.state.registry.aclose()


def enforced(config: NodeConfig, work: Path, url: str | None = None) -> NodeConfig:
    """The node as generated, its audit log in ``work``, its source at ``url`` if given."""
    usage = dataclasses.replace(
        config.usage, audit_db=f"sqlite+aiosqlite:///{work / 'atmo-audit.db'}"
    )
    sources = dict(config.sources)
    if url is not None:
        sources["plateforme"] = dataclasses.replace(sources["plateforme"], url=url)
    return dataclasses.replace(config, usage=usage, sources=sources)


def node_caller(
    client: httpx.AsyncClient, bearer: str, query: str, variables: dict[str, Any]
) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def call() -> dict[str, Any]:
        r = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {bearer}"},
        )
        body: dict[str, Any] = r.json()
        if r.status_code != 200 or body.get("errors"):
            raise SystemExit(f"the node answered wrongly: {r.status_code} {str(body)[:400]}")
        return body

    return call


def check_same(report: dict[str, Any], weeks: dict[str, Weekly], where: str) -> None:
    """The node's figures against the hand-written counts, week by week and pooled."""
    got = {w["week"]: w for w in report["weeks"]}
    if sorted(got) != sorted(weeks):
        raise SystemExit(f"{where}: weeks differ: {sorted(got)} against {sorted(weeks)}")
    for label, mine in [*weeks.items(), ("period", Weekly.pooled(list(weeks.values())))]:
        node = report if label == "period" else got[label]
        want = mine.figures()
        for k, v in want.items():
            same = math.isclose(node[k], v, rel_tol=1e-12) if k == "mean" else node[k] == v
            if not same:
                raise SystemExit(f"{where} {label}: {k} = {node[k]!r} by the node, {v!r} by hand")


async def compare(
    label: str, app_config: NodeConfig, hand: HandWritten, room: str, work: Path, repeat: int
) -> float:
    """The node as configured (every audit entry on disk before its answer leaves), the
    same node with ``audit_durability = "process"`` (no fsync per answer) and the best
    hand-written SQL, interleaved."""
    process = dataclasses.replace(
        app_config, usage=dataclasses.replace(app_config.usage, audit_durability="process")
    )
    async with signed(app_config, work) as (verifier, bearer):
        apps = [create_app(c, verifier=verifier) for c in (app_config, process)]
        async with contextlib.AsyncExitStack() as stack:
            callers = []
            for app, cfg in zip(apps, (app_config, process), strict=True):
                client = await stack.enter_async_context(
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=cfg.base_iri)
                )
                variables = {"id": room, "from": FROM, "to": TO}
                callers.append(node_caller(client, bearer, ROOM_QUERY, variables))
            report = (await callers[0]())["data"]["space"]["indoorAir"]
            check_same(report, await hand.weekly([room]), label)
            check_same(
                (await callers[1]())["data"]["space"]["indoorAir"], await hand.weekly([room]), label
            )

            async def via_sql() -> str:
                return json.dumps(hand.answer(await hand.weekly([room])))

            t_disk, t_process, t_sql = await interleaved([*callers, via_sql], repeat)
        for app in apps:
            await app.state.node.aclose()
    ratio, ratio_process = p50(t_disk) / p50(t_sql), p50(t_process) / p50(t_sql)
    print(
        f"{label}  ({report['occupiedReadings']:,} occupied readings, {len(report['weeks'])} weeks)"
    )
    print(f"  node GraphQL (enforced, audit on disk)    {ms(p50(t_disk))}")
    print(f'  the same, audit_durability = "process"   {ms(p50(t_process))}')
    print(f"  best hand-written SQL                     {ms(p50(t_sql))}")
    for what, r in (("node / SQL", ratio), ("node (process) / SQL", ratio_process)):
        verdict = "MET" if r <= GOAL else "MISSED"
        print(f"  ratio {what:<22}{r:8.2f}   goal at most {GOAL}x: {verdict}")
    print()
    return ratio


async def interleaved(fns: list[Callable[[], Awaitable[object]]], repeat: int) -> list[list[float]]:
    """Each of ``fns`` ``repeat`` times, in turn (after one warm-up call each)."""
    for fn in fns:
        await fn()
    out: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, acc in zip(fns, out, strict=True):
            t0 = time.perf_counter()
            await fn()
            acc.append(time.perf_counter() - t0)
    return out


async def compare_rollup(
    label: str,
    app_config: NodeConfig,
    hand: HandWritten,
    hand_rollup: HandWritten,
    room: str,
    work: Path,
    repeat: int,
) -> None:
    """The node reading its daily rollup, against the best SQL over the readings and the
    best SQL over the same rollup (both checked equal to the node's figures first)."""
    async with signed(app_config, work) as (verifier, bearer):
        app = create_app(app_config, verifier=verifier)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=app_config.base_iri
        ) as client:
            via_node = node_caller(client, bearer, ROOM_QUERY, {"id": room, "from": FROM, "to": TO})
            report = (await via_node())["data"]["space"]["indoorAir"]
            check_same(report, await hand.weekly([room]), f"{label} (rollup)")
            check_same(report, await hand_rollup.weekly([room]), f"{label} (rollup, by hand)")

            async def via_sql() -> str:
                return json.dumps(hand.answer(await hand.weekly([room])))

            async def via_rollup_sql() -> str:
                return json.dumps(hand_rollup.answer(await hand_rollup.weekly([room])))

            t_node, t_sql, t_roll = await interleaved([via_node, via_sql, via_rollup_sql], repeat)
        await app.state.node.aclose()
    print(f"{label} with [indoor_air.rollup] (managed, built by the node)")
    print(f"  node GraphQL (enforced), rollup   {ms(p50(t_node))}")
    print(f"  best hand-written SQL, readings   {ms(p50(t_sql))}")
    print(f"  best hand-written SQL, rollup     {ms(p50(t_roll))}")
    ratio = p50(t_node) / p50(t_sql)
    verdict = "MET" if ratio <= GOAL else "MISSED"
    print(f"  ratio node+rollup / SQL on readings  {ratio:8.2f}   goal at most {GOAL}x: {verdict}")
    print(f"  ratio node+rollup / SQL on rollup    {p50(t_node) / p50(t_roll):8.2f}\n")


def status_mb(field: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (its peak) of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak() -> None:
    """Restart ``VmHWM`` from the current RSS (Linux: ``clear_refs`` 5)."""
    Path("/proc/self/clear_refs").write_text("5")


async def scale(
    config: NodeConfig, server: PostgresServer, work: Path, classrooms: int, repeat: int
) -> None:
    t0 = time.perf_counter()
    readings = await pg.generate_scale(server, "atmo_scale", classrooms)
    print(
        f"scale: {classrooms} classrooms x one school year, {readings:,} readings generated "
        f"by PostgreSQL in {time.perf_counter() - t0:.0f} s"
    )
    url = server.url("atmo_scale")
    app_config = enforced(config, work, url)
    hand = PgHandWritten(pg.dsn(server, "atmo_scale"), config_air(config))
    rooms = [f"{pg.SCALE_RNB}/N{i // 10}/C{i:03d}" for i in range(1, classrooms + 1)]
    async with signed(app_config, work) as (verifier, bearer):
        app = create_app(app_config, verifier=verifier)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=app_config.base_iri, timeout=600
        ) as client:
            call = node_caller(client, bearer, ALL_QUERY, {"n": classrooms, "from": FROM, "to": TO})
            reset_peak()
            before = status_mb("VmRSS")
            first = await call()
            first_peak = status_mb("VmHWM")
            spaces = first["data"]["spaces"]["nodes"]
            for s in spaces[:3]:
                check_same_weeks(s, await hand.weekly([s["id"]]))
            warm = status_mb("VmRSS")
            reset_peak()
            t_node, t_sql = await side_by_side(call, lambda: hand.weekly(rooms), repeat=repeat)
            timed_peak = status_mb("VmHWM")
        await app.state.node.aclose()
    await hand.aclose()
    weeks = sum(len(s["indoorAir"]["weeks"]) for s in spaces if s["indoorAir"])
    print(f"  every classroom's weekly ICONE ({len(spaces)} classrooms, {weeks:,} weeks):")
    print(f"  node GraphQL (enforced), one request   {ms(p50(t_node))}")
    print(f"  hand-written SQL, one statement        {ms(p50(t_sql))}")
    print(f"  ratio node / SQL                       {p50(t_node) / p50(t_sql):8.2f}")
    grown = max(first_peak, timed_peak) - before
    verdict = "MET" if grown < MEMORY_GOAL_MB else "MISSED"
    print(f"  node process RSS before the first request     {before:7.0f} MB")
    print(f"  peak during the first request (cold caches)   {first_peak:7.0f} MB")
    print(f"  RSS after it                                  {warm:7.0f} MB")
    print(f"  peak during the next {repeat + 1} requests           {timed_peak:7.0f} MB")
    print(
        f"  growth (highest peak - before): {grown:.1f} MB, "
        f"goal under {MEMORY_GOAL_MB} MB: {verdict}\n"
    )
    await scale_rollup(app_config, server, work, classrooms, rooms, repeat)


async def scale_rollup(
    app_config: NodeConfig,
    server: PostgresServer,
    work: Path,
    classrooms: int,
    rooms: list[str],
    repeat: int,
) -> None:
    """Every classroom's weekly ICONE again, the node reading its daily rollup."""
    rolled = rollup.with_rollup(app_config)
    print(f"  {await rollup.build(rolled)}")
    air = config_air(app_config)
    hand = PgHandWritten(pg.dsn(server, "atmo_scale"), air)
    by_hand = rollup.PgRollupHandWritten(pg.dsn(server, "atmo_scale"), air)
    async with signed(rolled, work) as (verifier, bearer):
        app = create_app(rolled, verifier=verifier)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=rolled.base_iri, timeout=600
        ) as client:
            call = node_caller(client, bearer, ALL_QUERY, {"n": classrooms, "from": FROM, "to": TO})
            spaces = (await call())["data"]["spaces"]["nodes"]
            for s in spaces[:3]:
                check_same_weeks(s, await hand.weekly([s["id"]]))
            t_node, t_sql, t_roll = await interleaved(
                [call, lambda: hand.weekly(rooms), lambda: by_hand.weekly(rooms)], repeat
            )
        await app.state.node.aclose()
    await hand.aclose()
    await by_hand.aclose()
    print(f"  node GraphQL (enforced) with the rollup, one request   {ms(p50(t_node))}")
    print(f"  hand-written SQL over the readings                     {ms(p50(t_sql))}")
    print(f"  hand-written SQL over the rollup                       {ms(p50(t_roll))}")
    print(f"  ratio node+rollup / SQL on readings  {p50(t_node) / p50(t_sql):8.2f}")
    print(f"  ratio node+rollup / SQL on rollup    {p50(t_node) / p50(t_roll):8.2f}\n")


def check_same_weeks(space: dict[str, Any], weeks: dict[str, Weekly]) -> None:
    report = space["indoorAir"]
    got = {w["week"]: w for w in report["weeks"]}
    if sorted(got) != sorted(weeks):
        raise SystemExit(f"scale {space['id']}: the weeks differ")
    for label, mine in weeks.items():
        for k, v in mine.figures().items():
            ok = (
                math.isclose(got[label][k], v, rel_tol=1e-12) if k == "mean" else got[label][k] == v
            )
            if not ok:
                raise SystemExit(f"scale {space['id']} {label}: {k} differs")


def config_air(config: NodeConfig) -> IndoorAirConfig:
    if config.indoor_air is None:
        raise SystemExit("the atmo configuration has no [indoor_air] section")
    return config.indoor_air


async def main(repeat: int, with_scale: bool, classrooms: int) -> None:
    paths = demo()
    config = load_config(paths.atmo_toml)
    air = config_air(config)
    room = "TDGWG1TP7CPG/RDC/CL01"
    print(
        f"ICONE of {room} over {FROM[:10]} to {TO[:10]}; p50 of {repeat} calls each, interleaved\n"
    )
    with tempfile.TemporaryDirectory(prefix="guichet-bench-icone-") as tmp:
        work = Path(tmp)
        sqlite_hand = SqliteHandWritten(paths.atmo_db, air)
        await compare("SQLite (atmo.db)", enforced(config, work), sqlite_hand, room, work, repeat)
        copy = work / "atmo.db"  # the rollup is written into a copy, not the demo's file
        shutil.copy(paths.atmo_db, copy)
        rolled = rollup.with_rollup(enforced(config, work, f"sqlite+aiosqlite:///{copy}"))
        print(f"SQLite: {await rollup.build(rolled)}")
        by_hand = rollup.SqliteRollupHandWritten(copy, air)
        await compare_rollup("SQLite", rolled, sqlite_hand, by_hand, room, work, repeat)
        await sqlite_hand.aclose()
        await by_hand.aclose()
        with pg.cluster() as server:
            t0 = time.perf_counter()
            n = await pg.load_demo(server, paths.atmo_db, "atmo")
            print(f"PostgreSQL: {n:,} readings copied in {time.perf_counter() - t0:.0f} s")
            hand = PgHandWritten(pg.dsn(server, "atmo"), air)
            url = server.url("atmo")
            await compare("PostgreSQL", enforced(config, work, url), hand, room, work, repeat)
            rolled = rollup.with_rollup(enforced(config, work, url))
            print(f"PostgreSQL: {await rollup.build(rolled)}")
            pg_by_hand = rollup.PgRollupHandWritten(pg.dsn(server, "atmo"), air)
            await compare_rollup("PostgreSQL", rolled, hand, pg_by_hand, room, work, repeat)
            await hand.aclose()
            await pg_by_hand.aclose()
            if with_scale:
                await scale(config, server, work, classrooms, max(3, repeat // 5))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(
        prog="python -m bench.icone",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--repeat", type=int, default=20, help="calls per side (%(default)s)")
    ap.add_argument("--scale", action="store_true", help="add the 100-classroom run")
    ap.add_argument("--classrooms", type=int, default=100, help="with --scale (%(default)s)")
    a = ap.parse_args()
    asyncio.run(main(a.repeat, a.scale, a.classrooms))

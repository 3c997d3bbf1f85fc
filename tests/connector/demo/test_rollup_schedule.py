"""The node's own refresh of a managed ICONE rollup (``refresh_at``): when it runs (hand
computed, clock changes included), the catch-up at start of a real node app, the daily
loop, and a failed refresh that leaves the node answering."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa

from connector.app import create_app
from connector.config import NodeConfig
from connector.demo import DemoPaths
from connector.node import Node
from connector.rollup import IconeRollup
from connector.rollup_schedule import RollupSchedule, next_run
from tests.connector.conftest import Runner
from tests.connector.demo.test_icone_rollup import PERIOD_QUERY, ROOM, TABLE, configs, db

__all__ = ["db"]  # the fixture, imported

PARIS = ZoneInfo("Europe/Paris")
AT = time(2, 30)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 11:00 in Paris (UTC+1): tomorrow 02:30 local is 01:30 UTC
        (datetime(2026, 3, 10, 10, 0, tzinfo=UTC), datetime(2026, 3, 11, 1, 30, tzinfo=UTC)),
        # 02:00 in Paris: today, half an hour later
        (datetime(2026, 3, 10, 1, 0, tzinfo=UTC), datetime(2026, 3, 10, 1, 30, tzinfo=UTC)),
        # exactly 02:30 in Paris: not again now, tomorrow
        (datetime(2026, 3, 10, 1, 30, tzinfo=UTC), datetime(2026, 3, 11, 1, 30, tzinfo=UTC)),
        # 29 March 2026: clocks go from 02:00 to 03:00; 02:30 read at UTC+1 is 03:30 CEST
        (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # 25 October 2026: 02:30 happens twice; the first (CEST, UTC+2) only
        (datetime(2026, 10, 24, 12, 0, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (datetime(2026, 10, 25, 0, 31, tzinfo=UTC), datetime(2026, 10, 26, 1, 30, tzinfo=UTC)),
    ],
)
def test_the_next_refresh_is_the_next_local_refresh_time(now: datetime, expected: datetime) -> None:
    assert next_run(now, AT, PARIS) == expected


def scheduled(config: NodeConfig, at: str, days: int = 0) -> NodeConfig:
    assert config.indoor_air is not None and config.indoor_air.rollup is not None
    h, m = (int(x) for x in at.split(":"))
    rollup = dataclasses.replace(config.indoor_air.rollup, refresh_at=time(h, m), refresh_days=days)
    return dataclasses.replace(
        config, indoor_air=dataclasses.replace(config.indoor_air, rollup=rollup)
    )


def through(db: Path) -> str | None:
    with sqlite3.connect(db) as conn:
        try:
            row = conn.execute(f"SELECT through FROM {TABLE}_meta").fetchone()
        except sqlite3.OperationalError:
            return None  # no table: never refreshed
    return str(row[0]) if row else None


@pytest.mark.anyio
async def test_a_node_with_refresh_at_rolls_up_to_yesterday_when_it_starts(
    demo: DemoPaths, db: Path
) -> None:
    _, rolled = configs(demo, f"sqlite+aiosqlite:///{db}")
    config = dataclasses.replace(
        scheduled(rolled, "02:30"), usage=dataclasses.replace(rolled.usage, enforce=False)
    )
    assert through(db) is None
    app = create_app(config)
    yesterday = (datetime.now(PARIS) - timedelta(days=1)).date()
    async with app.router.lifespan_context(app):
        for _ in range(600):  # the catch-up runs in the background: up to 60 s
            if through(db) == yesterday.isoformat():
                break
            await asyncio.sleep(0.1)
        assert through(db) == yesterday.isoformat()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            r = await client.post(
                "/graphql",
                json={
                    "query": PERIOD_QUERY,
                    "variables": {
                        "id": ROOM,
                        "a": "2025-09-01T00:00:00+02:00",
                        "b": "2026-09-01T00:00:00+02:00",
                    },
                },
            )
    assert r.status_code == 200 and "errors" not in r.json()
    with sqlite3.connect(db) as conn:  # the room's year from the rollup's own rows
        (n,) = conn.execute(
            f"SELECT count(*) FROM {TABLE} WHERE space = ? AND day >= '2025-09-01' "
            "AND day < '2026-09-01'",
            (ROOM,),
        ).fetchone()
    assert n > 300  # a row per day of the demo year in the table the node built itself


@pytest.mark.anyio
async def test_the_daily_loop_sleeps_until_refresh_at_then_rolls_back_refresh_days(
    demo: DemoPaths, db: Path
) -> None:
    _, rolled = configs(demo, f"sqlite+aiosqlite:///{db}")
    node = Node.from_config(rolled)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            raise asyncio.CancelledError  # stop after the first daily refresh

    # 10:00 in Paris on 7 December 2026 (UTC+1): 02:30 tomorrow is 16 h 30 min away
    clock = lambda: datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # noqa: E731
    schedule = RollupSchedule(
        IconeRollup(rolled, node.sources), node, AT, 3, clock=clock, sleep=sleep
    )
    try:
        with pytest.raises(asyncio.CancelledError):
            await schedule.run()
    finally:
        await node.aclose()
    assert slept == [16.5 * 3600, 16.5 * 3600]
    catch_up, daily = schedule.done
    assert catch_up.full  # never built: from the first reading
    assert not daily.full and daily.first == date(2026, 12, 3)  # 6 December, 3 days back


@pytest.mark.anyio
async def test_a_failed_refresh_is_logged_and_the_loop_goes_on(
    demo: DemoPaths, db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, rolled = configs(demo, f"sqlite+aiosqlite:///{db}")
    assert rolled.indoor_air is not None and rolled.indoor_air.rollup is not None
    unwritable = dataclasses.replace(  # a database in a folder that does not exist
        rolled.indoor_air.rollup, url=f"sqlite:///{tmp_path}/no/such/dir/w.db"
    )
    rolled = dataclasses.replace(
        rolled, indoor_air=dataclasses.replace(rolled.indoor_air, rollup=unwritable)
    )
    node = Node.from_config(rolled)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            raise asyncio.CancelledError

    schedule = RollupSchedule(IconeRollup(rolled, node.sources), node, AT, sleep=sleep)
    try:
        with (
            caplog.at_level(logging.ERROR, logger="guichet.rollup"),
            pytest.raises(asyncio.CancelledError),
        ):
            await schedule.run()
    finally:
        await node.aclose()
    assert schedule.done == []  # neither the catch-up nor the daily refresh could write
    failures = [r.getMessage() for r in caplog.records if "refresh failed" in r.getMessage()]
    assert len(failures) == 2 and all(TABLE in f for f in failures)


@pytest.mark.anyio
async def test_the_rollup_is_read_by_its_primary_key(demo: DemoPaths, db: Path) -> None:
    """The statement reading the rollup, captured at the driver, walks the (space, day)
    primary key for the rooms asked: no scan of the table."""
    _, rolled = configs(demo, f"sqlite+aiosqlite:///{db}")
    node = Node.from_config(rolled)
    try:
        await IconeRollup(rolled, node.sources).refresh(node)
        source = node.sources["plateforme"]
        seen: list[tuple[str, Any]] = []

        def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
            seen.append((statement, params))

        engine = source.sync_engine  # type: ignore[attr-defined]
        sa.event.listen(engine, "before_cursor_execute", capture)
        got = await Runner(node)(
            PERIOD_QUERY, id=ROOM, a="2025-09-01T00:00:00+02:00", b="2026-09-01T00:00:00+02:00"
        )
        sa.event.remove(engine, "before_cursor_execute", capture)
    finally:
        await node.aclose()
    assert got.errors is None, got.errors
    reads = [(s, p) for s, p in seen if f"{TABLE}.day" in s]
    assert reads, [s for s, _ in seen]
    with sqlite3.connect(db) as conn:
        for statement, params in reads:
            plan = " | ".join(
                row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + statement, params)
            )
            uses = [p for p in plan.split(" | ") if f"{TABLE} " in p + " " and "_meta" not in p]
            # SQLite's index of a non-integer primary key is its autoindex
            key = f"SEARCH {TABLE} USING INDEX sqlite_autoindex_{TABLE}_1 (space=? AND day>"
            assert uses and all(p.startswith(key) for p in uses), plan

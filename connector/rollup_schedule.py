"""The node's own refresh of a managed ICONE rollup: ``refresh_at = "HH:MM"``.

Without it a scheduler (cron, a systemd timer) runs ``guichet rollup refresh``. With it
the node does the same itself: once at start when the rollup is behind yesterday (absent,
never refreshed, another fingerprint, or the node was down at the last refresh time),
then every day at ``refresh_at`` in the readings' time zone, rolling again the
``refresh_days`` days before yesterday so that readings arriving late are counted. A
failed refresh is logged and tried again at the next time: the answers stay exact in the
meantime (the days the rollup lacks come from the readings), only slower.

Several processes of one node each run the schedule. Their refreshes do not corrupt the
table: on PostgreSQL they take the refresh's advisory lock in turn, on SQLite the
database serialises their write transactions; both write the same rows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connector.background import Background
from connector.config import NodeConfig
from connector.rollup import IconeRollup, Refreshed

log = logging.getLogger("guichet.rollup")


def next_run(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first instant after ``now`` whose local time in ``zone`` is ``at`` (UTC). A
    local time skipped by a clock change (02:30 on the last Sunday of March in Paris)
    is read with the offset before the change (03:30 summer time), one that happens twice
    (02:30 on the last Sunday of October) is its first occurrence only."""
    local = now.astimezone(zone)
    for days in range(3):
        day = local.date() + timedelta(days=days)
        candidate = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
        if candidate > now:
            return candidate
    raise AssertionError("unreachable: a local time occurs at least once in three days")


class RollupSchedule:
    """Refreshes ``rollup`` at start when it is behind, then daily at ``at``."""

    def __init__(
        self,
        rollup: IconeRollup,
        node: Any,
        at: time,
        days: int = 0,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rollup, self.node, self.at, self.days = rollup, node, at, days
        self.clock, self.sleep = clock, sleep
        self.done: list[Refreshed] = []  # what each refresh of this process did
        self._background = Background(self.run, name=f"rollup-{rollup.config.table}")

    async def refresh(self) -> Refreshed | None:
        """One refresh: the days since the last one, and ``days`` more before yesterday."""
        yesterday = self.clock().astimezone(self.rollup.tz).date() - timedelta(days=1)
        since = yesterday - timedelta(days=self.days) if self.days else None
        try:
            done = await self.rollup.refresh(self.node, since=since)
        except Exception as exc:  # a background task: logged, tried again next time
            log.error("rollup %s: refresh failed: %s", self.rollup.config.table, exc)
            return None
        log.info(
            "rollup %s: %s %s to %s, %d rows",
            self.rollup.config.table,
            "rebuilt" if done.full else "refreshed",
            done.first,
            done.last,
            done.rows,
        )
        self.done.append(done)
        return done

    async def catch_up(self) -> Refreshed | None:
        """A refresh if the rollup does not yet hold yesterday for this node's hours."""
        yesterday = self.clock().astimezone(self.rollup.tz).date() - timedelta(days=1)
        try:
            through = await self.rollup.through()
        except Exception as exc:
            log.error("rollup %s: state unreadable: %s", self.rollup.config.table, exc)
            through = None
        if through is not None and through >= yesterday:
            return None
        return await self.refresh()

    async def run(self) -> None:
        """The catch-up, then a refresh every day at ``at``, until cancelled."""
        await self.catch_up()
        while True:
            now = self.clock()
            await self.sleep((next_run(now, self.at, self.rollup.tz) - now).total_seconds())
            await self.refresh()

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()


def schedule(config: NodeConfig, node: Any) -> RollupSchedule | None:
    """The schedule of a node whose ``[indoor_air.rollup]`` is managed with
    ``refresh_at``, else None."""
    air = config.indoor_air
    rollup = air.rollup if air is not None else None
    if rollup is None or not rollup.managed or rollup.refresh_at is None:
        return None
    return RollupSchedule(
        IconeRollup(config, node.sources), node, rollup.refresh_at, rollup.refresh_days
    )

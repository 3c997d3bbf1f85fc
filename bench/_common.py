"""Shared helpers of the benchmarks: the demo data space, timing, and reporting."""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from connector.config import NodeConfig
from connector.demo.generate import DemoPaths, generate

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / ".guichet-demo"


def without_enforcement(config: NodeConfig) -> NodeConfig:
    return replace(config, usage=replace(config.usage, enforce=False))


def demo() -> DemoPaths:
    return generate(DEMO_DIR)


class RawSqlite:
    """The raw SQL baseline on SQLite: one connection opened once (read-only), each
    statement executed and fetched in ONE worker-thread call — the best an asyncio server
    can do without blocking its loop (aiosqlite, the previous baseline, hands off to its
    thread three times a statement: 10 to 35 % slower on the demo's pages)."""

    def __init__(self, file: Path) -> None:
        self.db = sqlite3.connect(f"file:{file}?mode=ro", uri=True, check_same_thread=False)

    async def fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        return await asyncio.to_thread(lambda: self.db.execute(sql, params).fetchall())

    def close(self) -> None:
        self.db.close()


async def timed(fn: Callable[[], Awaitable[object]], *, repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls, after one warm-up call."""
    await fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - t0)
    return out


async def side_by_side(
    a: Callable[[], Awaitable[object]], b: Callable[[], Awaitable[object]], *, repeat: int
) -> tuple[list[float], list[float]]:
    """Alternate the two so that machine noise hits both alike."""
    await a()
    await b()
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(repeat):
        for fn, acc in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            await fn()
            acc.append(time.perf_counter() - t0)
    return ta, tb


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def ms(x: float) -> str:
    return f"{1000 * x:8.2f} ms"

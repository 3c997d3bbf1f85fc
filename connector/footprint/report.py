"""``guichet footprint CONFIG``: what answering cost on one node, per dataset, over a
period — requests, CPU time, bytes sent, energy and g CO2e — from the totals its processes
wrote to its state database, with the factors used and their sources."""

from __future__ import annotations

import asyncio
import csv
import sys
from datetime import UTC, date, datetime
from typing import TextIO

from connector.audit import state_engines
from connector.config import NodeConfig
from connector.errors import ConfigError, ConfigIssue
from connector.footprint.factors import Factors
from connector.footprint.meter import Totals
from connector.footprint.store import FootprintStore, hour_of


def hour_bound(text: str | None, option: str) -> str | None:
    """``--since``/``--until`` (an ISO date or date-time; a time without offset is UTC) as
    the hour key it starts at."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            when = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        else:
            when = datetime.fromisoformat(text)
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
    except ValueError:
        raise ConfigError(
            [ConfigIssue(option, "", f"{text!r}: expected a date (2026-12-01) or date-time")]
        ) from None
    return hour_of(when)


async def read(config: NodeConfig, since: str | None, until: str | None) -> dict[str, Totals]:
    engine, writer = state_engines(config.usage.audit_db)
    try:
        return await FootprintStore(engine, writer).totals(since, until)
    finally:
        await engine.dispose()


def write(totals: dict[str, Totals], factors: Factors, fmt: str, out: TextIO, period: str) -> None:
    rows = []
    for name, t in sorted(totals.items()):
        wh = factors.energy_wh(t.cpu_seconds, t.bytes_sent)
        rows.append((name, t, wh, factors.grams_co2e(wh)))
    if fmt == "csv":
        w = csv.writer(out)
        w.writerow(["dataset", "requests", "cpu_seconds", "bytes_sent", "energy_wh", "g_co2e"])
        for name, t, wh, g in rows:
            w.writerow(
                [
                    name,
                    f"{t.requests:.2f}",
                    f"{t.cpu_seconds:.4f}",
                    f"{t.bytes_sent:.0f}",
                    f"{wh:.6f}",
                    f"{g:.6f}",
                ]
            )
        return
    print(f"footprint {period}", file=out)
    width = max([len("dataset"), len("total"), *(len(n) for n in totals)])
    print(
        f"{'dataset':<{width}} {'requests':>9} {'CPU s':>9} {'MB sent':>9} {'Wh':>10} "
        f"{'g CO2e':>10}",
        file=out,
    )
    total = Totals()
    for name, t, wh, g in rows:
        total.add(t)
        print(
            f"{name:<{width}} {t.requests:9.1f} {t.cpu_seconds:9.2f} "
            f"{t.bytes_sent / 1e6:9.3f} {wh:10.4g} {g:10.4g}",
            file=out,
        )
    wh = factors.energy_wh(total.cpu_seconds, total.bytes_sent)
    print(
        f"{'total':<{width}} {total.requests:9.1f} {total.cpu_seconds:9.2f} "
        f"{total.bytes_sent / 1e6:9.3f} {wh:10.4g} {factors.grams_co2e(wh):10.4g}",
        file=out,
    )
    print("factors: " + "; ".join(factors.describe()), file=out)
    print(
        "a request that read several datasets counts for each a share; '-' is what read "
        "no dataset (health, catalog, refusals...)",
        file=out,
    )


def run(
    config: NodeConfig,
    since: str | None,
    until: str | None,
    fmt: str,
    out: TextIO = sys.stdout,
) -> int:
    lo, hi = hour_bound(since, "--since"), hour_bound(until, "--until")
    totals = asyncio.run(read(config, lo, hi))
    period = f"of node {config.name}, {since or 'the start'} to {until or 'now'} (UTC hours)"
    write(totals, config.footprint.factors, fmt, out, period)
    return 0

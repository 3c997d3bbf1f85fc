"""``guichet rollup refresh CONFIG [--full] [--since DAY]``: build or bring up to date the
daily rollup of ``[indoor_air.rollup]`` (:mod:`connector.rollup`) in the partner's
database, up to yesterday (local time). Run it after the night's readings have arrived
(e.g. from cron at 02:00); ``--since DAY`` rolls the days from DAY up again (readings
that arrived late), ``--full`` rebuilds the table from the first reading.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from datetime import date

from connector.commands import guarded
from connector.config import load_config
from connector.errors import ConfigError, ConfigIssue


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="guichet rollup",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    refresh = sub.add_parser("refresh", help="bring the daily rollup up to yesterday")
    refresh.add_argument("config", help="the node's configuration (TOML)")
    refresh.add_argument("--full", action="store_true", help="rebuild it from the first reading")
    refresh.add_argument("--since", help="roll the days from this local date (YYYY-MM-DD) again")
    return p


def _refresh(args: argparse.Namespace) -> int:
    from connector.node import Node
    from connector.rollup import IconeRollup

    config = load_config(args.config)
    if config.indoor_air is None or config.indoor_air.rollup is None:
        raise ConfigError(
            [ConfigIssue(str(args.config), "indoor_air.rollup", "missing: nothing to refresh")]
        )
    since = None
    if args.since is not None:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            raise ConfigError(
                [ConfigIssue("--since", "", f"expected a date YYYY-MM-DD, got {args.since!r}")]
            ) from None

    async def run() -> int:
        node = Node.from_config(config)
        try:
            rollup = IconeRollup(config, node.sources)
            done = await rollup.refresh(node, full=args.full, since=since)
        finally:
            await node.aclose()
        how = "rebuilt" if done.full else "refreshed"
        span = f"{done.first} to {done.last}" if done.first else f"nothing by {done.last}"
        print(f"{rollup.config.table}: {how}, {span}: {done.rows} rows (space, day)")
        return 0

    return asyncio.run(run())


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``guichet rollup ...`` (``argv`` without the ``guichet rollup`` prefix)."""
    args = parser().parse_args(argv)
    return guarded(_refresh, args)

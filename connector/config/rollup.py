"""``[indoor_air.rollup]``: a daily rollup of the occupied CO2 readings that ICONE reads
for whole days instead of the readings themselves (:mod:`connector.rollup`).

Managed (the default): the node creates and refreshes the table itself, in the partner's
database, through ``url`` (a login with write rights there; default: the source's own
URL, opened for writing), and, with ``refresh_at``, refreshes it every day at that local
time (:mod:`connector.rollup_schedule`). Not managed: the partner's existing rollup table, its
``columns`` named one by one; the node trusts its definition (same hours and thresholds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from connector.config._checker import Checker

CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
COLUMNS = (
    "space",
    "day",
    "n",
    "n_above_f1_lower",
    "n_above_f2_lower",
    "n_above_guidance",
    "n_above_action",
    "total",
    "max",
)
"""What a rollup row holds, per space and local day of occupied hours: the readings'
count, their counts above the four ICONE thresholds, their sum and their maximum."""


@dataclass(frozen=True)
class RollupConfig:
    """``table`` (``name`` or ``schema.name``); ``managed``: the node builds it; ``url``:
    where it writes it (managed only); ``columns``: the partner's column for each of
    :data:`COLUMNS` (not managed only; ``space`` may list several columns, joined with
    ``separator`` as the spaces' ids are); ``refresh_at``: the local time (the readings'
    zone) at which the node refreshes a managed rollup every day, None for never (a
    scheduler runs ``guichet rollup refresh``); ``refresh_days``: how many days before
    yesterday each of those refreshes rolls again (readings that arrive late)."""

    table: str
    managed: bool = True
    url: str | None = None
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    separator: str = "/"
    refresh_at: time | None = None
    refresh_days: int = 0


def parse_rollup(c: Checker, table: Mapping[str, Any], file: Path) -> RollupConfig | None:
    if not table:
        return None
    key = "indoor_air.rollup"
    c.unknown(
        table,
        key,
        {"table", "managed", "url", "columns", "separator", "refresh_at", "refresh_days"},
    )
    name = c.string(table, key, "table")
    if name and not NAME.match(name):
        c.fail(f"{key}.table", f"expected a table name (name or schema.name), got {name!r}")
    managed = table.get("managed", True)
    if not isinstance(managed, bool):
        c.fail(f"{key}.managed", f"expected true or false, got {managed!r}")
        managed = True
    url = table.get("url")
    if url is not None:
        from connector.config.sections import resolve_sqlite

        if not managed:
            c.fail(f"{key}.url", "only a managed rollup is written by the node (managed = true)")
        url = resolve_sqlite(c.string(table, key, "url"), file)
    separator = c.string(table, key, "separator", required=False, default="/")
    columns: dict[str, tuple[str, ...]] = {}
    raw = table.get("columns")
    if managed and raw is not None:
        c.fail(f"{key}.columns", "a managed rollup names its own columns (remove columns)")
    elif not managed:
        if not isinstance(raw, dict):
            c.fail(f"{key}.columns", f"missing table, expected {{ {', '.join(COLUMNS)} }}")
        else:
            c.unknown(raw, f"{key}.columns", set(COLUMNS))
            for col in COLUMNS:
                value = raw.get(col)
                names = [value] if isinstance(value, str) else value
                many = col == "space" and isinstance(value, list)
                if not (
                    isinstance(names, list)
                    and names
                    and (many or len(names) == 1)
                    and all(isinstance(n, str) and NAME.match(n) for n in names)
                ):
                    c.fail(f"{key}.columns.{col}", f"expected a column name, got {value!r}")
                    continue
                columns[col] = tuple(names)
    refresh_at, refresh_days = _schedule(c, table, key, managed)
    return RollupConfig(name, managed, url, columns, separator, refresh_at, refresh_days)


def _schedule(
    c: Checker, table: Mapping[str, Any], key: str, managed: bool
) -> tuple[time | None, int]:
    """``refresh_at = "HH:MM"`` and ``refresh_days = N`` (managed rollups only)."""
    at, days = table.get("refresh_at"), table.get("refresh_days", 0)
    if not managed and (at is not None or "refresh_days" in table):
        c.fail(f"{key}.refresh_at", "only a managed rollup is refreshed by the node")
        return None, 0
    when = None
    if at is not None:
        found = CLOCK.match(at) if isinstance(at, str) else None
        if found is None:
            c.fail(f"{key}.refresh_at", f"expected a local time HH:MM, got {at!r}")
        else:
            when = time(int(found[1]), int(found[2]))
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
        c.fail(f"{key}.refresh_days", f"expected a whole number of days, 0 to 366, got {days!r}")
        days = 0
    elif days and when is None:
        c.fail(f"{key}.refresh_days", "needs refresh_at (the daily refresh it applies to)")
    return when, days

"""ICONE's daily rollup: one row per space and local day of the occupied-hours readings.

A school year of 10-minute readings is about 50,000 rows per sensor; the same year rolled
up per day is 365. With ``[indoor_air.rollup]`` the node reads whole local days of a
period from that rollup, and the rest (the period's cut first and last days, and the
days after the rollup's last complete day: today, or every day since the last refresh)
from the readings, so that the answer is the same as from the readings alone. Bounded
statements, whatever the rows: the rollup grouped by space and week with its state (one
statement), and at most two statements on the readings (before and after the whole
days).

A rollup row counts the readings inside the node's ``hours`` on every day of the week:
the weekdays and the calendar's days without class are applied to the day rows when
they are read, so that a new day off in the calendar needs no rebuild. What they were
counted with (hours, thresholds, CO2 code, time zone, the readings' mapping) is stamped
as a ``fingerprint`` in the ``<table>_meta`` table; a node whose fingerprint differs
does not read the rollup (it answers from the readings) until it is rebuilt.

Managed (``managed = true``, the default), the node builds the table itself through
:func:`refresh` (``guichet rollup refresh CONFIG [--full] [--since DAY]``): the days from
the last complete one rolled up to yesterday (local), computed by the node's own SQL
builder from the readings, written with ``delete`` and ``insert`` in one transaction
with the new state. A reading that arrives late for a day already rolled up is not in
the rollup (the answers then differ from the readings' until ``--since DAY`` or
``--full``). Not managed, the partner's own table is read as mapped, trusted complete
up to yesterday, with the node's hours and thresholds (the node cannot check them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from connector.config import IndoorAirConfig, NodeConfig
from connector.config.rollup import RollupConfig
from connector.domain.icone import (
    ABOVE_ACTION,
    ABOVE_F1_LOWER,
    ABOVE_F2_LOWER,
    ABOVE_GUIDANCE,
    COUNT,
    MAX,
    MEAN,
    TOTAL,
    icone_aggregate,
    icone_constants,
)
from connector.errors import ConfigError, ConfigIssue, SourceError
from connector.sources.base import (
    Aggregate,
    Condition,
    Measure,
    Row,
    Source,
    TimeBucket,
    TimeWindow,
)
from connector.sources.sql import SqlSource, engine_url

VERSION = 1  # of the managed table's layout and meaning
CHUNK_DAYS = 31  # days computed per statement when the rollup is (re)built
LOCK = 0x1C0E  # PostgreSQL advisory lock key of a refresh
EVERY_DAY = (1, 2, 3, 4, 5, 6, 7)
COUNTS = (COUNT, ABOVE_F1_LOWER, ABOVE_F2_LOWER, ABOVE_GUIDANCE, ABOVE_ACTION)
RawWeeks = Callable[[datetime, datetime], Awaitable[list[Row]]]


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: the days rolled up (``first`` to ``last``), the rows written,
    whether it rebuilt the table from the first reading."""

    first: date | None
    last: date
    rows: int
    full: bool


class IconeRollup:
    """The rollup of one node's ``[indoor_air]``, in the database of its readings."""

    def __init__(self, config: NodeConfig, sources: dict[str, Source]) -> None:
        air = config.indoor_air
        mapping = config.entities.get("Observation")
        if air is None or air.rollup is None or mapping is None:
            raise _error("indoor_air.rollup", "needs [indoor_air] and mapped Observation")
        source = sources.get(mapping.source)
        if not isinstance(source, SqlSource):
            raise _error(
                "indoor_air.rollup", f"the readings' source {mapping.source!r} is not an SQL one"
            )
        self.config: RollupConfig = air.rollup
        self.air: IndoorAirConfig = air
        self.source = source
        self.zone = mapping.fields["resultTime"].timezone or "UTC"
        self.tz = ZoneInfo(self.zone)
        self.table, self.meta = _tables(self.config)
        self.postgres = source.engine.dialect.name == "postgresql"
        self.url = self.config.url or config.sources[mapping.source].url or ""
        self._fingerprint = _fingerprint(air, self.zone, mapping)
        self._week, self._calendar = _weeks(self.table.c.day, self.postgres, air)
        # the state's last complete day for this node's fingerprint (no row: another's)
        self._state = sa.select(self.meta.c.through).where(
            self.meta.c.fingerprint == self._fingerprint
        )

    # reading --------------------------------------------------------------------------
    async def through(self) -> date | None:
        """The last local day the rollup holds completely for this node's definition;
        None when it cannot be used (absent, never refreshed, another fingerprint)."""
        if not self.config.managed:
            return self.today() - timedelta(days=1)
        try:
            rows = await self.source.rows(self._state)
        except SourceError:
            return None  # no table yet: the readings answer
        found = rows[0][0] if rows else None
        return _as_date(found) if found is not None else None

    def today(self) -> date:
        return datetime.now(UTC).astimezone(self.tz).date()

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time()).replace(tzinfo=self.tz).astimezone(UTC)

    async def weekly(
        self, spaces: Sequence[str], start: datetime, end: datetime, raw: RawWeeks
    ) -> list[Row] | None:
        """Each space's rows per week over ``[start, end)``, as the readings' weekly
        statement gives them (mean = sum / count), or None when the rollup cannot say
        anything of the period (absent, stale, or no whole day of it rolled up): then
        the readings alone answer."""
        a, b = start.astimezone(self.tz), end.astimezone(self.tz)
        first = a.date() if a.replace(tzinfo=None).time() == time() else a.date() + timedelta(1)
        last = b.date() - timedelta(days=1)
        if first > last:
            return None
        found = await self._rolled(spaces, first, last)
        if found is None:
            return None
        through, rows = found
        last = min(last, through)
        if first > last:
            return None
        lo, hi = self.midnight(first), self.midnight(last + timedelta(days=1))
        if start < lo:
            rows += await raw(start, lo)
        if hi < end:
            rows += await raw(hi, end)
        return _merged(rows)

    async def _rolled(
        self, spaces: Sequence[str], first: date, last: date
    ) -> tuple[date, list[Row]] | None:
        """The rollup's last complete day and its rows by space and week of the days
        ``first`` to ``last`` (up to that day), in one statement; None when the rollup
        cannot be used (absent, never refreshed, another fingerprint)."""
        t = self.table.c
        day: Any = t.day
        if self.config.managed:
            through: Any = self._state.scalar_subquery()
        else:
            through = sa.literal(self.today() - timedelta(days=1), sa.Date)
        grouped = (
            sa.select(
                t.space,
                self._week.label("week"),
                *(sa.func.sum(t[c]).label(c) for c in COUNTS),
                sa.func.sum(t.total).label(TOTAL),
                sa.func.max(t.max).label(MAX),
            )
            .where(
                t.space.in_(list(dict.fromkeys(spaces))),
                day >= first,
                day <= last,
                day <= through,
                *self._calendar,
            )
            .group_by(t.space, self._week)
            .subquery("weeks")
        )
        # the state's row, with the weeks' rows beside it (or NULLs): no row at all when
        # the state is another node's
        if self.config.managed:
            head = self._state.subquery("state")
        else:
            head = sa.select(through.label("through")).subquery("state")
        stmt = sa.select(head.c.through, *grouped.c).select_from(head.outerjoin(grouped, sa.true()))
        try:
            found = await self.source.rows(stmt)
        except SourceError:
            return None  # no table yet: the readings answer
        if not found or found[0][0] is None:
            return None
        out: list[Row] = []
        for r in found:
            if r[1] is None:
                continue  # the state alone: no day of the period rolled up
            row: Row = {"spaceId": str(r[1]), "resultTime": self.midnight(_as_date(r[2]))}
            row.update({c: int(r[3 + i] or 0) for i, c in enumerate(COUNTS)})
            row[TOTAL], row[MAX] = float(r[-2]), float(r[-1])
            out.append(row)
        return _as_date(found[0][0]), out

    # building -------------------------------------------------------------------------
    def engine(self) -> AsyncEngine:
        """An engine that may write (the source's own is read-only)."""
        return create_async_engine(engine_url(self.url).difference_update_query(["mode"]))

    async def refresh(
        self, node: Any, *, full: bool = False, since: date | None = None
    ) -> Refreshed:
        """Roll up the days after the last complete one (all days with ``full``, or
        from ``since``) up to yesterday, local time, and record the new state."""
        if not self.config.managed:
            raise _error("indoor_air.rollup.managed", "the node refreshes a managed rollup only")
        last = self.today() - timedelta(days=1)
        engine = self.engine()
        try:
            async with engine.begin() as conn:
                await conn.run_sync(self.table.metadata.create_all)
            through = None if full else await self.through()
            if full or through is None:
                full, first = True, await self._first_day(node)
            else:
                first = through + timedelta(days=1)
            if since is not None and not full and first is not None:
                first = min(first, since)
            chunks = self._chunks(node, first, last)
            rows: list[dict[str, Any]] = []
            if not self.postgres:  # computed first: SQLite's writer would block the reads
                rows = [r async for chunk in chunks for r in chunk]
            async with engine.begin() as conn:
                if self.postgres:  # one refresh at a time (else both insert the same days)
                    await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK)))
                delete = sa.delete(self.table)
                if not full and first is not None:
                    delete = delete.where(self.table.c.day >= first)
                await conn.execute(delete)
                written = 0
                if self.postgres:  # chunk by chunk: memory stays flat
                    async for chunk in chunks:
                        if chunk:
                            await conn.execute(sa.insert(self.table), chunk)
                        written += len(chunk)
                elif rows:
                    await conn.execute(sa.insert(self.table), rows)
                    written = len(rows)
                await conn.execute(sa.delete(self.meta))
                stamp = {"fingerprint": self._fingerprint, "through": last}
                await conn.execute(sa.insert(self.meta), [{**stamp, "refreshed": _now()}])
        finally:
            await engine.dispose()
        return Refreshed(first, last, written, full)

    async def _chunks(
        self, node: Any, first: date | None, last: date
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """The rollup rows of the days ``first`` to ``last``, by runs of CHUNK_DAYS."""
        day = first
        while day is not None and day <= last:
            end = min(day + timedelta(days=CHUNK_DAYS), last + timedelta(days=1))
            yield await self._compute(node, day, end)
            day = end

    async def _first_day(self, node: Any) -> date | None:
        query = Aggregate(
            "Observation",
            (Measure("first", "min", "resultTime"),),
            (Condition("observedProperty", "eq", self.air.co2),),
        )
        found = (await node.aggregate(query))[0].get("first")
        return found.astimezone(self.tz).date() if isinstance(found, datetime) else None

    async def _compute(self, node: Any, first: date, end: date) -> list[dict[str, Any]]:
        """The rollup rows of the local days ``[first, end)``, by the node's builder."""
        hours = TimeWindow(EVERY_DAY, self.air.hours)
        query = icone_aggregate(
            start=self.midnight(first),
            end=self.midnight(end),
            group_by=("spaceId",),
            co2_property=self.air.co2,
            by_week=True,  # for the sum; the bucket is the day below
            where=(Condition("resultTime", "within", hours),),
        )
        query = replace(query, bucket=TimeBucket("resultTime", "day"))
        out = []
        for r in await node.aggregate(query):
            when = r["resultTime"]
            assert isinstance(when, datetime)
            row = {"space": str(r["spaceId"]), "day": when.astimezone(self.tz).date()}
            row.update({c: r[c] for c in COUNTS})
            row["total"], row["max"] = r[TOTAL], r[MAX]
            out.append(row)
        return out


def _merged(rows: list[Row]) -> list[Row]:
    """Rows of the same space and week added up (rollup and readings), mean = sum / n."""
    by: dict[tuple[str, object], Row] = {}
    for r in rows:
        key = (str(r["spaceId"]), r["resultTime"])
        have = by.get(key)
        if have is None:
            by[key] = dict(r)
            continue
        for c in COUNTS:
            have[c] = int(have[c]) + int(r[c])  # type: ignore[call-overload]
        have[TOTAL] = float(have[TOTAL]) + float(r[TOTAL])  # type: ignore[arg-type]
        have[MAX] = max(float(have[MAX]), float(r[MAX]))  # type: ignore[arg-type]
    for r in by.values():
        r[MEAN] = float(r[TOTAL]) / int(r[COUNT])  # type: ignore[arg-type, call-overload]
    return sorted(by.values(), key=lambda r: (str(r["spaceId"]), str(r["resultTime"])))


def _tables(config: RollupConfig) -> tuple[Any, sa.Table]:
    """The rollup (the managed table, or the partner's seen through its columns) and
    the table of its state."""
    schema, _, name = config.table.rpartition(".")
    md = sa.MetaData(schema=schema or None)
    table: Any
    if config.managed:
        table = sa.Table(
            name,
            md,
            sa.Column("space", sa.String, primary_key=True),
            sa.Column("day", sa.Date, primary_key=True),
            *(sa.Column(c, sa.Integer, nullable=False) for c in COUNTS),
            sa.Column("total", sa.Float, nullable=False),
            sa.Column("max", sa.Float, nullable=False),
        )
    else:
        cols = config.columns
        kinds: dict[str, Any] = {"day": sa.Date(), "total": sa.Float(), "max": sa.Float()}
        typed: dict[str, Any] = {
            n: kinds.get(c, sa.Integer()) for c, ns in cols.items() for n in ns
        }
        for n in cols["space"]:
            typed[n] = sa.String()
        theirs = sa.table(name, *(sa.column(n, t) for n, t in typed.items()), schema=schema or None)
        space = _joined([theirs.c[n] for n in cols["space"]], config.separator)
        others = [theirs.c[cols[c][0]].label(c) for c in cols if c != "space"]
        table = sa.select(space.label("space"), *others).subquery("rollup")
    meta = sa.Table(
        f"{name}_meta",
        md,
        sa.Column("fingerprint", sa.String, nullable=False),
        sa.Column("through", sa.Date, nullable=False),
        sa.Column("refreshed", sa.String, nullable=False),
    )
    return table, meta


def _weeks(day: Any, postgres: bool, air: IndoorAirConfig) -> tuple[Any, tuple[Any, ...]]:
    """A day's week (its Monday) and the conditions keeping the node's days (its
    weekdays, not its days without class), in the rollup's SQL dialect: fixed per node."""
    week: Any
    if postgres:
        week = sa.cast(sa.func.date_trunc("week", day), sa.Date)
        weekday = sa.cast(sa.extract("isodow", day), sa.Integer)
        days = [d for d in air.weekdays]
    else:
        week = sa.func.date(day, "weekday 0", "-6 days")
        weekday = sa.cast(sa.func.strftime("%w", day), sa.Integer)
        days = [d % 7 for d in air.weekdays]
    off = [sa.and_(day >= a, day <= b) for a, b in air.excluded]
    return week, (weekday.in_(days), sa.not_(sa.or_(sa.false(), *off)))


def _joined(cols: list[Any], sep: str) -> Any:
    out: Any = cols[0]
    for c in cols[1:]:
        out = out + sa.literal(sep) + c
    return out


def _fingerprint(air: IndoorAirConfig, zone: str, mapping: Any) -> str:
    """What a rollup row's counts depend on: a changed one needs a rebuild."""
    c = icone_constants()
    what = {
        "version": VERSION,
        "hours": [[a.isoformat(), b.isoformat()] for a, b in air.hours],
        "thresholds": [c.f1_lower_ppm, c.f2_lower_ppm, c.guidance_ppm, c.action_ppm],
        "co2": air.co2,
        "zone": zone,
        "readings": repr(mapping),  # its table, columns, filters: any change rebuilds
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:32]


def _as_date(raw: object) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    return date.fromisoformat(str(raw)[:10])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _error(key: str, message: str) -> ConfigError:
    return ConfigError([ConfigIssue("[indoor_air.rollup]", key, message)])

"""The hand-written side of ``bench.icone``: the best statements found for weekly ICONE
counts, on SQLite (sqlite3, one worker-thread call a statement) and on PostgreSQL
(asyncpg), written directly against Atmo's tables, independently of the node's SQL
builder.

Both walk the room's CO2 sensor first and read one range of ``idx_mesures_capteur`` per
occupied interval (class days × the school's hours, listed in Python from the node's
``[indoor_air]``), so only occupied readings are touched. The index itself is computed
here from the cited formula (CSTB: 2.5 / log10(2) × log10(1 + f1 + 3·f2), rounded, 0-5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import asyncpg

from bench._common import RawSqlite
from connector.config import IndoorAirConfig

YEAR = (date(2025, 9, 1), date(2026, 9, 1))  # [first day, end day) in local time


@dataclass(frozen=True)
class Weekly:
    """Counts of one room's occupied CO2 readings over a week (or pooled weeks)."""

    n: int
    above_1000: int
    above_1700: int
    above_800: int
    above_1500: int
    total: float
    peak: float

    @staticmethod
    def pooled(weeks: list[Weekly]) -> Weekly:
        return Weekly(
            sum(w.n for w in weeks),
            sum(w.above_1000 for w in weeks),
            sum(w.above_1700 for w in weeks),
            sum(w.above_800 for w in weeks),
            sum(w.above_1500 for w in weeks),
            sum(w.total for w in weeks),
            max(w.peak for w in weeks),
        )

    def figures(self) -> dict[str, Any]:
        f1 = (self.above_1000 - self.above_1700) / self.n
        f2 = self.above_1700 / self.n
        exact = 2.5 / math.log10(2) * math.log10(1 + f1 + 3 * f2)
        return {
            "icone": max(0, min(5, math.floor(round(exact, 9) + 0.5))),
            "f1": f1,
            "f2": f2,
            "shareAbove800": self.above_800 / self.n,
            "shareAbove1500": self.above_1500 / self.n,
            "mean": self.total / self.n,
            "max": self.peak,
            "occupiedReadings": self.n,
        }


def intervals(air: IndoorAirConfig) -> list[tuple[datetime, datetime]]:
    """The occupied ``[start, end)`` intervals of the school year, local wall-clock."""
    out = []
    day = YEAR[0]
    while day < YEAR[1]:
        off = any(a <= day <= b for a, b in air.excluded)
        if day.isoweekday() in air.weekdays and not off:
            out += [(datetime.combine(day, a), datetime.combine(day, b)) for a, b in air.hours]
        day += timedelta(days=1)
    return out


def label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


class HandWritten(Protocol):
    async def rows(self, rooms: list[str]) -> list[tuple[str, date, Weekly]]: ...

    async def aclose(self) -> None: ...

    async def weekly(self, rooms: list[str]) -> dict[str, Weekly]: ...

    def answer(self, weeks: dict[str, Weekly]) -> dict[str, Any]: ...


class _Base:
    async def rows(self, rooms: list[str]) -> list[tuple[str, date, Weekly]]:
        raise NotImplementedError

    async def weekly(self, rooms: list[str]) -> dict[str, Weekly]:
        """``{week label: counts}`` of one room (the rooms' weeks, keyed room/label, else)."""
        found = await self.rows(rooms)
        if len(rooms) == 1:
            return {label(monday): w for _, monday, w in found}
        return {f"{room}|{label(monday)}": w for room, monday, w in found}

    def answer(self, weeks: dict[str, Weekly]) -> dict[str, Any]:
        """What the node answers, from the counts: the period, each week, the worst."""
        per_week = [{"week": k, **w.figures()} for k, w in sorted(weeks.items())]
        # the highest index; ties: the higher unrounded index (f1 + 3·f2 grows with it),
        # then the earlier week
        worst = max(
            per_week,
            key=lambda w: (w["icone"], w["f1"] + 3 * w["f2"], -per_week.index(w)),
            default=None,
        )
        return {**Weekly.pooled(list(weeks.values())).figures(), "weeks": per_week, "worst": worst}


SQLITE = """WITH iv(a, b) AS MATERIALIZED (VALUES {values})
SELECT c.site_rnb || '/' || c.etage || '/' || c.salle,
       date(substr(m.horodatage, 1, 10), 'weekday 0', '-6 days') AS monday,
       count(*), sum(m.valeur > 1000), sum(m.valeur > 1700), sum(m.valeur > 800),
       sum(m.valeur > 1500), sum(m.valeur), max(m.valeur)
FROM capteurs c CROSS JOIN iv CROSS JOIN mesures m
WHERE c.site_rnb || '/' || c.etage || '/' || c.salle IN ({rooms}) AND c.polluant = 'CO2'
  AND m.capteur = c.id_capteur AND m.horodatage >= iv.a AND m.horodatage < iv.b
  AND m.polluant = 'CO2'
GROUP BY 1, 2"""


class SqliteStatement(_Base):
    """A hand-written statement on a SQLite file, run as the best baseline runs
    (:class:`bench._common.RawSqlite`: one worker-thread call); its rows are (room, Monday
    as ISO text, the counts)."""

    def __init__(self, file: Path, air: IndoorAirConfig) -> None:
        self.file = file
        self.air = air
        self.db: RawSqlite | None = None

    def statement(self, rooms: list[str]) -> tuple[str, list[Any]]:
        raise NotImplementedError

    async def rows(self, rooms: list[str]) -> list[tuple[str, date, Weekly]]:
        if self.db is None:
            self.db = RawSqlite(self.file)
        found = await self.db.fetch(*self.statement(rooms))
        return [(r[0], date.fromisoformat(r[1]), Weekly(*r[2:])) for r in found]

    async def aclose(self) -> None:
        if self.db is not None:
            self.db.close()


class SqliteHandWritten(SqliteStatement):
    def statement(self, rooms: list[str]) -> tuple[str, list[Any]]:
        spans = intervals(self.air)
        sql = SQLITE.format(
            values=", ".join("(?, ?)" for _ in spans), rooms=", ".join("?" for _ in rooms)
        )
        return sql, [str(t) for span in spans for t in span] + rooms


POSTGRES = """SELECT c.site_rnb || '/' || c.etage || '/' || c.salle AS room,
       date_trunc('week', m.horodatage)::date AS monday, count(*),
       count(*) FILTER (WHERE m.valeur > 1000), count(*) FILTER (WHERE m.valeur > 1700),
       count(*) FILTER (WHERE m.valeur > 800), count(*) FILTER (WHERE m.valeur > 1500),
       sum(m.valeur), max(m.valeur)
FROM capteurs c
CROSS JOIN unnest($1::timestamp[], $2::timestamp[]) AS iv(a, b)
CROSS JOIN LATERAL (
    SELECT m.horodatage, m.valeur FROM mesures m
    WHERE m.capteur = c.id_capteur AND m.horodatage >= iv.a AND m.horodatage < iv.b
      AND m.polluant = 'CO2'
    OFFSET 0) AS m  -- OFFSET 0: one index range per interval, not a join filter
WHERE c.site_rnb || '/' || c.etage || '/' || c.salle = ANY($3::text[])
  AND c.polluant = 'CO2'
GROUP BY 1, 2"""


class PgStatement(_Base):
    """A hand-written statement on PostgreSQL (asyncpg, one connection); its rows are
    (room, Monday, the counts)."""

    def __init__(self, dsn: str, air: IndoorAirConfig) -> None:
        self.dsn = dsn
        self.air = air
        self.conn: asyncpg.Connection | None = None

    def statement(self, rooms: list[str]) -> tuple[str, list[Any]]:
        raise NotImplementedError

    async def rows(self, rooms: list[str]) -> list[tuple[str, date, Weekly]]:
        if self.conn is None:
            self.conn = await asyncpg.connect(self.dsn)
        sql, params = self.statement(rooms)
        found = await self.conn.fetch(sql, *params)
        return [(r[0], r[1], Weekly(*r[2:])) for r in found]

    async def aclose(self) -> None:
        if self.conn is not None:
            await self.conn.close()


class PgHandWritten(PgStatement):
    def statement(self, rooms: list[str]) -> tuple[str, list[Any]]:
        spans = intervals(self.air)
        return POSTGRES, [[a for a, _ in spans], [b for _, b in spans], rooms]

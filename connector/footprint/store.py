"""Footprint totals per hour and dataset in the node's state database (beside its audit
log), added to by every process of the node, read by ``guichet footprint``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from connector.audit import create_tables
from connector.background import Background
from connector.footprint.meter import Ledger, Totals

log = logging.getLogger("guichet.footprint")

_meta = sa.MetaData()
TABLE = sa.Table(
    "guichet_footprint",
    _meta,
    sa.Column("hour", sa.String(13), primary_key=True),  # 2026-12-07T10 (UTC)
    sa.Column("dataset", sa.String(200), primary_key=True),
    sa.Column("requests", sa.Float, nullable=False),
    sa.Column("cpu_seconds", sa.Float, nullable=False),
    sa.Column("bytes_sent", sa.Float, nullable=False),
)


def hour_of(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H")


class FootprintStore:
    def __init__(self, engine: AsyncEngine, writer: AsyncEngine | None = None) -> None:
        self.engine = engine
        self.writer = writer or engine
        self._ready = False

    async def setup(self) -> None:
        if not self._ready:
            await create_tables(self.writer, _meta)
            self._ready = True

    async def add(self, rows: Mapping[tuple[str, str], Totals]) -> None:
        """Add ``rows`` to the stored totals (one transaction)."""
        if not rows:
            return
        await self.setup()
        for _ in range(3):
            try:
                async with self.writer.begin() as conn:
                    for (hour, dataset), t in sorted(rows.items()):
                        key = (TABLE.c.hour == hour) & (TABLE.c.dataset == dataset)
                        done = await conn.execute(
                            TABLE.update()
                            .where(key)
                            .values(
                                requests=TABLE.c.requests + t.requests,
                                cpu_seconds=TABLE.c.cpu_seconds + t.cpu_seconds,
                                bytes_sent=TABLE.c.bytes_sent + t.bytes_sent,
                            )
                        )
                        if done.rowcount == 0:
                            await conn.execute(
                                TABLE.insert().values(
                                    hour=hour,
                                    dataset=dataset,
                                    requests=t.requests,
                                    cpu_seconds=t.cpu_seconds,
                                    bytes_sent=t.bytes_sent,
                                )
                            )
                return
            except IntegrityError:  # another process inserted the same hour first: again
                continue
        raise RuntimeError("footprint: could not add the totals after 3 attempts")

    async def totals(self, since: str | None, until: str | None) -> dict[str, Totals]:
        """Totals per dataset for the hours in [since, until) (``YYYY-MM-DDTHH``)."""
        await self.setup()
        stmt = sa.select(
            TABLE.c.dataset,
            sa.func.sum(TABLE.c.requests),
            sa.func.sum(TABLE.c.cpu_seconds),
            sa.func.sum(TABLE.c.bytes_sent),
        ).group_by(TABLE.c.dataset)
        if since:
            stmt = stmt.where(TABLE.c.hour >= since)
        if until:
            stmt = stmt.where(TABLE.c.hour < until)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return {str(d): Totals(float(r), float(c), float(b)) for d, r, c, b in rows}


class Flusher:
    """Writes the ledger's totals every ``interval`` seconds and at shutdown; a failed
    write keeps them for the next one (logged)."""

    def __init__(self, ledger: Ledger, store: FootprintStore, interval: float) -> None:
        self.ledger, self.store, self.interval = ledger, store, interval
        self._background = Background(self._run, name="footprint-flusher")

    async def flush(self) -> None:
        rows = self.ledger.take()
        try:
            await self.store.add(rows)
        except (SQLAlchemyError, OSError, RuntimeError) as exc:
            log.warning("footprint: totals kept for the next write: %s", exc)
            for (hour, ds), t in rows.items():
                self.ledger.pending.setdefault((hour, ds), Totals()).add(t)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()

    def start(self) -> None:
        if self.interval > 0:
            self._background.start()

    async def stop(self) -> None:
        await self._background.stop()
        await self.flush()

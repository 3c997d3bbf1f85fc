"""The reading half of the audit log: filtered pages, counts, the chain's raw rows.

:class:`AuditLog <connector.audit.log.AuditLog>` appends (locks, group commit, retries);
everything here only reads, in one statement per call, through the log's ``engine``
(never its writer), so that a query can run beside any number of appends. Database errors
come out as :class:`~connector.errors.AuditError` whose message is safe to show.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from connector.audit import _schema
from connector.audit import counts as _counts
from connector.audit.counts import Counts, UseCount
from connector.audit.record import GENESIS, AuditFilter, StoredEntry, format_time
from connector.audit.verify import VerifyReport, verify_chain
from connector.errors import AuditError, QueryError

MAX_LIMIT = 1000


class LogReads:
    """Queries over the log's table (``table``) and its dataset index (``datasets``)."""

    table: sa.Table
    datasets: sa.Table
    engine: AsyncEngine

    async def query(
        self,
        filters: AuditFilter | None = None,
        *,
        limit: int = 100,
        after: int | None = None,
        newest_first: bool = False,
    ) -> list[StoredEntry]:
        """Entries matching ``filters``, in chain order (or newest first), at most ``limit``,
        starting after sequence number ``after`` (a cursor: the last ``seq`` of the previous
        page)."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"audit query limit: expected 1 to {MAX_LIMIT}, got {limit!r}")
        t = self.table
        stmt = sa.select(t).where(*self._conditions(filters or AuditFilter()))
        if after is not None:
            stmt = stmt.where(t.c.seq < after if newest_first else t.c.seq > after)
        stmt = stmt.order_by(t.c.seq.desc() if newest_first else t.c.seq).limit(limit)
        rows = await self._fetch(stmt)
        return [_entry_of(_schema.decode(row)) for row in rows]

    async def count(self, filters: AuditFilter | None = None) -> int:
        """How many entries match ``filters`` (one ``COUNT`` statement): usage counters for
        quotas are read from the log itself, so they cannot drift from what was logged."""
        t = self.table
        stmt = sa.select(sa.func.count()).select_from(t)
        stmt = stmt.where(*self._conditions(filters or AuditFilter()))
        async with self._guard("cannot read the audit log"), self.engine.connect() as conn:
            value = (await conn.execute(stmt)).scalar_one()
        return int(value)

    async def counts(self, filters: AuditFilter | None = None) -> Counts:
        """Matching entries by decision, party and dataset (SQL ``GROUP BY``)."""
        return await _counts.group_counts(self, filters)

    async def use_counts(self, filters: AuditFilter | None = None) -> tuple[UseCount, ...]:
        """Matching entries by dataset, party and purpose (the families' page's summary)."""
        return await _counts.use_counts(self, filters)

    async def count_per_dataset(
        self, filters: AuditFilter, datasets: Collection[str]
    ) -> dict[str, int]:
        """Matching entries naming each of ``datasets``, in one grouped statement."""
        return await _counts.per_dataset(self, filters, datasets)

    async def decisions(self) -> set[str]:
        """The decisions the log holds."""
        return await _counts.distinct_values(self, "decision")

    async def dataset_names(self) -> set[str]:
        """The datasets the log's entries name."""
        return await _counts.distinct_values(self, "dataset")

    async def entries(
        self, filters: AuditFilter | None = None, *, chunk: int = 500
    ) -> AsyncIterator[StoredEntry]:
        """Every matching entry in chain order, read ``chunk`` at a time."""
        after: int | None = None
        while True:
            page = await self.query(filters, limit=chunk, after=after)
            for entry in page:
                yield entry
            if len(page) < chunk:
                return
            after = page[-1].seq

    def _conditions(self, f: AuditFilter) -> list[sa.ColumnElement[bool]]:
        t = self.table
        out: list[sa.ColumnElement[bool]] = []
        equal: Mapping[str, str | None] = {
            "party": f.party,
            "decision": f.decision,
            "purpose": f.purpose,
            "client_id": f.client_id,
        }
        out += [t.c[name] == value for name, value in equal.items() if value is not None]
        if f.exclude_client_id is not None:
            out.append(sa.or_(t.c.client_id.is_(None), t.c.client_id != f.exclude_client_id))
        if f.dataset is not None:
            d = self.datasets
            out.append(t.c.seq.in_(sa.select(d.c.seq).where(d.c.dataset == f.dataset)))
        if f.since is not None:
            out.append(t.c.time >= format_time(f.since))
        if f.until is not None:
            out.append(t.c.time < format_time(f.until))
        if f.keys:  # keys read are JSON strings in details: "K", or "K/..." (a room of K)
            quoted = [json.dumps(k, ensure_ascii=False) for k in f.keys]
            texts = [*quoted, *(q[:-1] + "/" for q in quoted)]
            out.append(t.c.details.contains('"keys":{', autoescape=True))  # reads, not searches
            out.append(sa.or_(*(t.c.details.contains(q, autoescape=True) for q in texts)))
        return out

    async def head(self) -> tuple[int, str]:
        """The last sequence number and hash (``0`` and :data:`GENESIS` when empty)."""
        t = self.table
        rows = await self._fetch(sa.select(t.c.seq, t.c.hash).order_by(t.c.seq.desc()).limit(1))
        return (int(rows[0]["seq"]), str(rows[0]["hash"])) if rows else (0, GENESIS)

    async def rows_after(self, seq: int, limit: int) -> list[_schema.Decoded]:
        """Raw rows in ``seq`` order after ``seq`` (for :mod:`connector.audit.verify`)."""
        t = self.table
        rows = await self._fetch(sa.select(t).where(t.c.seq > seq).order_by(t.c.seq).limit(limit))
        return [_schema.decode(row) for row in rows]

    async def row_with_hash(self, digest: str) -> _schema.Decoded | None:
        """The row whose stored ``hash`` is ``digest`` (indexed: UNIQUE)."""
        t = self.table
        rows = await self._fetch(sa.select(t).where(t.c.hash == digest).limit(1))
        return _schema.decode(rows[0]) if rows else None

    async def segments(self) -> list[Mapping[str, object]]:
        """The facts of every prune segment entry (:mod:`connector.audit.segments`)."""
        t = self.table
        marker = '"action":"prune"'
        rows = await self._fetch(sa.select(t).where(t.c.details.contains(marker, autoescape=True)))
        out: list[Mapping[str, object]] = []
        for row in rows:
            entry = _schema.decode(row).entry
            if entry is not None and entry.details.get("action") == "prune":
                out.append(entry.details)
        return out

    async def verify(
        self, *, expect_head: str | None = None, chunk: int = 1000, key: bytes | None = None
    ) -> VerifyReport:
        """Walk the chain (``chunk`` rows in memory at a time) and report the first problem.

        ``expect_head``: a hash recorded earlier (say printed by the last verification);
        if no entry has it any more, entries were cut from the end of the log. With the
        chain intact, the dataset index (``{table}_datasets``) is checked against it.
        """
        report = await verify_chain(self, expect_head=expect_head, chunk=chunk, key=key)
        upto = report.head_seq  # what the walk verified: later appends wait for the next check
        if report.ok and (problem := await _counts.index_problem(self, chunk=chunk, upto=upto)):
            return replace(report, problem=problem)
        return report

    async def _fetch(self, stmt: sa.Select[Any]) -> Sequence[sa.RowMapping]:
        async with self._guard("cannot read the audit log"), self.engine.connect() as conn:
            result = await conn.execute(stmt)
            rows: Sequence[sa.RowMapping] = result.mappings().all()
        return rows

    def _guard(self, what: str) -> _Translate:
        return _Translate(what, self.table.name)


class _Translate:
    """Turn database errors into :class:`AuditError` with a message safe to show."""

    def __init__(self, what: str, table: str) -> None:
        self.what, self.table = what, table

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _tb: object
    ) -> None:
        if isinstance(exc, SQLAlchemyError | OSError | sqlite3.Error):
            reason = getattr(exc, "orig", None) or exc
            raise AuditError(
                f"{self.what} (table {self.table}): {type(reason).__name__}: {reason}"
            ) from exc


def _entry_of(decoded: _schema.Decoded) -> StoredEntry:
    if decoded.entry is None:
        raise AuditError(
            f"audit entry #{decoded.seq} is damaged ({decoded.malformed}); "
            "run `guichet audit verify`"
        )
    return decoded.entry

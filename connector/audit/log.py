"""The append-only, hash-chained audit log over SQL (SQLAlchemy 2 async).

Writers are serialised by the database, so that any number of tasks, engines and
processes can append to one log without losing an entry or forking the chain:

* SQLite: each append runs in ``BEGIN IMMEDIATE`` (the write lock is taken before the
  head is read); other writers wait on the busy timeout. The driver's own transaction
  handling is switched off as the SQLAlchemy documentation recommends
  ("Serializable isolation / Savepoints / Transactional DDL"): the log installs
  that recipe on the engine (``isolation_level = None`` on connect, our ``BEGIN`` on
  begin), which also makes every read a real transaction.
* PostgreSQL: each append takes ``pg_advisory_xact_lock`` on a key derived from the table
  name, then reads the head (READ COMMITTED sees the last committed entry).

Within a process, appends are group-committed (:mod:`connector.audit.group`): the entries
of concurrent requests share one transaction, and each caller is answered once it is
committed. On an SQLite file, that transaction runs on the log's own :mod:`sqlite3`
connection in one call (:mod:`connector.audit.sqlite_writer`), in the write-ahead log;
``durability`` (``disk`` or ``process``) says whether a commit waits for the disk.

In both, ``seq`` is the primary key and ``prev_hash`` is UNIQUE: even a writer that
ignored the lock could not fork the chain; it would get an integrity error, which
:meth:`AuditLog.append` retries. Triggers refuse UPDATE and DELETE (see
:func:`~connector.audit._schema.append_only_ddl` for what they cannot prevent).

Reading (pages, counts, the chain's rows for verification) is :mod:`connector.audit.reads`,
which :class:`AuditLog` inherits; the engines it opens are :mod:`connector.audit.engines`'s.

Example::

    log = AuditLog("sqlite+aiosqlite:///audit.db", node="atmo")
    await log.setup()
    entry = await log.append(AuditRecord(party=..., decision="permit", operation_hash=...))
    report = await log.verify()
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from time import perf_counter

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from connector.audit import _schema
from connector.audit.engines import DURABILITY, create_tables, state_engines
from connector.audit.group import GroupCommit
from connector.audit.reads import MAX_LIMIT, LogReads
from connector.audit.record import GENESIS, AuditRecord, StoredEntry, format_time, seal
from connector.audit.sqlite_writer import Busy, SqliteWriter, is_busy
from connector.errors import AuditError

__all__ = ["DURABILITY", "MAX_LIMIT", "AuditLog", "create_tables", "state_engines"]

log = logging.getLogger("guichet.audit")

_ATTEMPTS = 8


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AuditLog(LogReads):
    """An append-only audit log in one SQL table (``table``, default ``guichet_audit``).

    ``engine_or_url``: an :class:`AsyncEngine` (shared with the node's policy state, left
    open by :meth:`aclose`) or a URL (``sqlite+aiosqlite:///audit.db``,
    ``postgresql+asyncpg://...``; the engine is the log's own). ``clock`` stamps records
    that come without a time and must return timezone-aware datetimes.
    """

    def __init__(
        self,
        engine_or_url: AsyncEngine | str,
        *,
        node: str,
        clock: Callable[[], datetime] = _utcnow,
        table: str = "guichet_audit",
        busy_timeout: float = 30.0,
        on_append: Callable[[StoredEntry, float], None] | None = None,
        durability: str = "disk",
    ) -> None:
        if not isinstance(node, str) or not node:
            raise AuditError(f"node: expected the node's name, got {node!r}")
        if durability not in DURABILITY:
            raise AuditError(f"durability: expected 'disk' or 'process', got {durability!r}")
        self.durability = durability
        self.node = node
        self._clock = clock
        self.table = _schema.audit_table(_schema.check_table_name(table))
        self.datasets = _schema.datasets_table(self.table.name)
        self._owned = isinstance(engine_or_url, str)
        self.engine = self._engine(engine_or_url)
        self.dialect = self.engine.dialect.name
        if self.dialect not in ("sqlite", "postgresql"):
            raise AuditError(
                f"audit database: {self.dialect} is not supported (expected SQLite or PostgreSQL)"
            )
        self.engine, self._writer = state_engines(
            self.engine, busy_timeout=busy_timeout, durability=durability
        )
        self._sqlite: SqliteWriter | None = None
        if self.dialect == "sqlite" and not self.engine.url.query:  # a plain file: the short way
            self._sqlite = SqliteWriter(
                str(self.engine.url.database),
                self.table,
                self.datasets,
                busy_timeout=busy_timeout,
                sync="FULL" if durability == "disk" else "NORMAL",
            )
        self._group: GroupCommit[_Pending, StoredEntry] = GroupCommit(
            self._write_batch,
            write_now=self._write_now if self._sqlite and self._sqlite.inline else None,
        )
        self._ready = False
        self.on_append = on_append
        """Told of each entry once it is durable, with the seconds the append took
        (waiting for the batch's transaction included): the app's metrics and trace."""

    @property
    def writer(self) -> AsyncEngine:
        """The engine for a write transaction beside the log's (agreements, negotiations,
        sessions): see :func:`state_engines`."""
        return self._writer

    @staticmethod
    def _engine(engine_or_url: AsyncEngine | str) -> AsyncEngine:
        engine = engine_or_url
        if not isinstance(engine, AsyncEngine):
            engine = AuditLog._create_engine(engine)
        db = engine.url.database or ""
        if engine.dialect.name == "sqlite" and db in ("", ":memory:"):
            raise AuditError(
                "audit database: an in-memory SQLite database belongs to one "
                "connection; give a file (sqlite+aiosqlite:///audit.db)"
            )
        return engine

    @staticmethod
    def _create_engine(url: str) -> AsyncEngine:
        try:
            return create_async_engine(url, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise AuditError(
                f"audit database URL {url!r} is not valid (expected "
                "e.g. 'sqlite+aiosqlite:///audit.db' or "
                "'postgresql+asyncpg://user@host/db')"
            ) from exc

    async def aclose(self) -> None:
        """Close the log's own SQLite connection, and dispose of the engine if the log
        created it."""
        if self._sqlite is not None:
            self._sqlite.close()
        if self._owned:
            await self.engine.dispose()

    async def __aenter__(self) -> AuditLog:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # writing ---------------------------------------------------------------------------
    async def setup(self) -> None:
        """Create the table, its indexes and append-only triggers if they are missing; once
        per process (the DPD's reads and every decision call it)."""
        if self._ready:
            return
        async with self._guard("cannot create the audit table"), self._writer.begin() as conn:
            await self._serialise(conn)
            await conn.run_sync(self.table.metadata.create_all)
            await conn.run_sync(self.datasets.metadata.create_all)
            for name in (self.table.name, self.datasets.name):
                for statement in _schema.append_only_ddl(name, self.dialect):
                    await conn.exec_driver_sql(statement)
            await self._index_datasets(conn)
        self._ready = True

    async def _index_datasets(self, conn: AsyncConnection) -> None:
        """Fill ``{table}_datasets`` for entries written before it existed."""
        t, d = self.table, self.datasets
        done = (await conn.execute(sa.select(sa.func.max(d.c.seq)))).scalar_one_or_none()
        rows = await conn.execute(
            sa.select(t.c.seq, t.c.datasets)
            .where(t.c.seq > (done or 0), t.c.datasets != "")
            .order_by(t.c.seq)
        )
        values = [
            {"seq": int(seq), "dataset": name}
            for seq, names in rows
            for name in dict.fromkeys(str(names).split())
        ]
        if values:
            await conn.execute(d.insert(), values)

    async def append(self, record: AuditRecord) -> StoredEntry:
        """Add ``record`` at the head of the chain and return it as stored, once committed."""
        return (await self.append_many((record,)))[0]

    async def append_many(self, records: Sequence[AuditRecord]) -> list[StoredEntry]:
        """Add ``records`` in order, in the same transaction as whatever other tasks are
        appending at the moment (:mod:`connector.audit.group`), and return them as stored
        once that transaction is committed."""
        started = perf_counter()
        pending = []
        for record in records:
            time = record.time if record.time is not None else self._clock()
            format_time(time, name="clock")  # a naive clock is refused before anything is written
            pending.append(_Pending(record, time, started))
        entries = await self._group.submit(pending)
        done = perf_counter()
        for entry in entries:  # in the caller's task: its request's labels and span
            self._tell(entry, done - started)
        return entries

    async def _write_batch(self, batch: list[_Pending]) -> list[StoredEntry]:
        last: _Retry | None = None
        for attempt in range(_ATTEMPTS):
            try:
                async with self._guard("cannot append to the audit log"):
                    entries = await self._append_once(batch)
            except _Retry as exc:
                last = exc
                await asyncio.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
                continue
            return entries
        raise AuditError(
            f"cannot append to the audit log: still contended after {_ATTEMPTS} attempts"
        ) from (last.__cause__ if last else None)

    def _write_now(self, batch: list[_Pending]) -> list[StoredEntry] | None:
        """The batch written on the event loop (SQLite without fsync), or ``None`` when the
        file is busy: it then goes the usual way."""
        assert self._sqlite is not None
        try:
            entries = self._sqlite.write_now(self.node, [(p.record, p.time) for p in batch])
        except Busy:
            return None
        except sqlite3.Error as exc:
            raise AuditError(
                f"cannot append to the audit log (table {self.table.name}): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        return entries

    def _tell(self, entry: StoredEntry, seconds: float) -> None:
        if self.on_append is None:
            return
        try:
            self.on_append(entry, seconds)
        except Exception:  # the entry is written: telemetry failing must not undo the answer
            log.exception("audit log: telling the app of entry %d failed", entry.seq)

    async def _append_once(self, batch: list[_Pending]) -> list[StoredEntry]:
        if self._sqlite is not None:
            try:
                return await self._sqlite.write(self.node, [(p.record, p.time) for p in batch])
            except Busy as exc:
                raise _Retry from exc
        try:
            async with self._writer.begin() as conn:
                await self._serialise(conn)
                head = (
                    await conn.execute(
                        sa.select(self.table.c.seq, self.table.c.hash)
                        .order_by(self.table.c.seq.desc())
                        .limit(1)
                    )
                ).first()
                seq, prev = (int(head.seq), str(head.hash)) if head else (0, GENESIS)
                entries = []
                for p in batch:
                    seq += 1
                    entry = seal(p.record, seq=seq, node=self.node, time=p.time, prev_hash=prev)
                    entries.append(entry)
                    prev = entry.hash
                await conn.execute(self.table.insert(), [_schema.to_row(e) for e in entries])
                named = [row for e in entries if e.datasets for row in _schema.dataset_rows(e)]
                if named:
                    await conn.execute(self.datasets.insert(), named)
            return entries
        except IntegrityError as exc:
            raise _Retry from exc
        except DBAPIError as exc:
            if self.dialect == "sqlite" and is_busy(exc):
                raise _Retry from exc
            raise

    async def _serialise(self, conn: AsyncConnection) -> None:
        if self.dialect == "postgresql":
            if self.durability == "process":  # this transaction's commit only
                await conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            await conn.execute(
                sa.select(sa.func.pg_advisory_xact_lock(_schema.advisory_key(self.table.name)))
            )


@dataclass(frozen=True)
class _Pending:
    """A record waiting for its transaction: stamped, and when its append began."""

    record: AuditRecord
    time: datetime
    started: float


class _Retry(Exception):
    """An append lost a race (busy database or integrity error): try again."""

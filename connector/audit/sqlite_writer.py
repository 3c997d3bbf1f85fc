"""Appends to an SQLite audit log in one hop to a worker thread.

Through SQLAlchemy's async engine, each statement of an append (``BEGIN IMMEDIATE``, the
head, the entries, their datasets, ``COMMIT``) is a round trip to aiosqlite's thread: on
a loaded machine, more than the node takes to answer a page. Here the whole transaction
runs in one call on a worker thread, on the log's own :mod:`sqlite3` connection, with the
same locking (``BEGIN IMMEDIATE``, the busy timeout), the same write-ahead log and
``synchronous`` setting, and the same rows as :meth:`AuditLog._append_once
<connector.audit.log.AuditLog._append_once>`. Only one batch is written at a time
(:mod:`connector.audit.group`), so the connection is never used by two threads at once.

With ``synchronous = NORMAL`` (``[usage] audit_durability = "process"``) a commit is a few
writes to the WAL, no fsync: tens of microseconds, less than a hop to a thread. Then a
batch that finds the log idle is written on the event loop itself (:meth:`write_now`), on
a third connection that never waits: if another process holds the lock, it says so and
the batch goes to the thread, which waits for it. That connection does not checkpoint the
WAL itself (a checkpoint fsyncs); every :data:`CHECKPOINT_EVERY` such commits, a passive
checkpoint runs on a worker thread.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from time import monotonic, sleep
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from connector.audit import _schema
from connector.audit.record import GENESIS, AuditRecord, StoredEntry, seal

CHECKPOINT_EVERY = 64
"""Commits on the event loop between two checkpoints: a commit adds a few pages (the row,
its indexes, its datasets) to the WAL, which thus stays around ten megabytes."""


class Busy(Exception):
    """Another writer holds the file, or won the race: try the batch again."""


def write_ahead(cursor: Any, busy_timeout: float) -> None:
    """Switch the file to its write-ahead log: one fsync per commit (FULL) instead of three,
    and readers never wait for the writer. The mode is kept in the file, for every process;
    switching needs the file to itself, which SQLite reports as busy without waiting."""
    deadline = monotonic() + busy_timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode")
            if str(cursor.fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if monotonic() > deadline:
                raise
            sleep(random.uniform(0.005, 0.02))


IMMEDIATE = "guichet_audit_immediate"
"""The execution option asking for ``BEGIN IMMEDIATE``."""


def install_recipe(engine: AsyncEngine, busy_timeout: float, durability: str) -> None:
    """The SQLAlchemy recipe for SQLite transactions ("Serializable isolation / Savepoints
    / Transactional DDL"): the driver's own transaction handling off, our ``BEGIN`` (or
    ``BEGIN IMMEDIATE`` for the log's writer) on begin; and on every connection the busy
    timeout, the write-ahead log and the durability's ``synchronous``."""
    sync = engine.sync_engine
    if sa.event.contains(sync, "begin", _begin):
        return
    synchronous = "FULL" if durability == "disk" else "NORMAL"

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        write_ahead(cursor, busy_timeout)
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    sa.event.listen(sync, "connect", on_connect)
    sa.event.listen(sync, "begin", _begin)


def _begin(conn: sa.Connection) -> None:
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_busy(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


class SqliteWriter:
    """The log's own connection to its SQLite file, for appends only."""

    def __init__(
        self, path: str, table: sa.Table, datasets: sa.Table, *, busy_timeout: float, sync: str
    ) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.sync = sync
        self._conn: sqlite3.Connection | None = None
        self._inline: sqlite3.Connection | None = None
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpoint: asyncio.Task[None] | None = None
        self._since_checkpoint = 0
        self.inline = sync == "NORMAL"
        """Whether :meth:`write_now` may write on the event loop (no fsync to wait for)."""
        self.columns = [c.name for c in table.columns]
        marks = ", ".join("?" for _ in self.columns)
        self._head = f"SELECT seq, hash FROM {table.name} ORDER BY seq DESC LIMIT 1"
        self._insert = f"INSERT INTO {table.name} ({', '.join(self.columns)}) VALUES ({marks})"
        self._insert_names = f"INSERT INTO {datasets.name} (seq, dataset) VALUES (?, ?)"

    async def write(
        self, node: str, batch: Sequence[tuple[AuditRecord, datetime]]
    ) -> list[StoredEntry]:
        return await asyncio.to_thread(self._write_on_thread, node, batch)

    def _write_on_thread(
        self, node: str, batch: Sequence[tuple[AuditRecord, datetime]]
    ) -> list[StoredEntry]:
        return self._write(self._connection(), node, batch)  # connects there too, if need be

    def write_now(
        self, node: str, batch: Sequence[tuple[AuditRecord, datetime]]
    ) -> list[StoredEntry]:
        """Write on the calling thread without waiting for any lock (:class:`Busy` if it
        would have to); only when :attr:`inline`."""
        if self._inline is None:
            self._inline = self._connect(timeout=0.0, autocheckpoint=False)
        entries = self._write(self._inline, node, batch)
        self._since_checkpoint += 1
        if self._since_checkpoint >= CHECKPOINT_EVERY and (
            self._checkpoint is None or self._checkpoint.done()
        ):
            self._since_checkpoint = 0
            self._checkpoint = asyncio.get_running_loop().create_task(
                asyncio.to_thread(self._run_checkpoint)
            )
        return entries

    def _run_checkpoint(self) -> None:
        if self._checkpointer is None:
            self._checkpointer = self._connect(timeout=self.busy_timeout)
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        for conn in (self._conn, self._inline, self._checkpointer):
            if conn is not None:
                conn.close()
        self._conn = self._inline = self._checkpointer = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect(timeout=self.busy_timeout)
        return self._conn

    def _connect(self, *, timeout: float, autocheckpoint: bool = True) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        cursor = conn.cursor()
        write_ahead(cursor, self.busy_timeout)
        cursor.execute(f"PRAGMA synchronous = {self.sync}")
        if not autocheckpoint:
            cursor.execute("PRAGMA wal_autocheckpoint = 0")
        cursor.close()
        return conn

    def _write(
        self, conn: sqlite3.Connection, node: str, batch: Sequence[tuple[AuditRecord, datetime]]
    ) -> list[StoredEntry]:
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                head = conn.execute(self._head).fetchone()
                seq, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS)
                entries = []
                for record, time in batch:
                    seq += 1
                    entry = seal(record, seq=seq, node=node, time=time, prev_hash=prev)
                    entries.append(entry)
                    prev = entry.hash
                rows = [_schema.to_row(e) for e in entries]
                conn.executemany(self._insert, [_values(r, self.columns) for r in rows])
                named = [(r["seq"], r["dataset"]) for e in entries for r in _schema.dataset_rows(e)]
                if named:
                    conn.executemany(self._insert_names, named)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.IntegrityError as exc:
            raise Busy from exc
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise Busy from exc
            raise
        return entries


def _values(row: dict[str, Any], columns: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row[c] for c in columns)

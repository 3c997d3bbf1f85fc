"""Appends to an SQLite audit log in one hop to a worker thread.

Through SQLAlchemy's async engine, each statement of an append (``BEGIN IMMEDIATE``, the
head, the entries, their datasets, ``COMMIT``) is a round trip to aiosqlite's thread: on
a loaded machine, more than the node takes to answer a page. Here the whole transaction
runs in one call on a worker thread, on the log's own :mod:`sqlite3` connection, with the
same locking (``BEGIN IMMEDIATE``, the busy timeout), the same write-ahead log and
``synchronous`` setting, and the same rows as :meth:`AuditLog._append_once
<connector.audit.log.AuditLog._append_once>`. Only one batch is written at a time
(:mod:`connector.audit.group`), so the connection is never used by two threads at once.
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

from connector.audit import _schema
from connector.audit.record import GENESIS, AuditRecord, StoredEntry, seal


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


class SqliteWriter:
    """The log's own connection to its SQLite file, for appends only."""

    def __init__(
        self, path: str, table: sa.Table, datasets: sa.Table, *, busy_timeout: float, sync: str
    ) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.sync = sync
        self._conn: sqlite3.Connection | None = None
        self.columns = [c.name for c in table.columns]
        marks = ", ".join("?" for _ in self.columns)
        self._head = f"SELECT seq, hash FROM {table.name} ORDER BY seq DESC LIMIT 1"
        self._insert = f"INSERT INTO {table.name} ({', '.join(self.columns)}) VALUES ({marks})"
        self._insert_names = f"INSERT INTO {datasets.name} (seq, dataset) VALUES (?, ?)"

    async def write(
        self, node: str, batch: Sequence[tuple[AuditRecord, datetime]]
    ) -> list[StoredEntry]:
        return await asyncio.to_thread(self._write, node, batch)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            cursor = conn.cursor()
            write_ahead(cursor, self.busy_timeout)
            cursor.execute(f"PRAGMA synchronous = {self.sync}")
            cursor.close()
            self._conn = conn
        return self._conn

    def _write(self, node: str, batch: Sequence[tuple[AuditRecord, datetime]]) -> list[StoredEntry]:
        conn = self._connection()
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

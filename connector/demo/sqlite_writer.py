"""Bulk writing of a demo SQLite database: one transaction, no journal, chunked inserts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

CHUNK = 50_000


@contextmanager
def bulk_database(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """A fresh database at ``path`` with ``schema``, in one open transaction (written to a
    temporary name, renamed when complete, so that an interrupted run never leaves a
    half-written file in place). ``executescript`` commits, so run scripts at the end."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.executescript(schema)
        conn.execute("BEGIN")
        yield conn
        if conn.in_transaction:
            conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode=DELETE")
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise
    conn.close()
    tmp.replace(path)


def insert_rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """Insert ``rows`` in chunks; returns the number of rows written."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    it = iter(rows)
    total = 0
    while chunk := list(islice(it, CHUNK)):
        conn.executemany(sql, chunk)
        total += len(chunk)
    return total

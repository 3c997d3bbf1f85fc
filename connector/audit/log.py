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

Example::

    log = AuditLog("sqlite+aiosqlite:///audit.db", node="atmo")
    await log.setup()
    entry = await log.append(AuditRecord(party=..., decision="permit", operation_hash=...))
    report = await log.verify()
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sqlite3
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from connector.audit import _schema
from connector.audit import counts as _counts
from connector.audit.counts import Counts, UseCount
from connector.audit.group import GroupCommit
from connector.audit.record import (
    GENESIS,
    AuditFilter,
    AuditRecord,
    StoredEntry,
    format_time,
    seal,
)
from connector.audit.sqlite_writer import IMMEDIATE, Busy, SqliteWriter, install_recipe, is_busy
from connector.audit.verify import VerifyReport, verify_chain
from connector.errors import AuditError, QueryError

log = logging.getLogger("guichet.audit")

MAX_LIMIT = 1000
_ATTEMPTS = 8


def _utcnow() -> datetime:
    return datetime.now(UTC)


def state_engines(
    database: str | AsyncEngine, *, busy_timeout: float = 30.0, durability: str = "disk"
) -> tuple[AsyncEngine, AsyncEngine]:
    """An engine over a node's (or gateway's) state database and its writer: on SQLite,
    connections wait up to ``busy_timeout`` seconds for a lock, and the writer begins its
    transactions ``IMMEDIATE`` — a transaction that reads then writes (``create_all``, an
    update after a select) would otherwise fail at once with « database is locked » when
    another process of the node wrote in between. On PostgreSQL both are the engine."""
    engine = database if isinstance(database, AsyncEngine) else create_async_engine(database)
    if engine.dialect.name != "sqlite":
        return engine, engine
    install_recipe(engine, busy_timeout, durability)
    return engine, engine.execution_options(**{IMMEDIATE: True})


_DDL_LOCK = 0x6775_6963_6864  # "guichd": one key for every state table's creation


async def create_tables(writer: AsyncEngine, metadata: sa.MetaData) -> None:
    """``metadata.create_all`` on a state database, one process at a time: several processes
    of one node starting together would otherwise race to create the same table
    (PostgreSQL: « relation already exists », a duplicate ``pg_type`` row). On PostgreSQL a
    transaction-scoped advisory lock orders them, so that the later ones find the tables;
    on SQLite ``writer`` begins IMMEDIATE (:func:`state_engines`), which does the same."""
    async with writer.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_DDL_LOCK)))
        await conn.run_sync(metadata.create_all)


DURABILITY = ("disk", "process")
"""``disk``: a commit is on disk (``fsync``) before it returns; ``process``: it is in the
database's hands (SQLite: the operating system's) — it survives the node's crash or
``kill -9``, not a power loss or an operating-system crash."""


class AuditLog:
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

    # reading ---------------------------------------------------------------------------
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


@dataclass(frozen=True)
class _Pending:
    """A record waiting for its transaction: stamped, and when its append began."""

    record: AuditRecord
    time: datetime
    started: float


class _Retry(Exception):
    """An append lost a race (busy database or integrity error): try again."""


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

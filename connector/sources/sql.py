"""SQL source adapter: a partner's existing tables, read in place (SQLAlchemy 2).

Works with SQLite (``sqlite+aiosqlite:///file.db``, opened read-only) and PostgreSQL
(``postgresql+asyncpg://...``, every transaction read-only). A SQLite file is read
through SQLAlchemy's synchronous ``sqlite3`` driver, each statement's checkout, execution
and fetch in one worker-thread hand-off: aiosqlite would hand each call of the DB-API
(connect check, cursor, execute, fetch, rollback) to its thread and back, about nine
hand-offs a statement, which cost more than the statement itself on small pages.
PostgreSQL keeps the asyncpg engine (no threads), each statement run in one
``run_sync``. Tables named by the
mappings are reflected lazily, on first use; a database that is down does not prevent
construction. Each :class:`~connector.sources.base.Select` and
:class:`~connector.sources.base.Aggregate` runs as exactly one SQL statement
(:attr:`SqlSource.statements` counts them), built by :mod:`connector.sources._sqlbuild`
(rows) and :mod:`connector.sources._sqlaggregate` (aggregates).

Options (``[sources.<name>]`` besides ``kind`` and ``url``): ``connect_timeout``
(seconds, default 5), ``query_timeout`` (seconds, default 30; a SQLite statement still
running then is interrupted), ``pool_size``, ``pool_pre_ping`` (PostgreSQL: test each
pooled connection before use, default true; a local SQLite file needs no such test).

Example::

    source = SqlSource(SourceConfig("plateforme", "sql", url="sqlite+aiosqlite:///atmo.db"),
                       [mapping])
    rows = await source.select(Select("Observation", ("id", "value"), limit=10))
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
import sqlalchemy as sa
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from connector.config import EntityMapping, SourceConfig
from connector.errors import SourceError
from connector.sources._sqlaggregate import Builder
from connector.sources._sqlbatch import Batches, batch_keys
from connector.sources._sqlbuild import BATCH, Decoder
from connector.sources._sqlplan import Lookup
from connector.sources._sqlrun import UNAVAILABLE, Guarded, T, in_thread
from connector.sources._sqlschema import TableInfo, reflect
from connector.sources._values import Entity, entity_of, source_columns
from connector.sources.base import Aggregate, Health, Row, Select

log = logging.getLogger(__name__)


def engine_url(url: str) -> sa.URL:
    """The URL to connect with: SQLite files are opened read-only (``mode=ro``)."""
    parsed = sa.make_url(url)
    db = parsed.database or ""
    if (
        parsed.get_backend_name() == "sqlite"
        and db
        and db != ":memory:"
        and not db.startswith("file:")
        and "mode" not in parsed.query
    ):
        parsed = parsed.set(database="file:" + quote(db)).update_query_dict(
            {"mode": "ro", "uri": "true"}
        )
    return parsed


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (checked before connecting: SQLite would say little)."""
    parsed = sa.make_url(url)
    db = parsed.database or ""
    if (
        parsed.get_backend_name() != "sqlite"
        or not db
        or db == ":memory:"
        or db.startswith("file:")
    ):
        return None
    return Path(db)


class _MissingTable(SourceError):
    """A mapped table the database does not have (a mapping problem, not an outage)."""


def _number(options: dict[str, Any], name: str, default: float) -> float:
    value = options.get(name, default)
    return float(value) if isinstance(value, int | float) and value > 0 else default


class SqlSource:
    """A read-only SQL database. ``statements`` counts the statements executed."""

    def __init__(self, config: SourceConfig, mappings: Sequence[EntityMapping]) -> None:
        if not config.url:
            raise SourceError(config.name, "no database URL configured")
        self.name = config.name
        self.statements = 0
        self._counting = threading.Lock()
        options = dict(config.options)
        self._connect_timeout = _number(options, "connect_timeout", 5.0)
        self._query_timeout = _number(options, "query_timeout", 30.0)
        self._entities = {m.entity: Entity(m) for m in mappings}
        self._tables: dict[str, TableInfo] = {}
        self._sqlite_file = _sqlite_file(config.url)
        url = engine_url(config.url)
        kwargs: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql":
            kwargs["pool_pre_ping"] = options.get("pool_pre_ping", True) is not False
            kwargs["connect_args"] = {
                "timeout": self._connect_timeout,
                "server_settings": {"default_transaction_read_only": "on"},
            }
            if isinstance(options.get("pool_size"), int):
                kwargs["pool_size"] = options["pool_size"]
        try:
            if self._sqlite_file is not None:
                # a local file: the standard library's driver, one thread hand-off a
                # statement (SQLAlchemy pools file connections with check_same_thread off)
                self._engine: sa.Engine | AsyncEngine = sa.create_engine(
                    url.set(drivername="sqlite+pysqlite"), **kwargs
                )
            else:
                kwargs.setdefault("pool_pre_ping", True)
                self._engine = create_async_engine(url, **kwargs)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise SourceError(
                self.name,
                "invalid database URL (expected e.g. "
                "'sqlite+aiosqlite:///file.db' or 'postgresql+asyncpg://...')",
            ) from exc
        sa.event.listen(self.sync_engine, "before_cursor_execute", self._count)
        self._batches = Batches(self._engine.dialect)
        self._dialect = self._engine.dialect.name

    def _count(self, *_: object) -> None:
        with self._counting:  # statements run in worker threads
            self.statements += 1

    @property
    def engine(self) -> sa.Engine | AsyncEngine:
        """The source's engine (its pool is shown at ``/metrics``)."""
        return self._engine

    @property
    def sync_engine(self) -> sa.Engine:
        """The engine's synchronous core, where statement events are listened to."""
        engine = self._engine
        return engine if isinstance(engine, sa.Engine) else engine.sync_engine

    # schema -------------------------------------------------------------------------
    async def _table(self, entity: Entity) -> TableInfo:
        info = self._tables.get(entity.name)
        if info is None:
            info = await self._reflect(entity)
            problems = _problems(entity, info)
            if problems:
                raise SourceError(self.name, "; ".join(problems))
            self._tables[entity.name] = info
        return info

    async def _reflect(self, entity: Entity) -> TableInfo:
        table = entity.mapping.table
        datetimes = {
            fm.column
            for name, fm in entity.mapping.fields.items()
            if entity.type.field(name).type == "DateTime"
        }
        try:
            info: TableInfo = await self._call(
                lambda conn: reflect(conn, table, datetimes), self._query_timeout
            )
            return info
        except NoSuchTableError as exc:
            raise _MissingTable(
                self.name, f"table {table!r} not found (mapped by entity {entity.name})"
            ) from exc

    async def _call(self, fn: Callable[[sa.Connection], T], timeout: float) -> T:
        """``fn`` run on a pooled connection, driver errors said as :class:`SourceError`:
        in one worker-thread hand-off (SQLite), or one ``run_sync`` (asyncpg)."""
        if self._sqlite_file is not None and not self._sqlite_file.is_file():
            raise SourceError(self.name, UNAVAILABLE)
        if isinstance(self._engine, sa.Engine):
            return await in_thread(self._engine, fn, timeout, self.name)
        async with Guarded(self.name, self._connect_timeout, self._engine.connect()) as conn:
            with anyio.fail_after(timeout):
                found: T = await conn.run_sync(fn)
                return found

    async def rows(self, stmt: sa.Executable) -> list[Any]:
        """The rows of a statement built outside the source (the ICONE rollup's reads,
        :mod:`connector.rollup`), run as the source runs its own: one hand-off, its
        timeout, counted; driver errors said as :class:`SourceError`."""
        return await self._call(lambda conn: list(conn.execute(stmt).all()), self._query_timeout)

    def local_files(self) -> dict[str, Path]:
        """The SQLite file this source reads, by the configuration key naming it (none for
        a database server): the configuration checker looks at it without ``--probe``."""
        file = self._sqlite_file
        return {} if file is None else {f"sources.{self.name}.url": file.resolve()}

    async def check(self) -> list[str]:
        """Problems of the mappings against the real schema (tables, columns); [] if none.

        Raises :class:`SourceError` when the database cannot be reached."""
        problems: list[str] = []
        for entity in self._entities.values():
            try:
                info = await self._reflect(entity)
            except _MissingTable:
                problems.append(f"entity {entity.name}: table {entity.mapping.table!r} not found")
                continue
            problems.extend(_problems(entity, info))
        return problems

    async def _unchecked_mappings(self) -> list[str]:
        """The mapping problems of the tables not yet read successfully (each table is
        reflected once it is right, then remembered), for ``/health``."""
        problems: list[str] = []
        for entity in self._entities.values():
            if entity.name in self._tables:
                continue
            try:
                with anyio.fail_after(min(self._connect_timeout, 5.0)):
                    await self._table(entity)
            except _MissingTable:
                problems.append(f"entity {entity.name}: table {entity.mapping.table!r} not found")
            except SourceError as exc:
                problems.append(str(exc).removeprefix(f"source {self.name!r}: "))
            except (TimeoutError, SQLAlchemyError, OSError) as exc:
                problems.append(f"entity {entity.name}: not checked ({type(exc).__name__})")
        return problems

    # queries ------------------------------------------------------------------------
    async def select(self, query: Select) -> list[Row]:
        entity = entity_of(self._entities, query.entity)
        keys = batch_keys(query)
        if keys is not None:
            batch = await self._batches.find(query, keys[0], lambda: self._builder(entity))
            if batch is not None:
                text = batch.driver_sql(keys[1])
                if text is not None:
                    return await self._run_text(*text, batch.decode, entity)
                return await self._run(batch.statement, batch.decode, entity, {BATCH: keys[1]})
        builder = await self._builder(entity)
        stmt, decode = builder.select(query)
        return await self._run(stmt, decode, entity)

    async def aggregate(self, query: Aggregate) -> list[Row]:
        entity = entity_of(self._entities, query.entity)
        builder = await self._builder(entity)
        stmt, decode = builder.aggregate(query)
        return await self._run(stmt, decode, entity)

    async def _builder(self, entity: Entity) -> Builder:
        """A statement builder for ``entity``, with its declared key lookups."""
        lookups = []
        for ref_field, fields in entity.mapping.lookups.items():
            target = self._entities.get(entity.type.field(ref_field).ref or "")
            if target is not None:
                info = await self._table(target)
                lookups.append(Lookup(ref_field, fields, Builder(target, info, self._dialect)))
        return Builder(entity, await self._table(entity), self._dialect, lookups)

    async def _run_text(
        self, sql: str, params: tuple[Any, ...], decode: Decoder, entity: Entity
    ) -> list[Row]:
        rows = await self._call(
            lambda conn: conn.exec_driver_sql(sql, params).all(), self._query_timeout
        )
        return self._decoded(rows, decode, entity)

    async def _run(
        self,
        stmt: sa.Select[Any],
        decode: Decoder,
        entity: Entity,
        params: dict[str, Any] | None = None,
    ) -> list[Row]:
        rows = await self._call(lambda conn: conn.execute(stmt, params).all(), self._query_timeout)
        return self._decoded(rows, decode, entity)

    def _decoded(self, rows: Any, decode: Decoder, entity: Entity) -> list[Row]:
        try:
            return decode(rows)
        except ValueError as exc:
            raise SourceError(
                self.name,
                f"table {entity.mapping.table!r} holds a value "
                f"that does not fit entity {entity.name}: {exc}",
            ) from exc

    async def health(self) -> Health:
        started = time.monotonic()
        if self._sqlite_file is not None and not self._sqlite_file.is_file():
            return Health(
                self.name, False, f"{UNAVAILABLE} (database file not found)", datetime.now(UTC)
            )
        try:
            with anyio.fail_after(min(self._connect_timeout, 5.0)):
                await self._call(
                    lambda conn: conn.execute(sa.text("SELECT 1")).all(), self._query_timeout
                )
        except (TimeoutError, SourceError) as exc:
            cause = exc.__cause__ if isinstance(exc, SourceError) and exc.__cause__ else exc
            log.warning("source %s: health check failed", self.name, exc_info=exc)
            return Health(
                self.name, False, f"{UNAVAILABLE} ({type(cause).__name__})", datetime.now(UTC)
            )
        ms = round((time.monotonic() - started) * 1000, 1)
        problems = await self._unchecked_mappings()
        if problems:
            return Health(self.name, False, f"mapping: {'; '.join(problems)}", datetime.now(UTC))
        return Health(
            self.name,
            True,
            f"{self._dialect} reachable",
            datetime.now(UTC),
            {"latency_ms": ms, "statements": self.statements},
        )

    async def aclose(self) -> None:
        if isinstance(self._engine, sa.Engine):
            self._engine.dispose()
        else:
            await self._engine.dispose()


def _problems(entity: Entity, info: TableInfo) -> list[str]:
    return [
        f"entity {entity.name}: table {entity.mapping.table!r} has no column {col!r} ({what})"
        for col, what in source_columns(entity.mapping)
        if col not in info.columns
    ]

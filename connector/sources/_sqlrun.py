"""Where the SQL adapter's statements run, and driver errors said as :class:`SourceError`.

A SQLite file is read through the synchronous ``sqlite3`` driver, each statement's
checkout, execution and fetch in one worker-thread hand-off (:func:`in_thread`); a
statement that outlives its timeout, or whose caller went away, is interrupted in that
thread. PostgreSQL is read through asyncpg, each statement in one ``run_sync`` on a
:class:`Guarded` connection.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, NoSuchTableError, SQLAlchemyError

from connector.errors import SourceError

log = logging.getLogger("connector.sources.sql")
T = TypeVar("T")
UNAVAILABLE = "the database is unavailable (connection refused, timed out or not found)"
TIMED_OUT = "the query timed out"


class _NoConnection(Exception):
    """The worker thread could not open a connection (said as an outage, not a refusal)."""


class _Running:
    """The SQLite connection a worker thread runs a statement on, for the event loop to
    interrupt; the lock makes sure a connection already given back to the pool (and
    maybe to another statement) is never interrupted."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.dbapi: Any = None

    def interrupt(self) -> None:
        with self.lock:
            if self.dbapi is not None:
                self.dbapi.interrupt()


async def in_thread(
    engine: sa.Engine, fn: Callable[[sa.Connection], T], timeout: float, name: str
) -> T:
    """``fn`` on a connection of ``engine``'s pool, in one worker-thread hand-off."""
    running = _Running()

    def work() -> T:
        try:
            conn = engine.connect()
        except (SQLAlchemyError, OSError) as exc:
            raise _NoConnection from exc
        with conn:
            with running.lock:
                running.dbapi = conn.connection.dbapi_connection
            try:
                return fn(conn)
            finally:
                with running.lock:
                    running.dbapi = None

    try:
        with anyio.fail_after(timeout):
            return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    except TimeoutError as exc:
        running.interrupt()  # the thread gives the connection back once stopped
        raise SourceError(name, TIMED_OUT) from exc
    except anyio.get_cancelled_exc_class():
        running.interrupt()  # nobody waits for the rows any more
        raise
    except _NoConnection as exc:
        log.warning("source %s: cannot connect", name, exc_info=exc.__cause__)
        raise SourceError(name, UNAVAILABLE) from exc.__cause__
    except NoSuchTableError:
        raise
    except (SQLAlchemyError, OSError) as exc:
        raise refused(name, exc) from exc


class Guarded:
    """An async connection context translating driver errors into :class:`SourceError`."""

    def __init__(self, name: str, connect_timeout: float, cm: Any) -> None:
        self.name = name
        self.connect_timeout = connect_timeout
        self.cm = cm

    async def __aenter__(self) -> Any:
        try:
            with anyio.fail_after(self.connect_timeout):
                return await self.cm.__aenter__()
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            log.warning("source %s: cannot connect", self.name, exc_info=exc)
            raise SourceError(self.name, UNAVAILABLE) from exc

    async def __aexit__(self, typ: Any, exc: BaseException | None, tb: Any) -> None:
        await self.cm.__aexit__(typ, exc, tb)
        if exc is None or isinstance(exc, SourceError | NoSuchTableError):
            return
        if isinstance(exc, TimeoutError):
            raise SourceError(self.name, TIMED_OUT) from exc
        if isinstance(exc, SQLAlchemyError | OSError):
            raise refused(self.name, exc) from exc


def refused(name: str, exc: BaseException) -> SourceError:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return SourceError(name, UNAVAILABLE)
    log.warning("source %s: query failed", name, exc_info=exc)
    return SourceError(name, "the database refused the query (see the node log)")

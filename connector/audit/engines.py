"""The engines over a node's (or gateway's) state database, and the creation of its tables.

The audit log, the agreements, the negotiations and the sessions share one database; what
makes several processes of one node safe on it (SQLite's busy timeout and ``IMMEDIATE``
writers, PostgreSQL's advisory lock around ``create_all``) is said once, here, and the log
(:mod:`connector.audit.log`) opens its own engines through it like everyone else.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from connector.audit.sqlite_writer import IMMEDIATE, install_recipe


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

"""The audit log's backends: one SQLite file and the throwaway PostgreSQL server, each test
with a table of its own; and raw SQL access for tampering as a DBA would."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from connector.audit import AuditLog, AuditRecord

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
_tables = itertools.count(1)

PARTY = "https://guichet.example/participants/atmo"
OP = "ab" * 32


@dataclass(frozen=True)
class Db:
    """Where a test's audit log lives."""

    kind: str
    url: str
    table: str

    def log(self, **options: object) -> AuditLog:
        options.setdefault("node", "atmo")
        return AuditLog(self.url, table=self.table, **options)  # type: ignore[arg-type]

    async def tamper(self, *statements: str) -> None:
        """Run raw SQL the way a database administrator could, around the triggers
        (``{t}`` is the table)."""
        engine = create_async_engine(self.url)
        try:
            async with engine.begin() as conn:
                if self.kind == "postgres":
                    await conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                else:
                    for verb in ("update", "delete"):
                        await conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {self.table}_no_{verb}")
                for statement in statements:
                    await conn.exec_driver_sql(statement.format(t=self.table))
        finally:
            await engine.dispose()

    async def raw(self, statement: str) -> list[tuple[object, ...]]:
        engine = create_async_engine(self.url)
        try:
            async with engine.connect() as conn:
                result = await conn.exec_driver_sql(statement.format(t=self.table))
                return [tuple(r) for r in result.fetchall()]
        finally:
            await engine.dispose()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Db:
    table = f"audit_t{next(_tables)}"
    if request.param == "postgres":
        make: Callable[[str], str] = request.getfixturevalue("postgres_database")
        return Db("postgres", make("audit"), table)
    return Db("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}", table)


class Clock:
    """A clock that ticks one second per call, from 2026-11-26T09:00:00Z."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
async def log(db: Db) -> AsyncIterator[AuditLog]:
    audit = db.log(clock=Clock())
    await audit.setup()
    yield audit
    await audit.aclose()


def record(n: int = 0, **fields: object) -> AuditRecord:
    """A plausible record; ``n`` makes the reason unique."""
    values: dict[str, object] = {
        "party": PARTY,
        "decision": "permit",
        "operation_hash": OP,
        "datasets": ("mesures-salles",),
        "reason": f"decision {n}",
    }
    values.update(fields)
    return AuditRecord(**values)  # type: ignore[arg-type]

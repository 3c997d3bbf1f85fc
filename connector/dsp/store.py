"""The protocol's state in the node's state database (the audit log's engine).

Four tables, one per side and process: the negotiations and transfers this node is the
provider of, and those it is the consumer of; and two beside them (tables of their own,
so that a state database made before them gains them as it is opened): the
counter-offers a provider negotiation received, one row per round, and the offer a
consumer negotiation asked for, with whether another may be accepted.

Every change of state is a compare-and-set (``UPDATE ... WHERE state IN (the states the
message may come from)``), so two messages racing each other cannot both move a process,
and a message repeated after its step finds the state it made (idempotent,
:mod:`connector.dsp.machine`).

A problem met while sending a message (the other side down after the retries) is kept
in ``problem`` beside the state, which stays what it was: nothing is lost, and the
process can be looked at or resumed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from connector.audit import create_tables

_meta = sa.MetaData()


def _common(*columns: sa.Column[Any]) -> list[sa.Column[Any]]:
    return [
        *columns,
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("problem", sa.Text),
        sa.Column("created", sa.String(40), nullable=False),
    ]


PROVIDER_NEGOTIATIONS = sa.Table(
    "guichet_dsp_provider_negotiations",
    _meta,
    *_common(
        sa.Column("provider_pid", sa.String(80), primary_key=True),
        sa.Column("consumer_pid", sa.String(512), nullable=False),
        sa.Column("party", sa.String(512), nullable=False),
        sa.Column("client_id", sa.String(512)),
        sa.Column("purpose", sa.String(512)),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("offer", sa.String(512), nullable=False),
        sa.Column("callback", sa.String(2048), nullable=False),
        sa.Column("agreement", sa.String(512)),
        sa.Column("agreed", sa.String(40)),
    ),
    sa.UniqueConstraint("party", "consumer_pid", name="guichet_dsp_pn_consumer"),
)
PROVIDER_TRANSFERS = sa.Table(
    "guichet_dsp_provider_transfers",
    _meta,
    *_common(
        sa.Column("provider_pid", sa.String(80), primary_key=True),
        sa.Column("consumer_pid", sa.String(512), nullable=False),
        sa.Column("party", sa.String(512), nullable=False),
        sa.Column("agreement", sa.String(512), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("callback", sa.String(2048), nullable=False),
        sa.Column("token_hash", sa.String(64), unique=True),
        sa.Column("token_expires", sa.String(40)),
    ),
    sa.UniqueConstraint("party", "consumer_pid", name="guichet_dsp_pt_consumer"),
)
CONSUMER_NEGOTIATIONS = sa.Table(
    "guichet_dsp_consumer_negotiations",
    _meta,
    *_common(
        sa.Column("consumer_pid", sa.String(80), primary_key=True),
        sa.Column("provider_pid", sa.String(512)),
        sa.Column("provider", sa.String(512), nullable=False),
        sa.Column("provider_url", sa.String(2048), nullable=False),
        sa.Column("dataset", sa.String(512), nullable=False),
        sa.Column("offer", sa.String(512), nullable=False),
        sa.Column("agreement", sa.String(512)),
        sa.Column("agreement_document", sa.Text),
    ),
)
PROVIDER_COUNTERS = sa.Table(
    "guichet_dsp_provider_counters",
    _meta,
    sa.Column("provider_pid", sa.String(80), primary_key=True),
    sa.Column("round", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("created", sa.String(40), nullable=False),
)
CONSUMER_ASKED = sa.Table(
    "guichet_dsp_consumer_asked",
    _meta,
    sa.Column("consumer_pid", sa.String(80), primary_key=True),
    sa.Column("offer", sa.Text, nullable=False),
    sa.Column("accept_other", sa.Boolean, nullable=False),
)
CONSUMER_TRANSFERS = sa.Table(
    "guichet_dsp_consumer_transfers",
    _meta,
    *_common(
        sa.Column("consumer_pid", sa.String(80), primary_key=True),
        sa.Column("provider_pid", sa.String(512)),
        sa.Column("provider", sa.String(512), nullable=False),
        sa.Column("provider_url", sa.String(2048), nullable=False),
        sa.Column("agreement", sa.String(512), nullable=False),
        sa.Column("endpoint", sa.String(2048)),
        sa.Column("token", sa.Text),
    ),
)


class Rows:
    """One of the tables, keyed by its primary key; rows are plain dicts."""

    def __init__(
        self, engine: AsyncEngine, table: sa.Table, writer: AsyncEngine | None = None
    ) -> None:
        self.engine, self.table = engine, table
        self.writer = writer or engine
        """Creates the tables (a read, then a write): IMMEDIATE on SQLite, see
        :func:`connector.audit.state_engines`."""
        (self.key,) = table.primary_key.columns
        self._ready = False

    async def setup(self) -> None:
        if not self._ready:
            await create_tables(self.writer, _meta)
            self._ready = True

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self.find(**{self.key.name: key})

    async def find(self, **where: object) -> dict[str, Any] | None:
        await self.setup()
        stmt = sa.select(self.table).where(*(self.table.c[k] == v for k, v in where.items()))
        async with self.engine.connect() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return dict(row) if row is not None else None

    async def insert(self, values: Mapping[str, Any], *, unique: Mapping[str, Any]) -> bool:
        """Add a row; ``False`` when the ``unique`` columns already name one (a repeat)."""
        await self.setup()
        try:
            async with self.engine.begin() as conn:
                await conn.execute(self.table.insert().values(**values))
        except sa.exc.IntegrityError:
            if await self.find(**unique) is None:
                raise
            return False
        return True

    async def move(
        self, key: str, sources: Collection[str], values: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """Set ``values`` (a new ``state``...) if the row is in one of ``sources``; the
        row as it is afterwards, or ``None`` when it was in another state (or is gone)."""
        await self.setup()
        stmt = (
            self.table.update()
            .where(self.key == key, self.table.c.state.in_(list(sources)))
            .values(**values)
        )
        async with self.engine.begin() as conn:
            done = (await conn.execute(stmt)).rowcount
        return await self.get(key) if done else None

    async def note(self, key: str, problem: str | None) -> None:
        """Keep (or clear) the problem met while sending this process's message."""
        await self.setup()
        async with self.engine.begin() as conn:
            await conn.execute(self.table.update().where(self.key == key).values(problem=problem))


class Counters:
    """The counter-offers of the provider's negotiations: ``(providerPid, round)`` is the
    key, so two requests racing for the same round cannot both have it."""

    def __init__(self, rows: Rows) -> None:
        self.rows, self.table = rows, PROVIDER_COUNTERS

    async def last(self, pid: str) -> tuple[int, str]:
        """The last round and its counter-offer's digest; ``(0, "")`` before any."""
        await self.rows.setup()
        t = self.table
        stmt = (
            sa.select(t.c.round, t.c.digest)
            .where(t.c.provider_pid == pid)
            .order_by(t.c.round.desc())
            .limit(1)
        )
        async with self.rows.engine.connect() as conn:
            row = (await conn.execute(stmt)).first()
        return (int(row[0]), str(row[1])) if row is not None else (0, "")

    async def digest(self, pid: str, round: int) -> str | None:
        """The digest of round ``round``'s counter-offer, if there was one."""
        await self.rows.setup()
        t = self.table
        stmt = sa.select(t.c.digest).where(t.c.provider_pid == pid, t.c.round == round)
        async with self.rows.engine.connect() as conn:
            found = (await conn.execute(stmt)).scalar()
        return str(found) if found is not None else None

    async def add(self, pid: str, round: int, digest: str, created: str) -> bool:
        """Record round ``round``; ``False`` when another request took it first."""
        await self.rows.setup()
        values = {"provider_pid": pid, "round": round, "digest": digest, "created": created}
        try:
            async with self.rows.engine.begin() as conn:
                await conn.execute(self.table.insert().values(**values))
        except sa.exc.IntegrityError:
            return False
        return True


class DspStore:
    """The tables of one node."""

    def __init__(self, engine: AsyncEngine, writer: AsyncEngine | None = None) -> None:
        self.negotiations = Rows(engine, PROVIDER_NEGOTIATIONS, writer)
        self.counters = Counters(self.negotiations)
        self.transfers = Rows(engine, PROVIDER_TRANSFERS, writer)
        self.consumer_negotiations = Rows(engine, CONSUMER_NEGOTIATIONS, writer)
        self.consumer_asked = Rows(engine, CONSUMER_ASKED, writer)
        self.consumer_transfers = Rows(engine, CONSUMER_TRANSFERS, writer)

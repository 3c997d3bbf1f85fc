"""Contract negotiations (DSP 2025-1), provider side: their store beside the audit log.

A negotiation is named by the ``providerPid`` the node gives it and by the consumer's
``consumerPid``; a consumer (the token's party) may not reuse a ``consumerPid`` for
another offer, and sending the same ``ContractRequestMessage`` again finds the same
negotiation (idempotent), so a retry after a lost answer starts nothing new.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

_meta = sa.MetaData()
TABLE = sa.Table(
    "guichet_dsp_negotiations",
    _meta,
    sa.Column("provider_pid", sa.String(80), primary_key=True),
    sa.Column("consumer_pid", sa.String(512), nullable=False),
    sa.Column("party", sa.String(512), nullable=False),
    sa.Column("dataset", sa.String(200), nullable=False),
    sa.Column("offer", sa.String(512), nullable=False),
    sa.Column("callback", sa.String(2048), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("created", sa.String(40), nullable=False),
    sa.UniqueConstraint("party", "consumer_pid", name="guichet_dsp_negotiations_consumer"),
)


@dataclass(frozen=True, kw_only=True)
class Negotiation:
    provider_pid: str
    consumer_pid: str
    party: str
    dataset: str
    offer: str
    callback: str
    state: str
    created: str


class NegotiationStore:
    """Negotiations in the node's state database (the audit log's engine)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._ready = False

    async def setup(self) -> None:
        if not self._ready:
            async with self.engine.begin() as conn:
                await conn.run_sync(_meta.create_all)
            self._ready = True

    async def get(self, provider_pid: str) -> Negotiation | None:
        await self.setup()
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(TABLE).where(TABLE.c.provider_pid == provider_pid))
            ).first()
        return Negotiation(**row._mapping) if row is not None else None

    async def by_consumer(self, party: str, consumer_pid: str) -> Negotiation | None:
        await self.setup()
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(TABLE).where(
                        TABLE.c.party == party, TABLE.c.consumer_pid == consumer_pid
                    )
                )
            ).first()
        return Negotiation(**row._mapping) if row is not None else None

    async def request(
        self,
        *,
        consumer_pid: str,
        party: str,
        dataset: str,
        offer: str,
        callback: str,
        now: datetime,
    ) -> Negotiation:
        """A new negotiation in state ``REQUESTED``, or the one this request already made.

        A different request under the same ``consumerPid`` finds that negotiation too:
        the caller compares and refuses it."""
        wanted = Negotiation(
            provider_pid=f"urn:uuid:{uuid.uuid4()}",
            consumer_pid=consumer_pid,
            party=party,
            dataset=dataset,
            offer=offer,
            callback=callback,
            state="REQUESTED",
            created=now.isoformat(),
        )
        existing = await self.by_consumer(party, consumer_pid)
        if existing is not None:
            return existing
        try:
            async with self.engine.begin() as conn:
                await conn.execute(TABLE.insert().values(**wanted.__dict__))
        except sa.exc.IntegrityError:  # the same request, sent twice at once
            again = await self.by_consumer(party, consumer_pid)
            if again is None:
                raise
            return again
        return wanted

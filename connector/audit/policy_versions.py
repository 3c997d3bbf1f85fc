"""The history of each dataset's policy, kept next to the audit log.

At start-up the node records each dataset's policy document (its canonical JSON, RFC 8785)
when its SHA-256 differs from the latest recorded version of that dataset: version 1, 2...
with the time the node first enforced it. The DPD sees which policy was in force when an
entry was written; reverting to an earlier document is a new version, not a rewind.

The table (``{audit table}_policy_versions``: dataset, version, sha256, policy,
first_seen) is append-only like the log, and written under the log's writer lock, so that
two nodes starting at once on one database cannot both claim a version number.

>>> versions = PolicyVersions(log)                                     # doctest: +SKIP
>>> await versions.record({"mesures": document}, now=clock())         # doctest: +SKIP
>>> [v.version for v in await versions.history("mesures")]            # doctest: +SKIP
[2, 1]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from connector.audit import _schema
from connector.audit.canonical import JSONValue, canonical_json, sha256_hex
from connector.audit.record import format_time, parse_time

if TYPE_CHECKING:
    from connector.audit.log import AuditLog


@dataclass(frozen=True)
class PolicyVersion:
    dataset: str
    version: int
    sha256: str
    policy: str
    first_seen: datetime


def versions_table(audit_table: str) -> sa.Table:
    name = f"{audit_table}_policy_versions"
    time_type = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("dataset", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("policy", sa.Text, nullable=False),
        sa.Column("first_seen", time_type, nullable=False),
    )


class PolicyVersions:
    """The policy history of the node whose audit log is ``log``."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self.table = versions_table(log.table.name)
        self._ready = False

    async def setup(self) -> None:
        if self._ready:
            return
        guard = self.log._guard("cannot create the policy history")
        async with guard, self.log._writer.begin() as conn:
            await self.log._serialise(conn)
            await conn.run_sync(self.table.metadata.create_all)
            for statement in _schema.append_only_ddl(self.table.name, self.log.dialect):
                await conn.exec_driver_sql(statement)
        self._ready = True

    async def record(
        self, documents: Mapping[str, JSONValue], *, now: datetime
    ) -> list[PolicyVersion]:
        """Add a version for each dataset whose document differs from its latest one; return
        the versions added."""
        await self.setup()
        added: list[PolicyVersion] = []
        t = self.table
        guard = self.log._guard("cannot record the policy history")
        async with guard, self.log._writer.begin() as conn:
            await self.log._serialise(conn)
            for dataset, document in sorted(documents.items()):
                text = canonical_json(document, strict=False)
                digest = sha256_hex(text.encode("utf-8"))
                latest = (
                    await conn.execute(
                        sa.select(t.c.version, t.c.sha256)
                        .where(t.c.dataset == dataset)
                        .order_by(t.c.version.desc())
                        .limit(1)
                    )
                ).first()
                if latest is not None and latest.sha256 == digest:
                    continue
                version = 1 if latest is None else int(latest.version) + 1
                row = PolicyVersion(dataset, version, digest, text, now)
                await conn.execute(
                    t.insert().values(
                        dataset=dataset,
                        version=version,
                        sha256=digest,
                        policy=text,
                        first_seen=format_time(now, name="now"),
                    )
                )
                added.append(row)
        return added

    async def history(self, dataset: str | None = None) -> list[PolicyVersion]:
        """Every recorded version (of ``dataset``), newest first."""
        await self.setup()
        t = self.table
        stmt = sa.select(t).order_by(t.c.dataset, t.c.version.desc())
        if dataset is not None:
            stmt = stmt.where(t.c.dataset == dataset)
        rows = await self.log._fetch(stmt)
        return [
            PolicyVersion(
                str(r["dataset"]),
                int(r["version"]),
                str(r["sha256"]),
                str(r["policy"]),
                parse_time(str(r["first_seen"])),
            )
            for r in rows
        ]

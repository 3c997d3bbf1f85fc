"""Server-side sessions of the console: a random id in a cookie, everything else in a
database, so that several processes (two gateways behind one address, a node's workers)
serve one console: a session made by one is known to the others, a login started at one
can come back to another, and a logout anywhere ends it everywhere.

The database is the node's state database (beside its audit log) or the gateway's
``--state-db``; without one, an in-memory SQLite database serves this process alone. The
cookie's id is never stored: rows are keyed by its SHA-256, so reading the table gives no
usable cookie. (The access token a session holds is stored: protect the database as the
audit log's.)

A session ends after ``idle`` seconds without a request, ``max_age`` seconds after login,
or when its access token expires, whichever comes first. An ended session's row is kept
for ``max_age`` more seconds so that its owner is told « session expired », not
« unknown ». A pending login is taken once (``DELETE … RETURNING``: one process wins).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from connector.audit import create_tables, state_engines

COOKIE = "guichet_console"
LOGIN_COOKIE = "guichet_console_login"
PENDING_LIFETIME = 600.0

_meta = sa.MetaData()
SESSIONS = sa.Table(
    "guichet_console_sessions",
    _meta,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("token", sa.Text, nullable=False),
    sa.Column("token_exp", sa.Float, nullable=False),
    sa.Column("party", sa.String(512), nullable=False),
    sa.Column("name", sa.String(512), nullable=False),
    sa.Column("username", sa.String(512), nullable=False),
    sa.Column("roles", sa.Text, nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
    sa.Column("ended", sa.Float),
)
PENDING = sa.Table(
    "guichet_console_pending",
    _meta,
    sa.Column("state", sa.String(128), primary_key=True),
    sa.Column("verifier", sa.String(256), nullable=False),
    sa.Column("redirect_uri", sa.Text, nullable=False),
    sa.Column("audiences", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)


@dataclass(frozen=True)
class Session:
    id: str
    token: str
    token_exp: float
    party: str
    name: str
    username: str
    roles: tuple[str, ...]
    csrf: str
    created: float
    last_seen: float


@dataclass(frozen=True)
class Lookup:
    status: Literal["ok", "expired", "unknown", "none"]
    session: Session | None = None


@dataclass(frozen=True)
class PendingLogin:
    """A login sent to the issuer, waiting for its callback (keyed by ``state``)."""

    state: str
    verifier: str
    redirect_uri: str
    audiences: tuple[str, ...]
    created: float


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _engine(database: str | AsyncEngine | None) -> tuple[AsyncEngine, AsyncEngine, bool]:
    """The store's engine, its writer (see :func:`connector.audit.state_engines`) and
    whether it is its own (to dispose of)."""
    if database is None:  # this process alone: one shared in-memory connection
        engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
        return engine, engine, True
    engine, writer = state_engines(database)
    return engine, writer, not isinstance(database, AsyncEngine)


class SessionStore:
    """The console's sessions and pending logins in ``database`` (a URL or an engine;
    None: in memory, this process alone). ``clock`` gives seconds."""

    def __init__(
        self,
        idle: float,
        max_age: float,
        clock: Callable[[], float] = time.time,
        database: str | AsyncEngine | None = None,
    ) -> None:
        self.idle, self.max_age, self.clock = idle, max_age, clock
        self.engine, self._writer, self._owned = _engine(database)
        self._ready = False

    async def _setup(self) -> None:
        if not self._ready:
            await create_tables(self._writer, _meta)
            self._ready = True

    async def aclose(self) -> None:
        if self._owned:
            await self.engine.dispose()

    async def create(
        self,
        *,
        token: str,
        token_exp: float,
        party: str,
        name: str,
        username: str,
        roles: tuple[str, ...],
    ) -> Session:
        await self._setup()
        now = self.clock()
        session = Session(
            id=secrets.token_urlsafe(32),
            token=token,
            token_exp=token_exp,
            party=party,
            name=name,
            username=username,
            roles=roles,
            csrf=secrets.token_urlsafe(32),
            created=now,
            last_seen=now,
        )
        row = {k: v for k, v in session.__dict__.items() if k != "id"}
        async with self._writer.begin() as conn:
            # rows ended long enough ago that nobody needs « expired » for them any more
            await conn.execute(
                SESSIONS.delete().where(
                    SESSIONS.c.ended.is_not(None), SESSIONS.c.ended < now - self.max_age
                )
            )
            await conn.execute(
                SESSIONS.insert().values(
                    id_hash=_key(session.id), **{**row, "roles": " ".join(roles)}
                )
            )
        return session

    async def lookup(self, session_id: str | None) -> Lookup:
        """The live session with this id (touched), or why there is none."""
        if not session_id:
            return Lookup("none")
        await self._setup()
        now = self.clock()
        key = _key(session_id)
        async with self._writer.begin() as conn:
            row = (await conn.execute(sa.select(SESSIONS).where(SESSIONS.c.id_hash == key))).first()
            if row is None:
                return Lookup("unknown")
            if row.ended is not None:
                return Lookup("expired")
            if (
                now - row.last_seen > self.idle
                or now - row.created > self.max_age
                or now >= row.token_exp
            ):
                await conn.execute(
                    SESSIONS.update().where(SESSIONS.c.id_hash == key).values(ended=now)
                )
                return Lookup("expired")
            await conn.execute(
                SESSIONS.update().where(SESSIONS.c.id_hash == key).values(last_seen=now)
            )
        session = Session(
            id=session_id,
            token=row.token,
            token_exp=row.token_exp,
            party=row.party,
            name=row.name,
            username=row.username,
            roles=tuple(row.roles.split()),
            csrf=row.csrf,
            created=row.created,
            last_seen=now,
        )
        return Lookup("ok", session)

    async def end(self, session_id: str) -> None:
        await self._setup()
        async with self._writer.begin() as conn:
            await conn.execute(
                SESSIONS.update()
                .where(SESSIONS.c.id_hash == _key(session_id), SESSIONS.c.ended.is_(None))
                .values(ended=self.clock())
            )

    async def add_pending(self, login: PendingLogin) -> None:
        await self._setup()
        now = self.clock()
        async with self._writer.begin() as conn:
            await conn.execute(PENDING.delete().where(PENDING.c.created < now - PENDING_LIFETIME))
            await conn.execute(
                PENDING.insert().values(
                    state=login.state,
                    verifier=login.verifier,
                    redirect_uri=login.redirect_uri,
                    audiences=" ".join(login.audiences),
                    created=login.created,
                )
            )

    async def take_pending(self, state: str) -> PendingLogin | None:
        """The pending login for ``state``, once (single use, whichever process asks
        first), if not too old."""
        await self._setup()
        async with self._writer.begin() as conn:
            row = (
                await conn.execute(
                    PENDING.delete().where(PENDING.c.state == state).returning(*PENDING.c)
                )
            ).first()
        if row is None or self.clock() - row.created > PENDING_LIFETIME:
            return None
        return PendingLogin(
            row.state, row.verifier, row.redirect_uri, tuple(row.audiences.split()), row.created
        )

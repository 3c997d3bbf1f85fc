"""Person accounts, web clients and authorization codes, in the issuer's own SQL.

People (the DPD, agents) sign in to web applications such as the DPD console through the
authorization-code flow with PKCE. Their passwords are stored as scrypt hashes at OWASP's
cost; after :data:`MAX_FAILED_LOGINS` wrong passwords in a row an account is locked for
:data:`LOCKOUT_SECONDS`. Web clients are public clients (no secret) with exact redirect
URIs. Authorization codes are stored by their SHA-256 only and taken once.

>>> registry = AccountRegistry("sqlite+aiosqlite:///issuer.db")   # doctest: +SKIP
>>> await registry.add_account("dpd", iri=..., name=..., roles=["dpd"], password=...)
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from connector.errors import ConfigError, ConfigIssue
from issuer.account_checks import check_account, check_web_client, redact
from issuer.passwords import DUMMY_PASSWORD_HASH, check_password, hash_password
from issuer.tables import (
    accounts_table,
    codes_table,
    metadata,
    participants_table,
    web_clients_table,
)

MAX_FAILED_LOGINS = 5
LOCKOUT_SECONDS = 300
PASSWORD_CHECKS = 4
"""scrypt at N=2^17 takes 128 MiB: at most this many password hashes run at once."""


@dataclass(frozen=True)
class Account:
    """A person who can sign in (never carries the password hash)."""

    username: str
    iri: str
    name: str
    roles: tuple[str, ...]
    created_at: int
    failed_logins: int = 0
    locked_until: int | None = None

    def get_user_id(self) -> str:
        """authlib's user protocol: the token's ``sub`` is the account IRI."""
        return self.iri


@dataclass(frozen=True)
class WebClient:
    """A public web application allowed to ask people to sign in (PKCE, no secret)."""

    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    created_at: int


@dataclass(frozen=True)
class AuthorizationCode:
    """A stored authorization code (the code itself is known only by its SHA-256)."""

    client_id: str
    redirect_uri: str
    username: str
    scope: str
    code_challenge: str
    resources: tuple[str, ...]
    expires_at: int
    code_challenge_method: str = "S256"

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


class Login(enum.Enum):
    """Why a sign-in failed; the page shows the same message for both wrong cases."""

    WRONG = "wrong"
    LOCKED = "locked"


def code_digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class AccountRegistry:
    """Async access to the issuer's tables in the database at ``url``."""

    def __init__(self, url: str, *, engine: AsyncEngine | None = None) -> None:
        self.url = url
        try:
            self.engine = engine or create_async_engine(url)
        except (SQLAlchemyError, ValueError, ImportError) as exc:
            raise ConfigError([ConfigIssue(redact(url), "database_url", str(exc))]) from exc
        self._ready = False
        self._lock = anyio.Lock()
        self._password_checks = anyio.CapacityLimiter(PASSWORD_CHECKS)

    async def ensure_schema(self) -> None:
        if self._ready:
            return
        async with self._lock:
            if not self._ready:
                async with self.engine.begin() as conn:
                    await conn.run_sync(metadata.create_all)
                self._ready = True

    async def aclose(self) -> None:
        await self.engine.dispose()

    async def add_account(
        self, username: str, *, iri: str, name: str, roles: Iterable[str], password: str
    ) -> Account:
        """Add a person account; only a scrypt hash of ``password`` is stored."""
        roles_t = tuple(roles)
        check_account(username, iri, name, roles_t, password)
        await self.ensure_schema()
        async with self._password_checks:
            stored = await anyio.to_thread.run_sync(hash_password, password)
        row = {
            "username": username,
            "iri": iri,
            "name": name,
            "roles": list(roles_t),
            "password_hash": stored,
            "created_at": int(time.time()),
            "failed_logins": 0,
            "locked_until": None,
        }
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(accounts_table).values(**row))
        except IntegrityError as exc:
            issue = ConfigIssue(redact(self.url), "account", f"{username!r} already exists")
            raise ConfigError([issue]) from exc
        return _account(row)

    async def account(self, username: str) -> Account | None:
        row = await self._account_row(username)
        return _account(row) if row else None

    async def accounts(self) -> list[Account]:
        await self.ensure_schema()
        async with self.engine.connect() as conn:
            result = await conn.execute(select(accounts_table).order_by(accounts_table.c.username))
            return [_account(row) for row in result.mappings()]

    async def check_login(
        self, username: str, password: str, *, now: float | None = None
    ) -> Account | Login:
        """The account when ``password`` is right; otherwise why not (wrong, or locked).

        An unknown username costs one scrypt like a known one; a locked account is not
        checked at all; the 5th wrong password in a row locks the account.
        """
        instant = int(time.time() if now is None else now)
        row = await self._account_row(username)
        if row is not None and (row["locked_until"] or 0) > instant:
            return Login.LOCKED
        stored = row["password_hash"] if row is not None else DUMMY_PASSWORD_HASH
        async with self._password_checks:
            ok = await anyio.to_thread.run_sync(check_password, password, stored)
        if row is None:
            return Login.WRONG
        table = accounts_table
        async with self.engine.begin() as conn:
            if ok:
                values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
            else:
                values = {"failed_logins": table.c.failed_logins + 1}
            where = table.c.username == username
            await conn.execute(update(table).where(where).values(**values))
            if ok:
                return _account(row)
            failed = (await conn.execute(select(table.c.failed_logins).where(where))).scalar_one()
            if failed >= MAX_FAILED_LOGINS:
                lock = {"failed_logins": 0, "locked_until": instant + LOCKOUT_SECONDS}
                await conn.execute(update(table).where(where).values(**lock))
                return Login.LOCKED
        return Login.WRONG

    async def _account_row(self, username: str) -> RowMapping | None:
        await self.ensure_schema()
        async with self.engine.connect() as conn:
            query = select(accounts_table).where(accounts_table.c.username == username)
            return (await conn.execute(query)).mappings().first()

    async def add_web_client(
        self, client_id: str, *, name: str, redirect_uris: Iterable[str]
    ) -> WebClient:
        """Register a public web client; its redirect URIs are matched exactly."""
        uris = tuple(redirect_uris)
        check_web_client(client_id, name, uris)
        await self.ensure_schema()
        row = {
            "client_id": client_id,
            "name": name,
            "redirect_uris": list(uris),
            "created_at": int(time.time()),
        }
        if await self._client_id_taken(client_id):
            issue = ConfigIssue(redact(self.url), "client_id", f"{client_id!r} already exists")
            raise ConfigError([issue])
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(web_clients_table).values(**row))
        except IntegrityError as exc:
            issue = ConfigIssue(redact(self.url), "client_id", f"{client_id!r} already exists")
            raise ConfigError([issue]) from exc
        return _web_client(row)

    async def _client_id_taken(self, client_id: str) -> bool:
        async with self.engine.connect() as conn:
            query = select(participants_table.c.client_id).where(
                participants_table.c.client_id == client_id
            )
            return (await conn.execute(query)).first() is not None

    async def web_client(self, client_id: str) -> WebClient | None:
        await self.ensure_schema()
        async with self.engine.connect() as conn:
            query = select(web_clients_table).where(web_clients_table.c.client_id == client_id)
            row = (await conn.execute(query)).mappings().first()
        return _web_client(row) if row else None

    async def web_clients(self) -> list[WebClient]:
        await self.ensure_schema()
        async with self.engine.connect() as conn:
            query = select(web_clients_table).order_by(web_clients_table.c.client_id)
            return [_web_client(row) for row in (await conn.execute(query)).mappings()]

    async def save_code(self, code: str, record: AuthorizationCode) -> None:
        await self.ensure_schema()
        row = {
            "code_sha256": code_digest(code),
            "client_id": record.client_id,
            "redirect_uri": record.redirect_uri,
            "username": record.username,
            "scope": record.scope,
            "code_challenge": record.code_challenge,
            "resources": list(record.resources),
            "expires_at": record.expires_at,
        }
        async with self.engine.begin() as conn:
            await conn.execute(delete(codes_table).where(codes_table.c.expires_at < time.time()))
            await conn.execute(insert(codes_table).values(**row))

    async def take_code(
        self, code: str, client_id: str, *, now: float | None = None
    ) -> AuthorizationCode | None:
        """The code's record, deleted by the same statement that reads it: a code works once.

        ``None`` for an unknown, already used or expired code, or one issued to another
        client (such a code is burnt all the same).
        """
        await self.ensure_schema()
        instant = time.time() if now is None else now
        where = codes_table.c.code_sha256 == code_digest(code)
        async with self.engine.begin() as conn:
            taken = delete(codes_table).where(where).returning(*codes_table.c)
            row = (await conn.execute(taken)).mappings().first()
        if row is None or row["client_id"] != client_id:
            return None
        if row["expires_at"] <= instant:
            return None
        return AuthorizationCode(
            client_id=row["client_id"],
            redirect_uri=row["redirect_uri"],
            username=row["username"],
            scope=row["scope"],
            code_challenge=row["code_challenge"],
            resources=tuple(row["resources"]),
            expires_at=int(row["expires_at"]),
        )


def _account(row: Mapping[Any, Any]) -> Account:
    return Account(
        username=row["username"],
        iri=row["iri"],
        name=row["name"],
        roles=tuple(row["roles"]),
        created_at=int(row["created_at"]),
        failed_logins=int(row["failed_logins"] or 0),
        locked_until=row["locked_until"],
    )


def _web_client(row: Mapping[Any, Any]) -> WebClient:
    return WebClient(
        client_id=row["client_id"],
        name=row["name"],
        redirect_uris=tuple(row["redirect_uris"]),
        created_at=int(row["created_at"]),
    )

"""The participants registry: who may ask the issuer for tokens, in the issuer's own SQL.

One row per participant: IRI, name, roles, allowed purposes, ``client_id``, and either a
scrypt hash of its client secret (``client_secret_basic``) or its public JWK Set
(``private_key_jwt``). Secrets are returned once, by :meth:`ParticipantRegistry.register`,
and never stored in clear. The tables are created on first use (SQLite or PostgreSQL).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from connector.errors import ConfigError, ConfigIssue
from issuer.account_checks import identity_issues, is_iri, redact
from issuer.accounts import AccountRegistry
from issuer.passwords import hash_secret, new_secret
from issuer.tables import assertions_table, metadata, participants_table

__all__ = [
    "AUTH_METHODS",
    "Credentials",
    "Participant",
    "ParticipantRegistry",
    "assertions_table",
    "expand_iri",
    "is_iri",
    "metadata",
    "participants_table",
    "redact",
]


def new_client_id() -> str:
    """16 random URL-safe characters (96 bits) that start with a letter or digit, as
    every client id must (``token_urlsafe`` alone starts with ``-`` or ``_`` one time in
    32, and such an id could not be told apart from an option on a command line)."""
    while not (client_id := secrets.token_urlsafe(12))[0].isalnum():
        pass
    return client_id


AUTH_METHODS = ("client_secret_basic", "private_key_jwt")
PREFIXES = {"dpv:": "https://w3id.org/dpv#"}


@dataclass(frozen=True)
class Participant:
    """A registered participant of the data space (never carries a secret in clear)."""

    iri: str
    name: str
    roles: tuple[str, ...]
    purposes: tuple[str, ...]
    client_id: str
    auth_method: str
    secret_hash: str | None = None
    jwks: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Credentials:
    """What a participant receives once at registration; the secret is shown only here."""

    participant: str
    client_id: str
    client_secret: str | None
    auth_method: str


def expand_iri(value: str) -> str:
    """``dpv:ScientificResearch`` → ``https://w3id.org/dpv#ScientificResearch``."""
    for prefix, namespace in PREFIXES.items():
        if value.startswith(prefix):
            return namespace + value[len(prefix) :]
    return value


class ParticipantRegistry(AccountRegistry):
    """Async access to the issuer's tables in the database at ``url``: participants (client
    credentials) here, person accounts, web clients and codes from :class:`AccountRegistry`."""

    async def register(
        self,
        iri: str,
        name: str,
        roles: Iterable[str],
        purposes: Iterable[str],
        *,
        auth_method: str = "client_secret_basic",
        jwks: Mapping[str, Any] | None = None,
    ) -> Credentials:
        """Add a participant; returns its credentials (the secret appears only here)."""
        roles_t, purposes_t = tuple(roles), tuple(expand_iri(p) for p in purposes)
        _check_registration(iri, name, roles_t, purposes_t, auth_method, jwks)
        await self.ensure_schema()
        client_id = new_client_id()
        secret = new_secret() if auth_method == "client_secret_basic" else None
        row = {
            "client_id": client_id,
            "iri": iri,
            "name": name,
            "roles": list(roles_t),
            "purposes": list(purposes_t),
            "auth_method": auth_method,
            "secret_hash": await anyio.to_thread.run_sync(hash_secret, secret) if secret else None,
            "jwks": dict(jwks) if jwks is not None else None,
            "created_at": int(time.time()),
        }
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(participants_table).values(**row))
        except IntegrityError as exc:
            raise ConfigError(
                [ConfigIssue(redact(self.url), "participant", f"{iri!r} is already registered")]
            ) from exc
        return Credentials(iri, client_id, secret, auth_method)

    async def get(self, client_id: str) -> Participant | None:
        await self.ensure_schema()
        async with self.engine.connect() as conn:
            result = await conn.execute(
                select(participants_table).where(participants_table.c.client_id == client_id)
            )
            row = result.mappings().first()
        return _participant(row) if row else None

    async def participants(self) -> list[Participant]:
        await self.ensure_schema()
        async with self.engine.connect() as conn:
            query = select(participants_table).order_by(participants_table.c.iri)
            result = await conn.execute(query)
            return [_participant(row) for row in result.mappings()]

    async def remember_assertion(self, client_id: str, jti: str, expires_at: int) -> bool:
        """Record a client assertion's ``jti``; False when it was already used (a replay)."""
        await self.ensure_schema()
        now = int(time.time())
        try:
            async with self.engine.begin() as conn:
                expired = assertions_table.c.expires_at < now
                await conn.execute(delete(assertions_table).where(expired))
                await conn.execute(
                    insert(assertions_table).values(
                        client_id=client_id, jti=jti, expires_at=max(expires_at, now)
                    )
                )
        except IntegrityError:
            return False
        return True


def _participant(row: RowMapping) -> Participant:
    return Participant(
        iri=row["iri"],
        name=row["name"],
        roles=tuple(row["roles"]),
        purposes=tuple(row["purposes"]),
        client_id=row["client_id"],
        auth_method=row["auth_method"],
        secret_hash=row["secret_hash"],
        jwks=row["jwks"],
    )


def _check_registration(
    iri: str,
    name: str,
    roles: tuple[str, ...],
    purposes: tuple[str, ...],
    auth_method: str,
    jwks: Mapping[str, Any] | None,
) -> None:
    where = f"participant {iri!r}"
    issues = []
    issues += identity_issues(where, iri, name, roles)
    issues += [
        ConfigIssue(where, "purposes", f"expected a purpose IRI, got {p!r}")
        for p in purposes
        if not is_iri(p)
    ]
    if auth_method not in AUTH_METHODS:
        issues.append(
            ConfigIssue(
                where, "auth_method", f"expected one of {list(AUTH_METHODS)}, got {auth_method!r}"
            )
        )
    elif auth_method == "private_key_jwt":
        issues += _check_jwks(where, jwks)
    elif jwks is not None:
        issues.append(ConfigIssue(where, "jwks", "a public key is only used with private_key_jwt"))
    if issues:
        raise ConfigError(issues)


def _check_jwks(where: str, jwks: Mapping[str, Any] | None) -> list[ConfigIssue]:
    if not jwks or not jwks.get("keys"):
        return [ConfigIssue(where, "jwks", "private_key_jwt needs the client's public key(s)")]
    try:
        keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        return [ConfigIssue(where, "jwks", f"not a valid JWK Set: {exc}")]
    if any(k.is_private for k in keys.keys):
        return [ConfigIssue(where, "jwks", "contains a private key; register the public key only")]
    return []

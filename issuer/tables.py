"""The issuer's SQL tables (SQLite or PostgreSQL), created on first use.

``issuer_participants`` and ``issuer_used_assertions`` serve the client-credentials grant;
``issuer_accounts``, ``issuer_web_clients`` and ``issuer_authorization_codes`` serve the
person login (authorization code with PKCE). Times are Unix seconds.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Integer, MetaData, String, Table

metadata = MetaData()
participants_table = Table(
    "issuer_participants",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("iri", String(512), nullable=False, unique=True),
    Column("name", String(256), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("purposes", JSON, nullable=False),
    Column("auth_method", String(32), nullable=False),
    Column("secret_hash", String(256), nullable=True),
    Column("jwks", JSON, nullable=True),
    Column("created_at", BigInteger, nullable=False),
)
assertions_table = Table(
    "issuer_used_assertions",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("jti", String(256), primary_key=True),
    Column("expires_at", BigInteger, nullable=False),
)
accounts_table = Table(
    "issuer_accounts",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("iri", String(512), nullable=False),
    Column("name", String(256), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", BigInteger, nullable=True),
)
web_clients_table = Table(
    "issuer_web_clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("redirect_uris", JSON, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)
codes_table = Table(
    "issuer_authorization_codes",
    metadata,
    Column("code_sha256", String(64), primary_key=True),
    Column("client_id", String(64), nullable=False),
    Column("redirect_uri", String(2048), nullable=False),
    Column("username", String(64), nullable=False),
    Column("scope", String(256), nullable=False),
    Column("code_challenge", String(128), nullable=False),
    Column("resources", JSON, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

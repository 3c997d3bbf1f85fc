"""``guichet issuer add-account|add-web-client|accounts|web-clients``: people and web apps.

    guichet issuer add-account USERNAME --iri IRI --name NAME [--role ROLE]...
                               (--password-file FILE | --password-env VAR) [--db URL]
    guichet issuer add-web-client CLIENT_ID --name NAME --redirect-uri URI... [--db URL]
    guichet issuer accounts [--db URL]
    guichet issuer web-clients [--db URL]

Every ``guichet issuer`` command reads and writes the same database: ``--db`` (default
:data:`DEFAULT_DB`, a file in the current folder). The commands that only read refuse a
SQLite file that is not there rather than create an empty one.

A password never travels on the command line (it would show in the process list and the
shell history): it is read from a file (``-`` for standard input; one trailing newline is
dropped) or an environment variable, and only its scrypt hash is stored.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

from connector.commands import sqlite_file
from connector.errors import ConfigError, ConfigIssue
from issuer.accounts import Account, WebClient
from issuer.registry import ParticipantRegistry
from issuer.settings import IssuerSettings

DEFAULT_DB = str(IssuerSettings.__dataclass_fields__["database_url"].default)
T = TypeVar("T")


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """``--db``, the same option with the same default on every ``guichet issuer`` command."""
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="URL",
        help="the issuer's database, the same for every guichet issuer command "
        f"(default {DEFAULT_DB}: a file in the current folder)",
    )


def existing_db(url: str) -> str:
    """``url``, once sure that a command which only reads will not create a new, empty
    SQLite file (the sign of a ``--db`` that differs from the one written to)."""
    try:
        file = sqlite_file(url)
    except ValueError as exc:
        raise ConfigError([ConfigIssue("command line", "--db", str(exc))]) from exc
    if file is not None and not file.is_file():
        issue = ConfigIssue(
            "command line",
            "--db",
            f"no issuer database at {file.resolve()} (default of every guichet issuer "
            f"command: {DEFAULT_DB}, in the current folder)",
        )
        raise ConfigError([issue])
    return url


def _nothing_in(what: str, url: str) -> None:
    print(f"no {what} in {url}", file=sys.stderr)


def wrote_to(url: str) -> None:
    """Say on stderr which database a command wrote to (where the others must look)."""
    print(f"(issuer database: {url})", file=sys.stderr)


def _run(db_url: str, action: Callable[[ParticipantRegistry], Awaitable[T]]) -> T:
    async def run() -> T:
        registry = ParticipantRegistry(db_url)
        try:
            return await action(registry)
        finally:
            await registry.aclose()

    return asyncio.run(run())


def read_password(*, file: str | None = None, env: str | None = None) -> str:
    """The password from ``file`` (``-``: standard input) or the variable ``env``."""
    if env is not None and file is None:
        value = os.environ.get(env)
        if value is None:
            raise ConfigError([ConfigIssue("environment", env, "the variable is not set")])
        return value
    if file is None or env is not None:
        issue = ConfigIssue("command line", "password", "give --password-file or --password-env")
        raise ConfigError([issue])
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(file, "password_file", str(exc))]) from exc
    return text.removesuffix("\n").removesuffix("\r")


def add_account(
    db_url: str,
    username: str,
    *,
    iri: str,
    name: str,
    roles: Sequence[str],
    password: str,
    out: TextIO | None = None,
) -> Account:
    """Add a person account and print it (never the password)."""
    account = _run(
        db_url,
        lambda r: r.add_account(username, iri=iri, name=name, roles=roles, password=password),
    )
    print(
        f"account {account.username} added: {account.iri} roles={','.join(account.roles)}",
        file=out or sys.stdout,
    )
    return account


def add_web_client(
    db_url: str,
    client_id: str,
    *,
    name: str,
    redirect_uris: Sequence[str],
    out: TextIO | None = None,
) -> WebClient:
    """Register a public web client (authorization code + PKCE, no secret) and print it."""
    client = _run(
        db_url, lambda r: r.add_web_client(client_id, name=name, redirect_uris=redirect_uris)
    )
    print(
        f"web client {client.client_id} added: {' '.join(client.redirect_uris)}",
        file=out or sys.stdout,
    )
    return client


def list_accounts(db_url: str, *, out: TextIO | None = None) -> list[Account]:
    """Print and return the person accounts (no password hash: the type has none)."""
    accounts = _run(db_url, lambda r: r.accounts())
    for a in accounts:
        locked = f"\tlocked_until={a.locked_until}" if a.locked_until else ""
        print(
            f"{a.username}\t{a.iri}\t{a.name}\troles={','.join(a.roles)}{locked}",
            file=out or sys.stdout,
        )
    return accounts


def list_web_clients(db_url: str, *, out: TextIO | None = None) -> list[WebClient]:
    clients = _run(db_url, lambda r: r.web_clients())
    for c in clients:
        print(f"{c.client_id}\t{c.name}\t{' '.join(c.redirect_uris)}", file=out or sys.stdout)
    return clients


def _add_account(args: argparse.Namespace) -> int:
    password = read_password(file=args.password_file, env=args.password_env)
    add_account(
        args.db, args.username, iri=args.iri, name=args.name, roles=args.role, password=password
    )
    wrote_to(args.db)
    return 0


def _add_web_client(args: argparse.Namespace) -> int:
    add_web_client(args.db, args.client_id, name=args.name, redirect_uris=args.redirect_uri)
    wrote_to(args.db)
    return 0


def _accounts(args: argparse.Namespace) -> int:
    if not list_accounts(existing_db(args.db)):
        _nothing_in("person accounts", args.db)
    return 0


def _web_clients(args: argparse.Namespace) -> int:
    if not list_web_clients(existing_db(args.db)):
        _nothing_in("web clients", args.db)
    return 0


def add_account_parsers(sub: Any) -> None:
    """Add the account and web-client commands to ``guichet issuer``'s sub-parsers."""
    a = sub.add_parser("add-account", help="add a person account (login page)")
    a.add_argument("username", help="the login name the person types")
    a.add_argument("--iri", required=True, help="the person's IRI (the tokens' sub)")
    a.add_argument("--name", required=True, help="display name")
    a.add_argument("--role", action="append", default=[], help="a role (repeat)")
    secret = a.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-file", help="file holding the password ('-': stdin)")
    secret.add_argument("--password-env", help="environment variable holding the password")
    add_db_option(a)
    a.set_defaults(func=_add_account)

    w = sub.add_parser("add-web-client", help="register a public web client (code + PKCE)")
    w.add_argument("client_id", help="the client id the web app sends (e.g. guichet-console)")
    w.add_argument("--name", required=True, help="display name shown on the login page")
    w.add_argument(
        "--redirect-uri", action="append", required=True, help="exact redirect URI (repeat)"
    )
    add_db_option(w)
    w.set_defaults(func=_add_web_client)

    ls = sub.add_parser("accounts", help="list the person accounts")
    add_db_option(ls)
    ls.set_defaults(func=_accounts)

    wc = sub.add_parser("web-clients", help="list the web clients")
    add_db_option(wc)
    wc.set_defaults(func=_web_clients)

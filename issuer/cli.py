"""``guichet issuer``: serve the issuer, register and list participants, rotate keys.

    guichet issuer serve --issuer URL --audience NODE_URL... [--db URL] [--key-dir DIR]
    guichet issuer register IRI --name NAME [--role R]... [--purpose P]...
                            [--auth-method client_secret_basic|private_key_jwt]
                            [--public-key FILE] [--db URL]
    guichet issuer list [--db URL]
    guichet issuer rotate-keys [--key-dir DIR] [--alg ES256|RS256]
    guichet issuer add-account|add-web-client|accounts|web-clients ...   (see cli_accounts)

Every command uses the same database, ``--db`` (default ``sqlite+aiosqlite:///guichet-
issuer.db``, in the current folder), and the same key folder, ``--key-dir`` (default
``guichet-issuer-keys``). The client secret is printed once, at registration, and stored
only as a hash.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from joserfc.jwk import ECKey, Key, RSAKey

from connector.errors import ConfigError, ConfigIssue
from connector.telemetry import add_log_format
from issuer.cli_accounts import add_account_parsers, add_db_option, existing_db, wrote_to
from issuer.keys import ALGORITHMS, KeyStore
from issuer.registry import Credentials, Participant, ParticipantRegistry
from issuer.settings import IssuerSettings

DEFAULT_KEY_DIR = "guichet-issuer-keys"


def load_public_jwks(path: Path) -> dict[str, Any]:
    """A client's public key(s) from a JWK, a JWK Set or a PEM public key file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([ConfigIssue(str(path), "public_key", str(exc))]) from exc
    if text.lstrip().startswith("-----BEGIN"):
        try:
            native = load_pem_public_key(text.encode())
        except ValueError as exc:
            raise ConfigError([ConfigIssue(str(path), "public_key", str(exc))]) from exc
        key: Key
        if isinstance(native, ec.EllipticCurvePublicKey):
            key = ECKey.import_key(native, {"use": "sig"})
        elif isinstance(native, rsa.RSAPublicKey):
            key = RSAKey.import_key(native, {"use": "sig"})
        else:
            raise ConfigError([ConfigIssue(str(path), "public_key", "expected an EC or RSA key")])
        key.ensure_kid()
        return {"keys": [dict(key.as_dict(private=False))]}
    try:
        document = json.loads(text)
    except ValueError as exc:
        issue = ConfigIssue(str(path), "public_key", f"not JSON or PEM: {exc}")
        raise ConfigError([issue]) from exc
    if isinstance(document, dict) and "keys" in document:
        return document
    if isinstance(document, dict):
        return {"keys": [document]}
    raise ConfigError([ConfigIssue(str(path), "public_key", "expected a JWK or a JWK Set")])


def register(
    db_url: str,
    participant_iri: str,
    name: str,
    roles: Sequence[str],
    purposes: Sequence[str],
    *,
    auth_method: str = "client_secret_basic",
    public_key_path: Path | str | None = None,
    out: TextIO | None = None,
) -> Credentials:
    """Register a participant and print its credentials (the secret is shown only now)."""
    jwks = load_public_jwks(Path(public_key_path)) if public_key_path else None

    async def run() -> Credentials:
        registry = ParticipantRegistry(db_url)
        try:
            return await registry.register(
                participant_iri, name, roles, purposes, auth_method=auth_method, jwks=jwks
            )
        finally:
            await registry.aclose()

    credentials = asyncio.run(run())
    out = out or sys.stdout
    print(f"participant:   {credentials.participant}", file=out)
    print(f"auth method:   {credentials.auth_method}", file=out)
    print(f"client_id:     {credentials.client_id}", file=out)
    if credentials.client_secret:
        print(f"client_secret: {credentials.client_secret}", file=out)
        print("(the secret is shown once; only its hash is stored)", file=out)
    return credentials


def list_participants(db_url: str, *, out: TextIO | None = None) -> list[Participant]:
    """Print and return the registered participants (never a secret)."""

    async def run() -> list[Participant]:
        registry = ParticipantRegistry(db_url)
        try:
            return await registry.participants()
        finally:
            await registry.aclose()

    participants = asyncio.run(run())
    out = out or sys.stdout
    for p in participants:
        print(
            f"{p.iri}\t{p.name}\tclient_id={p.client_id}\t{p.auth_method}\t"
            f"roles={','.join(p.roles)}\tpurposes={','.join(p.purposes)}",
            file=out,
        )
    return participants


def rotate_keys(
    key_dir: Path | str,
    *,
    algorithm: str = "ES256",
    retain_seconds: int = 3600,
    out: TextIO | None = None,
) -> str:
    """Make a new signing key; returns its ``kid``. The previous key stays published."""
    store = KeyStore(Path(key_dir), algorithm=algorithm, retain_seconds=retain_seconds)
    store.retained()
    kid = str(store.rotate().kid)
    out = out or sys.stdout
    print(f"new signing key kid={kid}; published: {[k.kid for k in store.retained()]}", file=out)
    return kid


def serve(
    settings: IssuerSettings,
    host: str,
    port: int,
    *,
    log_level: str = "info",
    log_format: str | None = None,
) -> None:
    """Run the issuer with uvicorn until interrupted."""
    import uvicorn

    from connector.commands import long_lived
    from connector.telemetry import configure_logging, uvicorn_log_config
    from issuer.app import create_issuer_app

    fmt = configure_logging(log_format)
    uvicorn.run(
        long_lived(create_issuer_app(settings)),
        host=host,
        port=port,
        log_level=log_level,
        log_config=uvicorn_log_config(fmt),
    )


def _serve(args: argparse.Namespace) -> int:
    settings = IssuerSettings(
        issuer=args.issuer,
        audiences=tuple(args.audience),
        database_url=args.db,
        key_dir=Path(args.key_dir),
        token_lifetime=args.lifetime,
        algorithm=args.alg,
    )
    port = args.port if args.port is not None else (urlsplit(args.issuer).port or 8100)
    serve(settings, args.host, port, log_level=args.log_level, log_format=args.log_format)
    return 0


def _register(args: argparse.Namespace) -> int:
    register(
        args.db,
        args.iri,
        args.name,
        args.role,
        args.purpose,
        auth_method=args.auth_method,
        public_key_path=args.public_key,
    )
    wrote_to(args.db)
    return 0


def _list(args: argparse.Namespace) -> int:
    if not list_participants(existing_db(args.db)):
        print(f"no participants in {args.db}", file=sys.stderr)
    return 0


def _rotate(args: argparse.Namespace) -> int:
    rotate_keys(args.key_dir, algorithm=args.alg, retain_seconds=args.retain)
    return 0


def _key_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key-dir",
        default=DEFAULT_KEY_DIR,
        metavar="DIR",
        help=f"the folder of the issuer's signing keys (default {DEFAULT_KEY_DIR})",
    )


def _alg_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--alg", choices=sorted(ALGORITHMS), default="ES256", help=f"{what} (%(default)s)"
    )


def add_issuer_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``issuer`` (with its own sub-commands) to a ``guichet`` sub-parser set."""
    issuer: argparse.ArgumentParser = subparsers.add_parser(
        "issuer",
        help="the data space's OAuth 2.0 issuer: participants, people, keys",
        description="The data-space authority's OAuth 2.0 issuer. Every command uses the "
        "same database (--db) and key folder (--key-dir), with the same defaults.",
    )
    sub = issuer.add_subparsers(
        dest="issuer_command", required=True, title="commands", metavar="COMMAND"
    )

    s = sub.add_parser("serve", help="run the issuer")
    s.add_argument("--issuer", required=True, help="public issuer URL, e.g. http://127.0.0.1:8100")
    add_log_format(s)
    s.add_argument(
        "--audience",
        action="append",
        required=True,
        help="a node URL tokens may be issued for (repeat)",
    )
    add_db_option(s)
    _key_dir_option(s)
    s.add_argument(
        "--lifetime", type=int, default=3600, help="token lifetime in seconds (%(default)s)"
    )
    _alg_option(s, "the algorithm of a new signing key")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    s.add_argument("--port", type=int, help="port to listen on (default: the issuer URL's port)")
    s.add_argument(
        "--log-level",
        default="info",
        choices=("critical", "error", "warning", "info", "debug", "trace"),
        help="uvicorn's log level (%(default)s)",
    )
    s.set_defaults(func=_serve)

    r = sub.add_parser("register", help="register a participant and print its credentials")
    r.add_argument("iri", help="participant IRI")
    r.add_argument("--name", required=True, help="the participant's display name")
    r.add_argument("--role", action="append", default=[], help="a role its tokens carry (repeat)")
    r.add_argument(
        "--purpose",
        action="append",
        default=[],
        help="a DPV purpose IRI it may ask tokens for (repeat; dpv:X is expanded)",
    )
    r.add_argument(
        "--auth-method",
        choices=["client_secret_basic", "private_key_jwt"],
        default="client_secret_basic",
        help="how it authenticates at /token (%(default)s)",
    )
    r.add_argument("--public-key", help="JWK, JWKS or PEM public key (private_key_jwt)")
    add_db_option(r)
    r.set_defaults(func=_register)

    ls = sub.add_parser("list", help="list the registered participants")
    add_db_option(ls)
    ls.set_defaults(func=_list)

    rot = sub.add_parser("rotate-keys", help="make a new signing key, keep the previous one")
    _key_dir_option(rot)
    _alg_option(rot, "the new key's algorithm")
    rot.add_argument(
        "--retain",
        type=int,
        default=3600,
        help="seconds a retired key stays published (>= token lifetime; %(default)s)",
    )
    rot.set_defaults(func=_rotate)
    add_account_parsers(sub)
    return issuer


def main(argv: Sequence[str] | None = None) -> int:
    """``guichet issuer ...`` on its own: ``main(["register", IRI, "--name", ...])``."""
    parser = argparse.ArgumentParser(prog="guichet")
    add_issuer_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["issuer", *(sys.argv[1:] if argv is None else argv)])
    from connector.commands import guarded

    return guarded(args.func, args)


if __name__ == "__main__":
    sys.exit(main())

"""``guichet gateway ...`` (and ``python gateway.py ...``): serve the gateway until
interrupted.

    guichet gateway --subgraph cda=http://127.0.0.1:8101/graphql \\
                    --subgraph atmo=http://127.0.0.1:8102/graphql --port 4000
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from connector.commands import guarded, long_lived
from connector.errors import GatewayError
from connector.gateway._config import parse_subgraph_args
from connector.gateway._create import create_gateway_app
from connector.gateway._gateway import GatewaySettings
from connector.gateway._limits import Limits
from connector.gateway._transparence import TransparenceSettings
from connector.gateway._transparence_data import Participant
from connector.telemetry import add_log_format, configure_logging, uvicorn_log_config

__all__ = ["main", "parser", "settings_from"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="guichet gateway", description="Serve one GraphQL API over Federation v2 subgraphs."
    )
    p.add_argument(
        "--subgraph",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="a subgraph and its GraphQL URL; repeat for each (its SDL is read from "
        "{ _service { sdl } })",
    )
    p.add_argument(
        "--supergraph",
        metavar="FILE",
        help="supergraph config (TOML, like Rover's): [subgraphs.NAME] routing_url, schema.file",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    p.add_argument("--port", type=int, default=4000, help="port to listen on (%(default)s)")
    p.add_argument("--path", default="/graphql", help="GraphQL path (%(default)s)")
    add_log_format(p)
    p.add_argument(
        "--poll-interval",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds between SDL checks; 0: never after startup (%(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="per subgraph request (%(default)s)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=1,
        help="retries of a query fetch on connection errors (%(default)s)",
    )
    p.add_argument(
        "--max-depth",
        type=int,
        default=Limits().max_depth,
        help="deepest selection accepted (%(default)s, as a node)",
    )
    p.add_argument(
        "--max-aliases",
        type=int,
        default=Limits().max_aliases,
        help="most aliases accepted in a query (%(default)s, as a node)",
    )
    p.add_argument(
        "--max-tokens",
        type=int,
        default=Limits().max_tokens,
        help="most lexical tokens accepted in a query (%(default)s, as a node)",
    )
    p.add_argument(
        "--max-cost",
        type=int,
        default=Limits().max_cost,
        help="highest query cost accepted: fields weighted by list sizes (%(default)s)",
    )
    p.add_argument(
        "--max-body-bytes",
        type=int,
        default=GatewaySettings().max_body_bytes,
        metavar="BYTES",
        help="largest request body accepted; 413 beyond (%(default)s, as a node)",
    )
    p.add_argument(
        "--console-issuer",
        metavar="URL",
        help="serve the DPD console at /console/, logging people in at this OAuth 2.0 issuer "
        "(with --console-client-id; off without them)",
    )
    p.add_argument(
        "--console-client-id",
        metavar="ID",
        help="the console's public web client at the issuer (e.g. guichet-console)",
    )
    p.add_argument(
        "--console-session-idle",
        type=int,
        default=900,
        metavar="SECONDS",
        help="a console session ends after this long without a request (%(default)s)",
    )
    p.add_argument(
        "--console-session-max",
        type=int,
        default=8 * 3600,
        metavar="SECONDS",
        help="a console session ends this long after login, whatever happens (%(default)s)",
    )
    p.add_argument(
        "--console-timezone",
        default="Europe/Paris",
        metavar="ZONE",
        help="the IANA time zone the console shows and reads times in (%(default)s)",
    )
    p.add_argument(
        "--state-db",
        metavar="URL",
        help="the gateway's database (SQLAlchemy async URL, e.g. "
        "postgresql+asyncpg://... or sqlite+aiosqlite:///gateway.db): the console's sessions, "
        "shared by every gateway behind one address (default: in memory, this process alone)",
    )
    page = p.add_argument_group(
        "the families' page (/transparence/)",
        "its usage counts are read with its own participant's client credentials at the "
        "issuer (role transparence); without them the page shows no counts",
    )
    page.add_argument("--transparence-issuer", metavar="URL", help="the issuer of its token")
    page.add_argument("--transparence-client-id", metavar="ID", help="its client id")
    page.add_argument(
        "--transparence-secret-file",
        metavar="FILE",
        help="a file holding its client secret (never on the command line)",
    )
    page.add_argument("--transparence-dpd-name", default="", metavar="TEXT", help="the DPD's name")
    page.add_argument(
        "--transparence-dpd-contact", default="", metavar="TEXT", help="the DPD's contact"
    )
    return p


def transparence_from(args: argparse.Namespace) -> TransparenceSettings:
    """The families' page the command line asks for; a half-given participant is refused."""
    given = [args.transparence_issuer, args.transparence_client_id, args.transparence_secret_file]
    participant = None
    if any(given) and not all(given):
        raise GatewayError(
            "--transparence-issuer, --transparence-client-id and --transparence-secret-file "
            "go together (the families' page's participant)"
        )
    if all(given):
        try:
            secret = Path(args.transparence_secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise GatewayError(
                f"--transparence-secret-file {args.transparence_secret_file}: {exc.strerror or exc}"
            ) from exc
        participant = Participant(args.transparence_issuer, args.transparence_client_id, secret)
    return TransparenceSettings(
        dpd_name=args.transparence_dpd_name,
        dpd_contact=args.transparence_dpd_contact,
        participant=participant,
    )


def settings_from(args: argparse.Namespace) -> GatewaySettings:
    """The settings the parsed command line asks for."""
    return GatewaySettings(
        timeout=args.timeout,
        retries=args.retries,
        poll_interval=args.poll_interval,
        limits=replace(
            Limits(),
            max_depth=args.max_depth,
            max_aliases=args.max_aliases,
            max_tokens=args.max_tokens,
            max_cost=args.max_cost,
        ),
        max_body_bytes=args.max_body_bytes,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``guichet gateway ...``: serve until interrupted. Returns the exit status."""
    import uvicorn

    args = parser().parse_args(argv)
    settings = settings_from(args)

    def serve() -> int:
        fmt = configure_logging(args.log_format)
        sources = parse_subgraph_args(args.subgraph)
        if not sources and args.supergraph is None:
            print("error: give --subgraph NAME=URL or --supergraph FILE", file=sys.stderr)
            return 2
        app = create_gateway_app(
            sources,
            supergraph=args.supergraph,
            settings=settings,
            path=args.path,
            console_issuer=args.console_issuer,
            console_client_id=args.console_client_id,
            console_session=(args.console_session_idle, args.console_session_max),
            console_timezone=args.console_timezone,
            state_db=args.state_db,
            transparence=transparence_from(args),
        )
        uvicorn.run(
            long_lived(app),
            host=args.host,
            port=args.port,
            log_level="info",
            log_config=uvicorn_log_config(fmt),
        )
        return 0

    return guarded(serve)

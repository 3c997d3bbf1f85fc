"""Guichet's federation gateway: one GraphQL API over Federation v2 subgraphs.

It reads each subgraph's ``{ _service { sdl } }`` (or a supergraph config file),
composes the supergraph with the Federation v2 rules checked, plans each query into
fetches (entity fetches batched per subgraph and step, independent ones concurrent),
forwards the caller's ``Authorization`` to every node (nodes decide access), and answers
with partial data and per-node errors when a node is down, slow or refuses.

    guichet gateway --subgraph cda=http://127.0.0.1:8101/graphql \\
                    --subgraph atmo=http://127.0.0.1:8102/graphql --port 4000 \\
                    --console-issuer http://127.0.0.1:8100 --console-client-id guichet-console

>>> app = create_gateway_app({"cda": "http://127.0.0.1:8101/graphql"})  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from connector.console.mounting import PATH as CONSOLE_PATH
from connector.console.mounting import gateway_console
from connector.errors import ConfigError, ConfigIssue
from connector.gateway import (
    Gateway,
    GatewaySettings,
    Limits,
    SubgraphClient,
    SubgraphSource,
)
from connector.gateway._app import build_app, owned_client
from connector.gateway._config import load_supergraph_config, parse_subgraph_args

__all__ = ["GatewaySettings", "Limits", "SubgraphSource", "create_gateway_app", "main"]


def create_gateway_app(
    subgraphs: Mapping[str, str] | Sequence[SubgraphSource] = (),
    *,
    supergraph: str | Path | None = None,
    http_client: httpx.AsyncClient | None = None,
    settings: GatewaySettings | None = None,
    path: str = "/graphql",
    console_issuer: str | None = None,
    console_client_id: str | None = None,
    console_session: tuple[int, int] = (900, 8 * 3600),
    console_timezone: str = "Europe/Paris",
) -> Starlette:
    """The gateway as an ASGI app.

    ``subgraphs`` maps names to GraphQL URLs (or lists :class:`SubgraphSource`);
    ``supergraph`` is a supergraph config file adding more (see
    ``connector.gateway._config``). ``http_client`` is the transport port: tests pass
    ``httpx.AsyncClient(transport=httpx.ASGITransport(app=node_app))``; without one the
    gateway makes and closes its own. With ``console_issuer`` and ``console_client_id`` the
    DPD console is served at ``/console/`` over every subgraph's node (its base URL: the
    subgraph URL without its path); ``console_session`` is its sessions' idle and absolute
    lifetimes in seconds, ``console_timezone`` the zone it shows times in.
    """
    settings = settings or GatewaySettings()
    sources = (
        [SubgraphSource(name=n, url=u) for n, u in subgraphs.items()]
        if isinstance(subgraphs, Mapping)
        else list(subgraphs)
    )
    if supergraph is not None:
        sources += load_supergraph_config(supergraph)
    owned = http_client is None
    http = http_client or owned_client()
    client = SubgraphClient(
        http=http, timeout=settings.timeout, retries=settings.retries, timeouts=settings.timeouts
    )
    gateway = Gateway(sources, client=client, settings=settings)
    mounts: list[BaseRoute] = []
    closers: list[Callable[[], Awaitable[None]]] = [http.aclose] if owned else []
    if console_issuer or console_client_id:
        if not (console_issuer and console_client_id):
            raise ConfigError(
                [ConfigIssue("gateway", "console", "give both the console's issuer and client id")]
            )
        console = gateway_console(
            [(s.name, s.url) for s in sources],
            issuer=console_issuer,
            client_id=console_client_id,
            session=console_session,
            timezone=console_timezone,
        )
        mounts.append(Mount(CONSOLE_PATH, app=console))
        closers.append(console.state.aclose)

    async def close() -> None:
        for closer in closers:
            await closer()

    return build_app(gateway, path=path, on_close=close, mounts=mounts)


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
        help="deepest selection accepted (%(default)s)",
    )
    p.add_argument(
        "--max-cost",
        type=int,
        default=Limits().max_cost,
        help="highest query cost accepted: fields weighted by list sizes (%(default)s)",
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
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``guichet gateway ...``: serve until interrupted. Returns the exit status."""
    import uvicorn

    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = GatewaySettings(
        timeout=args.timeout,
        retries=args.retries,
        poll_interval=args.poll_interval,
        limits=replace(Limits(), max_depth=args.max_depth, max_cost=args.max_cost),
    )

    def serve() -> int:
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
        )
        uvicorn.run(app, host=args.host, port=args.port, log_level="info")
        return 0

    from connector.cli import guarded

    return guarded(serve)


if __name__ == "__main__":
    sys.exit(main())

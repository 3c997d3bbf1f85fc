"""The gateway as an ASGI app, from subgraph URLs or a supergraph config file, with the
families' page (``/transparence/``) and the DPD console mounted when it is given an issuer
and a client id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from connector.console.mounting import PATH as CONSOLE_PATH
from connector.console.mounting import gateway_console
from connector.errors import ConfigError, ConfigIssue
from connector.gateway._app import build_app, owned_client
from connector.gateway._config import load_supergraph_config
from connector.gateway._gateway import Gateway, GatewaySettings, SubgraphSource
from connector.gateway._http import SubgraphClient
from connector.gateway._transparence import TransparenceSettings, transparence_routes
from connector.telemetry import Telemetry


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
    state_db: str | None = None,
    transparence: TransparenceSettings | None = None,
    telemetry: Telemetry | None = None,
) -> Starlette:
    """The gateway as an ASGI app.

    ``subgraphs`` maps names to GraphQL URLs (or lists :class:`SubgraphSource`);
    ``supergraph`` is a supergraph config file adding more (see
    ``connector.gateway._config``). ``http_client`` is the transport port: tests pass
    ``httpx.AsyncClient(transport=httpx.ASGITransport(app=node_app))``; without one the
    gateway makes and closes its own. With ``console_issuer`` and ``console_client_id`` the
    DPD console is served at ``/console/`` over every subgraph's node (its base URL: the
    subgraph URL without its path); ``console_session`` is its sessions' idle and absolute
    lifetimes in seconds, ``console_timezone`` the zone it shows times in; ``state_db`` the
    database of the console's sessions, shared by every gateway behind one address (else
    in memory, this process alone). The families'
    page is served at ``/transparence/`` (:mod:`._transparence`); ``transparence`` gives its
    school year, its DPD contact and its own participant (without one: no usage counts).
    ``telemetry``: its metrics and traces (by default its own).
    """
    owned_telemetry = telemetry is None
    telemetry = telemetry or Telemetry("guichet-gateway")
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
        http=http,
        timeout=settings.timeout,
        retries=settings.retries,
        timeouts=settings.timeouts,
        telemetry=telemetry,
    )
    gateway = Gateway(sources, client=client, settings=settings)
    mounts: list[BaseRoute] = transparence_routes(gateway, transparence or TransparenceSettings())
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
            catalog=gateway.catalog,
            state_db=state_db,
        )
        mounts.append(Mount(CONSOLE_PATH, app=console))
        closers.append(console.state.aclose)

    async def close() -> None:
        for closer in closers:
            await closer()
        if owned_telemetry:
            telemetry.shutdown()

    return build_app(gateway, path=path, on_close=close, mounts=mounts, telemetry=telemetry)

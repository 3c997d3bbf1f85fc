"""Where the console is mounted: on the gateway over all its subgraphs' nodes, and on a node
(``[console]`` in its configuration) over that node alone."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.applications import Starlette

from connector.config import NodeConfig
from connector.console.app import create_console
from connector.console.catalog import DataSpaceCatalog
from connector.console.settings import ConsoleNode, ConsoleSettings
from connector.errors import ConfigError, ConfigIssue

PATH = "/console"


def node_base(url: str) -> str:
    """A subgraph's GraphQL URL without its path: ``http://h:8101/graphql`` → ``http://h:8101``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def gateway_console(
    subgraphs: Sequence[tuple[str, str]],
    *,
    issuer: str,
    client_id: str,
    title: str = "Guichet",
    session: tuple[int, int] = (900, 8 * 3600),
    timezone: str = "Europe/Paris",
    catalog: DataSpaceCatalog | None = None,
    state_db: str | None = None,
) -> Starlette:
    """The console over the gateway's subgraphs (``(name, GraphQL URL)`` pairs);
    ``session`` is the idle and absolute lifetime of a session, in seconds; ``catalog`` the
    data space's catalog (the gateway's union of the nodes' catalogs); ``state_db`` the
    database its sessions live in (shared by every gateway behind one address), else in
    memory."""
    nodes = tuple(ConsoleNode(name, node_base(url)) for name, url in subgraphs)
    return create_console(
        ConsoleSettings(
            issuer=issuer,
            client_id=client_id,
            nodes=nodes,
            title=title,
            session_idle=session[0],
            session_max=session[1],
            timezone=timezone,
            state_db=state_db,
        ),
        catalog=catalog,
    )


def node_console(config: NodeConfig) -> Starlette | None:
    """The console over this node alone, when its configuration has a ``[console]`` table
    (the issuer is ``[auth] issuer``); ``None`` otherwise."""
    if config.console is None:
        return None
    issuer = (config.auth.settings.get("issuer") if config.auth else None) or ""
    if not issuer:
        raise ConfigError(
            [ConfigIssue(str(config.file), "console", "needs an [auth] issuer to log in at")]
        )
    return create_console(
        ConsoleSettings(
            issuer=str(issuer),
            client_id=config.console.client_id,
            nodes=(ConsoleNode(config.name, config.base_iri),),
            title=config.title,
            dpd_role=config.usage.dpd_role,
            session_idle=config.console.session_idle,
            session_max=config.console.session_max,
            timezone=config.console.timezone,
            state_db=config.usage.audit_db,  # the node's state database, every worker's
        )
    )

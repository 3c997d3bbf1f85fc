"""The console's state shared by its pages: settings, sessions, the HTTP port, the issuer's
endpoints and the nodes' audiences (both discovered once, then kept), and the guard that
turns a request into a live session or the right error page."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from connector.console import render
from connector.console.nodes import NodeClient, NodeReply
from connector.console.oauth import IssuerEndpoints, TokenChecker, discover_issuer, node_audience
from connector.console.sessions import COOKIE, Session, SessionStore
from connector.console.settings import ConsoleNode, ConsoleSettings
from connector.errors import AuthError

if TYPE_CHECKING:
    from connector.console.catalog import DataSpaceCatalog

log = logging.getLogger("guichet.console")


class Console:
    def __init__(
        self,
        settings: ConsoleSettings,
        http: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.time,
        catalog: DataSpaceCatalog | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        """The data space's catalog when the console has one (on the gateway); its page is
        linked only then."""
        self.http = http
        self.clock = clock
        self.sessions = SessionStore(
            idle=settings.session_idle,
            max_age=settings.session_max,
            clock=clock,
            database=settings.state_db,
        )
        self.nodes = NodeClient(http, timeout=settings.timeout)
        self.tokens = TokenChecker(settings.issuer, http, clock=clock)
        self._endpoints: IssuerEndpoints | None = None
        self._audiences: dict[str, str] = {}

    async def endpoints(self) -> IssuerEndpoints:
        if self._endpoints is None:
            self._endpoints = await discover_issuer(self.settings.issuer, self.http)
        return self._endpoints

    async def audiences(self) -> dict[str, str]:
        """Each reachable node's token audience (RFC 9728), by node name."""
        for node in self.settings.nodes:
            if node.name not in self._audiences:
                try:
                    self._audiences[node.name] = await node_audience(node, self.http)
                except AuthError as exc:
                    log.warning("console: %s", exc)
        return dict(self._audiences)

    def page(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any],
        *,
        session: Session | None,
        status: int = 200,
    ) -> HTMLResponse:
        return render.page(
            request,
            template,
            {**context, "has_catalog": self.catalog is not None},
            session=session,
            issuer=self.settings.issuer,
            title=self.settings.title,
            status=status,
        )

    def error(
        self, request: Request, kind: str, *, detail: str = "", status: int | None = None
    ) -> HTMLResponse:
        response = render.error_page(
            request,
            kind,
            issuer=self.settings.issuer,
            title=self.settings.title,
            detail=detail,
            status=status,
        )
        if kind in ("session-expired", "no-session") and COOKIE in request.cookies:
            self.clear_cookie(request, response)
        return response

    def signed_in(
        self, page: Callable[[Request, Session], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint serving ``page`` with the request's live session, or the page saying
        why there is none (:meth:`guard`)."""

        async def endpoint(request: Request) -> Response:
            session = await self.guard(request)
            if not isinstance(session, Session):
                return session
            return await page(request, session)

        return endpoint

    async def guard(self, request: Request) -> Session | Response:
        """The request's live session, or the page saying why there is none."""
        found = await self.sessions.lookup(request.cookies.get(COOKIE))
        if found.status == "ok" and found.session is not None:
            if self.settings.dpd_role not in found.session.roles:
                return self.error(request, "forbidden")
            return found.session
        if found.status == "expired":
            return self.error(request, "session-expired")
        return self.error(request, "no-session")

    def secure(self, request: Request) -> bool:
        """Cookies are ``Secure`` when the console is reached over https."""
        public = self.settings.public_url or ""
        return request.url.scheme == "https" or public.startswith("https:")

    def set_cookie(self, request: Request, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            session.id,
            path=render.base_path(request) or "/",
            httponly=True,
            samesite="lax",
            secure=self.secure(request),
        )

    def clear_cookie(self, request: Request, response: Response) -> None:
        response.delete_cookie(
            COOKIE,
            path=render.base_path(request) or "/",
            httponly=True,
            samesite="lax",
            secure=self.secure(request),
        )

    def chosen(self, names: list[str] | None = None) -> list[ConsoleNode]:
        nodes = self.settings.nodes
        return [n for n in nodes if names is None or n.name in names]

    async def ask_all(
        self,
        session: Session,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        nodes: list[ConsoleNode] | None = None,
        per_node: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[NodeReply]:
        return await self.nodes.ask_all(
            nodes if nodes is not None else list(self.settings.nodes),
            query,
            variables,
            token=session.token,
            per_node=per_node,
        )

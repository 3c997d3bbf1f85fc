"""The console as a Starlette app, to mount at ``/console`` (the gateway over all nodes,
each node over itself)::

    Mount("/console", app=create_console(settings))

Routes (relative to the mount)::

    /                    home: who is logged in, each node and its log's integrity
    /login  /callback    OAuth 2.0 authorization code + PKCE with the issuer
    POST /logout         close the session (CSRF token)
    /datasets /register /log /integrity /whatif /agreements     the DPD's pages
    /catalog             the data space's catalog (when given one: the gateway's)
    /log/export.csv  /log/export.jsonld             the log, filtered, all chosen nodes
    /static/...          the stylesheet (no external asset anywhere)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connector.console.agreements import AgreementsPage
from connector.console.auth import AuthViews
from connector.console.catalog import CatalogPage, DataSpaceCatalog
from connector.console.core import Console
from connector.console.logpage import LogPages
from connector.console.register import RegisterPages
from connector.console.settings import ConsoleSettings
from connector.console.views import Pages

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("guichet.console")


class Shield:
    """ASGI middleware: an unexpected failure (a node answering in a shape the console does
    not know, a bug) becomes the « service unavailable » page, logged, never a trace."""

    def __init__(self, app: ASGIApp, *, console: Console) -> None:
        self.app, self.console = app, console

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            if started:
                raise
            request = Request(scope)
            log.exception("console: %s %s failed", request.method, request.url.path)
            await self.console.error(request, "unavailable")(scope, receive, send)


def create_console(
    settings: ConsoleSettings,
    *,
    http: httpx.AsyncClient | None = None,
    clock: Callable[[], float] = time.time,
    catalog: DataSpaceCatalog | None = None,
) -> Starlette:
    """The console app. ``http`` is the transport port (tests pass one over
    ``httpx.MockTransport`` or ``ASGITransport``); without one the console makes its own,
    closed by ``app.state.aclose()``. ``clock`` (seconds) times sessions and tokens.
    ``catalog`` is the data space's catalog (the gateway's union), shown at ``/catalog``."""
    owned = http is None
    client = http or httpx.AsyncClient(timeout=settings.timeout, follow_redirects=False)
    console = Console(settings, client, clock=clock, catalog=catalog)
    extra = (
        []
        if catalog is None
        else [Route("/catalog", console.signed_in(CatalogPage(console, catalog).page))]
    )
    auth, pages, logs = AuthViews(console), Pages(console), LogPages(console)
    register = RegisterPages(console)
    agreements = AgreementsPage(console)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        kind = "not-found" if status == 404 else "bad-request"
        return console.error(request, kind, status=status if status < 500 else 400)

    app = Starlette(
        routes=[
            Route("/", console.signed_in(pages.home), name="home"),
            Route("/login", auth.login),
            Route("/callback", auth.callback),
            Route("/logout", auth.logout, methods=["POST"]),
            Route("/datasets", console.signed_in(pages.datasets)),
            Route("/register", console.signed_in(register.page)),
            Route("/register.csv", console.signed_in(register.export)),
            Route("/log", console.signed_in(logs.log)),
            Route("/log/export.csv", console.signed_in(logs.export)),
            Route("/log/export.jsonld", console.signed_in(logs.export)),
            Route("/integrity", console.signed_in(pages.integrity)),
            Route("/whatif", console.signed_in(pages.whatif)),
            Route("/agreements", console.signed_in(agreements.agreements)),
            *extra,
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={HTTPException: not_found},
        middleware=[Middleware(Shield, console=console)],
    )
    app.state.console = console

    async def aclose() -> None:
        await console.sessions.aclose()
        if owned:
            await client.aclose()

    app.state.aclose = aclose
    return app

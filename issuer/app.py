"""The issuer as a Starlette app: a thin adapter around :class:`DataSpaceServer`.

Endpoints (relative to the issuer URL):

* ``POST /token`` — client credentials (``client_secret_basic`` or ``private_key_jwt``),
  parameters ``resource`` (or ``audience``), ``scope``, ``purpose``; or an authorization
  code (public web client, ``none``: ``code``, ``redirect_uri``, ``client_id``,
  ``code_verifier``); answers an RFC 9068 JWT access token or an RFC 6749 error;
* ``GET``/``POST /authorize`` — the login page for people (:mod:`.authorize`);
* ``GET /jwks.json`` and ``/.well-known/jwks.json`` — the public signing keys;
* ``GET /.well-known/oauth-authorization-server`` — RFC 8414 metadata.

>>> app = create_issuer_app(IssuerSettings(issuer="http://127.0.0.1:8100",
...                                        audiences=("http://127.0.0.1:8101",)))
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio.to_thread
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.errors import ConfigError, ConfigIssue
from connector.telemetry import Observe, Telemetry, faces_of, labels
from issuer.authorize import AuthorizeEndpoint
from issuer.code_grant import enable_code_flow
from issuer.keys import ALGORITHMS, KeyStore
from issuer.registry import AUTH_METHODS, ParticipantRegistry
from issuer.server import DataSpaceServer, FormRequest
from issuer.settings import IssuerSettings

log = logging.getLogger(__name__)

GRANTS = frozenset({"client_credentials", "authorization_code", "refresh_token"})
"""The grant types the metrics name (any other is counted as ``other``)."""
MAX_BODY = 64 * 1024
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def server_metadata(settings: IssuerSettings) -> dict[str, Any]:
    """RFC 8414 metadata, checked with authlib's validator."""
    metadata = AuthorizationServerMetadata(
        {
            "issuer": settings.issuer,
            "token_endpoint": settings.token_endpoint,
            "jwks_uri": settings.jwks_uri,
            "authorization_endpoint": settings.authorization_endpoint,
            "grant_types_supported": ["client_credentials", "authorization_code"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "token_endpoint_auth_methods_supported": [*AUTH_METHODS, "none"],
            "token_endpoint_auth_signing_alg_values_supported": sorted(ALGORITHMS),
            "scopes_supported": list(settings.scopes_supported),
        }
    )
    for key in AuthorizationServerMetadata.REGISTRY_KEYS:
        try:
            getattr(metadata, f"validate_{key}")()
        except ValueError as exc:
            hint = " (plain http is accepted on loopback only)" if "https" in str(exc) else ""
            issue = ConfigIssue("issuer settings", key, f"{exc}{hint}")
            raise ConfigError([issue]) from exc
    return dict(metadata)


def create_issuer_app(
    settings: IssuerSettings,
    *,
    registry: ParticipantRegistry | None = None,
    keys: KeyStore | None = None,
    telemetry: Telemetry | None = None,
) -> Starlette:
    """The issuer's ASGI app; tables and a first signing key are created on first use.
    ``telemetry``: its metrics (``/metrics``) and traces (by default its own)."""
    owned_telemetry = telemetry is None
    telemetry = telemetry or Telemetry("guichet-issuer")
    metadata = server_metadata(settings)
    registry = registry or ParticipantRegistry(settings.database_url)
    keys = keys or KeyStore(
        settings.key_dir, algorithm=settings.algorithm, retain_seconds=settings.token_lifetime
    )
    server = DataSpaceServer(settings, registry, keys)
    enable_code_flow(server)
    login = AuthorizeEndpoint(server)

    async def token(request: Request) -> Response:
        if (found := labels()) is not None:
            form = dict(parse_qsl((await request.body()).decode("latin-1")))
            grant = form.get("grant_type")
            found.operation = grant if grant in GRANTS else "other"
        return await _token(request, server)

    async def authorize(request: Request) -> Response:
        return await login(request)

    async def jwks(request: Request) -> Response:
        key_set = await anyio.to_thread.run_sync(keys.jwks)
        return JSONResponse(key_set, headers={"Cache-Control": "max-age=60"})

    async def well_known(request: Request) -> Response:
        return JSONResponse(metadata)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await registry.ensure_schema()
        await anyio.to_thread.run_sync(keys.retained)
        try:
            yield
        finally:
            await registry.aclose()
            if owned_telemetry:
                telemetry.shutdown()

    path = urlsplit(settings.issuer).path
    routes = [
        Route("/token", token, methods=["POST"]),
        Route("/authorize", authorize, methods=["GET", "POST"]),
        Route("/jwks.json", jwks, methods=["GET"]),
        Route("/.well-known/jwks.json", jwks, methods=["GET"]),
        Route("/.well-known/oauth-authorization-server", well_known, methods=["GET"]),
    ]
    if path:
        routes.append(Route(f"/.well-known/oauth-authorization-server{path}", well_known))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(Observe, telemetry=telemetry, faces=faces_of(routes), assign_request_id=True)
        ],
    )
    telemetry.metrics.watch_pools(lambda: {"registry": registry.engine})
    app.state.telemetry = telemetry
    app.state.settings = settings
    app.state.registry = registry
    app.state.keys = keys
    return app


def _error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=NO_STORE
    )


async def _token(request: Request, server: DataSpaceServer) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return _error(
            400, "invalid_request", "the token request must be application/x-www-form-urlencoded"
        )
    body = await request.body()
    if len(body) > MAX_BODY:
        return _error(400, "invalid_request", f"the token request exceeds {MAX_BODY} bytes")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return _error(400, "invalid_request", "the token request body is not valid form data")
    oauth_request = FormRequest("POST", server.settings.token_endpoint, request.headers, pairs)
    try:
        status, payload, headers = await anyio.to_thread.run_sync(
            server.create_token_response, oauth_request
        )
    except Exception:
        log.exception("token endpoint failed")
        return _error(500, "server_error", "the issuer failed; see its log")
    return JSONResponse(payload, status_code=status, headers=dict(headers))

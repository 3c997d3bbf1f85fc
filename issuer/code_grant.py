"""The authorization-code grant with mandatory PKCE S256, for people signing in to web
clients (RFC 6749 §4.1, RFC 7636, RFC 9207 ``iss``, RFC 8707 ``resource``).

authlib's ``AuthorizationCodeGrant`` and ``CodeChallenge(required=True)``, specialised:
codes live in the registry (SHA-256 only, :attr:`IssuerSettings.code_lifetime`, taken once),
the only client authentication is ``none`` (public web clients), ``plain`` PKCE and a
missing challenge are refused, and the access token is the RFC 9068 JWT the client-credentials
grant makes, with the account's IRI as ``sub``, its roles, its display name and the
resources asked at ``/authorize`` as ``aud``.

Problems that must not be sent to the redirect URI (unknown client, unregistered redirect
URI, PKCE, resource) are :class:`PageError` or :class:`InvalidTargetError`: the issuer shows
them on its own page.
"""

from __future__ import annotations

import time
from typing import Any

import anyio.from_thread
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeGrant,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Request,
)
from authlib.oauth2.rfc7636 import CodeChallenge

from issuer.accounts import Account, AuthorizationCode
from issuer.server import (
    AccessTokenGenerator,
    DataSpaceServer,
    Headers,
    check_served,
    safe,
)

S256 = "S256"


class PageError(InvalidRequestError):  # type: ignore[misc]
    """An authorization request the issuer answers on its own page, never by redirect."""


class S256Challenge(CodeChallenge):  # type: ignore[misc]
    """PKCE that insists: a ``code_challenge`` with method ``S256`` on every request."""

    DEFAULT_CODE_CHALLENGE_METHOD = S256
    SUPPORTED_CODE_CHALLENGE_METHOD = [S256]  # noqa: RUF012 - authlib's class attribute

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise PageError("missing 'code_challenge': PKCE (RFC 7636) with S256 is required")
        method = data.get("code_challenge_method")
        if method != S256:
            raise PageError(
                safe(f"'code_challenge_method' must be S256 (plain is refused), got {method!r}")
            )
        try:
            super().validate_code_challenge(grant, redirect_uri)
        except InvalidRequestError as exc:
            raise PageError(exc.description) from exc


class AuthorizationCodeFlow(AuthorizationCodeGrant):  # type: ignore[misc]
    """The code grant over the registry; ``self.resources`` is checked at ``/authorize``."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012 - authlib's class attribute

    server: DataSpaceServer

    def validate_authorization_request(self) -> str:
        redirect_uri: str = super().validate_authorization_request()
        self.resources = self._resources()
        return redirect_uri

    def _resources(self) -> tuple[str, ...]:
        requested = tuple(dict.fromkeys(self.request.payload.datalist.get("resource", [])))
        allowed = self.server.settings.audiences
        if not requested:
            raise PageError(
                safe(
                    "missing 'resource' parameter: the node(s) the token is for; "
                    f"one or more of {', '.join(allowed)}"
                )
            )
        check_served(requested, allowed)
        return requested

    def create_authorization_response(
        self, redirect_uri: str, grant_user: Account
    ) -> tuple[int, str, Headers]:
        """302 to ``redirect_uri`` with ``code``, ``state`` and ``iss`` (RFC 9207)."""
        self.request.user = grant_user
        code = self.generate_authorization_code()
        self.save_authorization_code(code, self.request)
        params = [("code", code)]
        if self.request.payload.state:
            params.append(("state", self.request.payload.state))
        params.append(("iss", self.server.settings.issuer))
        return 302, "", [("Location", add_params_to_uri(redirect_uri, params))]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        settings = self.server.settings
        account: Account = request.user
        record = AuthorizationCode(
            client_id=request.client.get_client_id(),
            redirect_uri=request.payload.redirect_uri,
            username=account.username,
            scope=request.scope or settings.default_scope,
            code_challenge=request.payload.data["code_challenge"],
            resources=self.resources,
            expires_at=int(time.time()) + settings.code_lifetime,
        )
        anyio.from_thread.run(self.server.registry.save_code, code, record)

    def query_authorization_code(self, code: str, client: Any) -> AuthorizationCode | None:
        """The code is taken (deleted) here, so a second use finds nothing."""
        found: AuthorizationCode | None = anyio.from_thread.run(
            self.server.registry.take_code, code, client.get_client_id()
        )
        return found

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Already deleted when it was taken."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Account | None:
        account: Account | None = anyio.from_thread.run(
            self.server.registry.account, authorization_code.username
        )
        return account

    def create_token_response(self) -> tuple[int, dict[str, Any], Headers]:
        code: AuthorizationCode = self.request.authorization_code
        account = self.authenticate_user(code)
        if account is None:
            raise InvalidGrantError("the account this code was issued for no longer exists")
        self.request.user = account
        server = self.server
        generator = AccessTokenGenerator(
            server.settings,
            server.keys,
            subject=account.iri,
            roles=account.roles,
            audiences=list(code.resources),
            extra={"name": account.name, "preferred_username": account.username},
        )
        token: dict[str, Any] = generator(
            grant_type=self.GRANT_TYPE,
            client=self.request.client,
            user=account,
            scope=code.scope,
            include_refresh_token=False,
        )
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


def enable_code_flow(server: DataSpaceServer) -> None:
    """Register the authorization-code grant with mandatory PKCE S256 on ``server``."""
    server.register_grant(AuthorizationCodeFlow, [S256Challenge(required=True)])

"""authlib's framework-agnostic OAuth 2.0 server, specialised for the data space.

authlib's server is synchronous; the Starlette adapter (:mod:`issuer.app`)
runs it in a worker thread, and the few registry look-ups it makes (client, assertion
``jti``) hop back to the event loop with :func:`anyio.from_thread.run`.

Pieces: :class:`DataSpaceServer` (``AuthorizationServer``; its clients are participants,
:class:`RegisteredClient`, and public web clients, :class:`PublicWebClient`),
:class:`ClientCredentials` (``ClientCredentialsGrant`` checking the requested audience and
purpose), the authorization-code grant in :mod:`issuer.code_grant`,
:class:`ClientAssertion` (RFC 7523 ``private_key_jwt``) and :class:`AccessTokenGenerator`
(RFC 9068 JWT access tokens, ``typ: at+jwt``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import anyio.from_thread
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientCredentialsGrant,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc.jwk import KeySet

from issuer.accounts import WebClient
from issuer.keys import KeyStore
from issuer.passwords import check_secret
from issuer.registry import Participant, ParticipantRegistry, expand_iri, is_iri
from issuer.settings import IssuerSettings

Headers = list[tuple[str, str]]


def safe(text: str) -> str:
    """An RFC 6749 ``error_description``: printable ASCII without ``"`` and ``\\``."""
    return "".join(c if 0x20 <= ord(c) <= 0x7E and c not in '"\\' else "?" for c in text)


class InvalidTargetError(OAuth2Error):  # type: ignore[misc]
    """RFC 8707: the requested resource (audience) is not served by this issuer."""

    error = "invalid_target"


def check_served(requested: Sequence[str], allowed: Sequence[str]) -> None:
    """Raise :class:`InvalidTargetError` for the first requested resource not served here."""
    served = ", ".join(allowed)
    for value in requested:
        if value not in allowed:
            raise InvalidTargetError(
                safe(f"resource '{value}' is not served by this issuer; allowed: {served}")
            )


class FormPayload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in pairs:
            self._datalist[name].append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An ``application/x-www-form-urlencoded`` token request, framework-free."""

    def __init__(
        self, method: str, uri: str, headers: Mapping[str, str], pairs: Sequence[tuple[str, str]]
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self.payload = FormPayload(pairs)

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


class RegisteredClient:
    """authlib's ``ClientMixin`` over a :class:`Participant`."""

    def __init__(self, participant: Participant, settings: IssuerSettings) -> None:
        self.participant = participant
        self.settings = settings

    def get_client_id(self) -> str:
        return self.participant.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_response_type(self, response_type: str) -> bool:
        return False

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope or self.settings.default_scope

    def check_client_secret(self, client_secret: str) -> bool:
        stored = self.participant.secret_hash
        return stored is not None and check_secret(client_secret, stored)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method == self.participant.auth_method

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class PublicWebClient:
    """authlib's ``ClientMixin`` over a :class:`WebClient`: a public client (``none``
    authentication at the token endpoint), authorization code only, exact redirect URIs."""

    def __init__(self, client: WebClient, settings: IssuerSettings) -> None:
        self.client = client
        self.settings = settings

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.client.redirect_uris

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope or self.settings.default_scope

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method == "none"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


class DataSpaceServer(AuthorizationServer):  # type: ignore[misc]
    """The issuer's ``AuthorizationServer``: clients come from the registry (participants
    first, then web clients; :func:`~issuer.code_grant.enable_code_flow` adds
    the authorization-code grant)."""

    def __init__(self, settings: IssuerSettings, registry: ParticipantRegistry, keys: KeyStore):
        super().__init__(scopes_supported=list(settings.scopes_supported) or None)
        self.settings = settings
        self.registry = registry
        self.keys = keys
        self.register_grant(ClientCredentials)
        self.register_client_auth_method("private_key_jwt", ClientAssertion(settings, registry))

    def query_client(self, client_id: str) -> RegisteredClient | PublicWebClient | None:
        participant = anyio.from_thread.run(self.registry.get, client_id)
        if participant:
            return RegisteredClient(participant, self.settings)
        web_client = anyio.from_thread.run(self.registry.web_client, client_id)
        return PublicWebClient(web_client, self.settings) if web_client else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """JWT access tokens are self-contained: nothing to store."""

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: Headers) -> tuple[int, Any, Headers]:
        return status, body, list(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


class ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    """The client-credentials grant, plus the data space's ``resource`` and ``purpose``."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "private_key_jwt"]  # noqa: RUF012

    def validate_token_request(self) -> None:
        super().validate_token_request()
        participant: Participant = self.request.client.participant
        self.audiences = self._audiences()
        self.purpose = self._purpose(participant)

    def _audiences(self) -> list[str]:
        datalist = self.request.payload.datalist
        requested = list(dict.fromkeys(datalist.get("resource", []) + datalist.get("audience", [])))
        allowed = self.server.settings.audiences
        if not requested:
            raise InvalidRequestError(
                safe(
                    "missing 'resource' (or 'audience') parameter: the node the token is for; "
                    f"one of {', '.join(allowed)}"
                )
            )
        check_served(requested, allowed)
        return requested

    def _purpose(self, participant: Participant) -> str | None:
        values = self.request.payload.datalist.get("purpose", [])
        if not values:
            return None
        if len(values) > 1:
            raise InvalidRequestError("one 'purpose' per token request")
        purpose = expand_iri(values[0])
        if not is_iri(purpose):
            raise InvalidRequestError(safe(f"purpose '{values[0]}' is not an IRI"))
        if purpose not in participant.purposes:
            raise InvalidScopeError(
                safe(
                    f"purpose '{purpose}' is not allowed for participant '{participant.iri}'; "
                    f"allowed: {', '.join(participant.purposes) or 'none'}"
                )
            )
        return purpose

    def create_token_response(self) -> tuple[int, dict[str, Any], Headers]:
        server: DataSpaceServer = self.server
        participant: Participant = self.request.client.participant
        generator = AccessTokenGenerator(
            server.settings,
            server.keys,
            subject=participant.iri,
            roles=participant.roles,
            audiences=self.audiences,
            purpose=self.purpose,
        )
        token = generator(
            grant_type=self.GRANT_TYPE,
            client=self.request.client,
            scope=self.request.payload.scope,
            include_refresh_token=False,
        )
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class ClientAssertion(JWTBearerClientAssertion):  # type: ignore[misc]
    """``private_key_jwt`` (RFC 7523 §2.2): a JWT signed with the client's registered key."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, settings: IssuerSettings, registry: ParticipantRegistry) -> None:
        super().__init__(validate_jti=True, leeway=settings.assertion_leeway)
        self.settings = settings
        self.registry = registry

    def get_audiences(self) -> list[str]:
        return [self.settings.token_endpoint, self.settings.issuer]

    def validate_jti(self, claims: Mapping[str, Any], jti: str) -> bool:
        expires = int(claims.get("exp", time.time())) + self.settings.assertion_leeway
        return bool(
            anyio.from_thread.run(
                self.registry.remember_assertion, str(claims["sub"]), str(jti), expires
            )
        )

    def resolve_client_public_key(self, client: RegisteredClient) -> KeySet:
        return KeySet.import_key_set(dict(client.participant.jwks or {"keys": []}))  # type: ignore[arg-type]


class AccessTokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    """RFC 9068 access tokens for one token request: the subject (participant or person
    IRI), its roles, the audience, the purpose and any ``extra`` claims."""

    def __init__(
        self,
        settings: IssuerSettings,
        keys: KeyStore,
        *,
        subject: str,
        roles: Sequence[str],
        audiences: list[str],
        purpose: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.signing_key = keys.signing_key()
        super().__init__(
            issuer=settings.issuer,
            alg=self.signing_key.get("alg"),
            expires_generator=settings.token_lifetime,
        )
        self.subject = subject
        self.roles = tuple(roles)
        self.audiences = audiences
        self.purpose = purpose
        self.extra = dict(extra or {})

    def get_jwks(self) -> KeySet:
        return KeySet([self.signing_key])

    def get_audiences(self, client: Any, user: Any, scope: str) -> str | list[str]:
        return self.audiences[0] if len(self.audiences) == 1 else list(self.audiences)

    def get_extra_claims(
        self, client: Any, grant_type: str, user: Any, scope: str
    ) -> dict[str, Any]:
        claims: dict[str, Any] = {
            **self.extra,
            "sub": self.subject,
            "roles": list(self.roles),
            "nbf": int(time.time()),
        }
        if self.purpose:
            claims["purpose"] = self.purpose
        return claims

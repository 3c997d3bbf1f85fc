"""Identity in the data space: both sides of OAuth 2.0 client credentials.

Issuer (the data-space authority): :func:`create_issuer_app` serves ``/token``, the
``/authorize`` login page (authorization code with PKCE S256, for people), the JWKS and
RFC 8414 metadata from :class:`IssuerSettings`; participants, person :class:`Account` s and
public :class:`WebClient` s live in a :class:`ParticipantRegistry` (its account half is
:class:`AccountRegistry`); signing keys in a :class:`KeyStore`. Command line:
:mod:`connector.identity.cli` (``guichet issuer serve|register|list|rotate-keys|
add-account|add-web-client|accounts|web-clients``).

Resource server (every node): a :class:`TokenVerifier` turns the ``Authorization`` header
into an :class:`Identity`; :class:`JwtVerifier` checks RFC 9068 JWTs from any compliant
issuer (:class:`VerifierSettings`). No header means :data:`PUBLIC_PARTY`; any refused
token raises :class:`~connector.errors.AuthError`, which :func:`unauthorized` turns into
an RFC 6750 401 response.
"""

from connector.identity.accounts import Account, AccountRegistry, WebClient
from connector.identity.asgi import identity_from_request, unauthorized
from connector.identity.issuer import create_issuer_app, server_metadata
from connector.identity.keys import KeyStore
from connector.identity.party import PUBLIC_PARTY, Identity
from connector.identity.registry import Credentials, Participant, ParticipantRegistry
from connector.identity.settings import IssuerSettings
from connector.identity.verifier import (
    JwtVerifier,
    TokenVerifier,
    VerifierSettings,
    discover_jwks_url,
)

__all__ = [
    "PUBLIC_PARTY",
    "Account",
    "AccountRegistry",
    "Credentials",
    "Identity",
    "IssuerSettings",
    "JwtVerifier",
    "KeyStore",
    "Participant",
    "ParticipantRegistry",
    "TokenVerifier",
    "VerifierSettings",
    "WebClient",
    "create_issuer_app",
    "discover_jwks_url",
    "identity_from_request",
    "server_metadata",
    "unauthorized",
]

"""Identity on a node: the resource-server side of OAuth 2.0.

A :class:`TokenVerifier` turns the ``Authorization`` header into an :class:`Identity`;
:class:`JwtVerifier` checks RFC 9068 JWTs from any compliant issuer
(:class:`VerifierSettings`). No header means :data:`PUBLIC_PARTY`; any refused token
raises :class:`~connector.errors.AuthError`, which :func:`unauthorized` turns into an
RFC 6750 401 response. The issuer itself (the data-space authority's authorization
server) is the separate package :mod:`issuer`.
"""

from connector.identity.asgi import identity_from_request, unauthorized
from connector.identity.party import PUBLIC_PARTY, Identity
from connector.identity.verifier import (
    JwtVerifier,
    TokenVerifier,
    VerifierSettings,
    discover_jwks_url,
)

__all__ = [
    "PUBLIC_PARTY",
    "Identity",
    "JwtVerifier",
    "TokenVerifier",
    "VerifierSettings",
    "discover_jwks_url",
    "identity_from_request",
    "unauthorized",
]

"""The data-space authority's OAuth 2.0 issuer: a process of its own.

:func:`create_issuer_app` serves ``/token`` (client credentials for participants), the
``/authorize`` login page (authorization code with PKCE S256, for people), the JWKS and
RFC 8414 metadata from :class:`IssuerSettings`; participants, person :class:`Account` s
and public :class:`WebClient` s live in a :class:`ParticipantRegistry` (its account half
is :class:`AccountRegistry`); signing keys in a :class:`KeyStore`. Command line:
:mod:`issuer.cli` (``guichet issuer serve|register|list|rotate-keys|add-account|
add-web-client|accounts|web-clients``).

Nodes never import this package: they verify its tokens through
:mod:`connector.identity`, as they would any compliant issuer's.
"""

from issuer.accounts import Account, AccountRegistry, WebClient
from issuer.app import create_issuer_app, server_metadata
from issuer.keys import KeyStore
from issuer.registry import Credentials, Participant, ParticipantRegistry
from issuer.settings import IssuerSettings

__all__ = [
    "Account",
    "AccountRegistry",
    "Credentials",
    "IssuerSettings",
    "KeyStore",
    "Participant",
    "ParticipantRegistry",
    "WebClient",
    "create_issuer_app",
    "server_metadata",
]

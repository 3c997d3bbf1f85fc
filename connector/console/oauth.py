"""The console as an OAuth 2.0 public client: authorization code with PKCE (RFC 7636, S256),
the issuer's endpoints from its RFC 8414 metadata, the nodes' audiences from their RFC 9728
metadata, and the access token checked like a resource server would (JWKS signature,
``iss``, ``exp``, ``aud``).

Every failure raises :class:`~connector.errors.AuthError` with a reason for the log; pages
show the person a plain message, never this text's internals.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from connector.console.settings import ConsoleNode
from connector.errors import AuthError
from connector.identity import Identity, JwtVerifier, VerifierSettings
from connector.identity.verifier import issuer_metadata, metadata_urls


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str
    method: str = "S256"

    @classmethod
    def new(cls) -> Pkce:
        """A fresh verifier (64 characters of the RFC 7636 alphabet) and its S256 challenge."""
        verifier = generate_token(64)
        return cls(verifier=verifier, challenge=create_s256_code_challenge(verifier))


@dataclass(frozen=True)
class IssuerEndpoints:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


async def discover_issuer(issuer: str, http: httpx.AsyncClient) -> IssuerEndpoints:
    """The issuer's endpoints from its metadata (RFC 8414, else OpenID Connect discovery)."""
    keys = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    found = await issuer_metadata(issuer, http, require=keys)
    if found is None:
        tried = ", ".join(metadata_urls(issuer))
        raise AuthError(f"no metadata of issuer {issuer} names {', '.join(keys)} (tried {tried})")
    metadata = found[1]
    if "S256" not in (metadata.get("code_challenge_methods_supported") or ()):
        raise AuthError("the issuer does not support PKCE with S256")
    return IssuerEndpoints(issuer=issuer, **{k: str(metadata[k]) for k in keys})


async def node_audience(node: ConsoleNode, http: httpx.AsyncClient) -> str:
    """The node's token audience: ``resource`` of its RFC 9728 metadata."""
    try:
        response = await http.get(node.metadata_url, headers={"Accept": "application/json"})
        metadata = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        raise AuthError(f"node {node.name} cannot be reached: {exc}") from exc
    resource = metadata.get("resource") if isinstance(metadata, dict) else None
    if not isinstance(resource, str) or not resource:
        raise AuthError(f"node {node.name}: no resource in {node.metadata_url}")
    return resource


def authorize_url(
    endpoints: IssuerEndpoints,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    pkce: Pkce,
    audiences: Sequence[str],
    lang: str,
) -> str:
    query = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("state", state),
        ("code_challenge", pkce.challenge),
        ("code_challenge_method", pkce.method),
        *(("resource", a) for a in audiences),
        ("lang", lang),
    ]
    sep = "&" if "?" in endpoints.authorization_endpoint else "?"
    return f"{endpoints.authorization_endpoint}{sep}{urlencode(query)}"


async def exchange_code(
    endpoints: IssuerEndpoints,
    http: httpx.AsyncClient,
    *,
    code: str,
    redirect_uri: str,
    client_id: str,
    verifier: str,
) -> str:
    """The access token for ``code`` (public client: no secret, the PKCE verifier instead)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "code_verifier": verifier,
    }
    try:
        response = await http.post(endpoints.token_endpoint, data=form)
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise AuthError(f"the token endpoint failed: {exc}") from exc
    token = body.get("access_token") if isinstance(body, dict) else None
    if response.status_code != 200 or not isinstance(token, str):
        error = body.get("error") if isinstance(body, dict) else None
        raise AuthError(f"the issuer refused the code: {error or response.status_code}")
    return token


class TokenChecker:
    """Checks the console's access tokens against the issuer's JWKS; one verifier per
    audience, so each keeps its JWKS cache."""

    def __init__(
        self, issuer: str, http: httpx.AsyncClient, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.issuer, self.http, self.clock = issuer, http, clock
        self._verifiers: dict[str, JwtVerifier] = {}

    async def check(self, token: str, *, audience: str, jwks_uri: str) -> Identity:
        verifier = self._verifiers.get(audience)
        if verifier is None:
            settings = VerifierSettings(issuer=self.issuer, audience=audience, jwks_url=jwks_uri)
            verifier = JwtVerifier(settings, client=self.http, clock=self.clock)
            self._verifiers[audience] = verifier
        return await verifier.verify_token(token)

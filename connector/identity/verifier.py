"""The resource-server side: turn an ``Authorization`` header into an :class:`Identity`.

:class:`TokenVerifier` is the port; :class:`JwtVerifier` is the adapter for JWT access
tokens (RFC 9068) from any compliant issuer — ours, Keycloak, ... — configured by
:class:`VerifierSettings`. Every refusal raises :class:`~connector.errors.AuthError` with
a reason precise enough to act on ("token expired at ...", "unknown signing key kid=...").

>>> verifier = JwtVerifier(VerifierSettings(issuer="http://127.0.0.1:8100",
...                        audience="http://127.0.0.1:8101"), client=httpx.AsyncClient())
>>> await verifier.verify(None)                                  # doctest: +SKIP
Identity(party='https://guichet.agglo-larochelle.fr/participants/public', ...)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from connector.errors import AuthError, ConfigError, ConfigIssue
from connector.identity.jwks import JwksCache
from connector.identity.party import PUBLIC_PARTY, Identity
from connector.identity.tokens import (
    check_claims,
    claim_at,
    signed_parts,
    strings,
    verify_signature,
)

WHERE = "verifier settings"
FORBIDDEN_ALGORITHMS = ("none", "HS256", "HS384", "HS512")


class TokenVerifier(Protocol):
    """Port: establishes who is calling from the request's ``Authorization`` header."""

    async def verify(self, authorization_header: str | None) -> Identity:
        """The caller; no header means :data:`PUBLIC_PARTY`. Raises ``AuthError``."""
        ...


@dataclass(frozen=True)
class VerifierSettings:
    """How a node checks tokens. Claim names accept dotted paths (``realm_access.roles``).

    For Keycloak: ``issuer=".../realms/<realm>"``, ``roles_claim="realm_access.roles"``,
    ``client_claim="azp"``, ``token_type=None`` (Keycloak signs ``typ: JWT``).
    """

    issuer: str
    audience: str
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = ("ES256", "RS256")
    leeway: int = 30
    party_claim: str = "sub"
    client_claim: str = "client_id"
    roles_claim: str = "roles"
    purpose_claim: str = "purpose"
    scope_claim: str = "scope"
    token_type: str | None = "at+jwt"
    public_party: str = PUBLIC_PARTY
    jwks_ttl: float = 300.0
    min_refetch_interval: float = 10.0

    def __post_init__(self) -> None:
        issues = []
        if urlsplit(self.issuer).scheme not in ("http", "https"):
            issues.append(ConfigIssue(WHERE, "issuer", f"expected a URL, got {self.issuer!r}"))
        if not self.audience:
            issues.append(ConfigIssue(WHERE, "audience", "expected this node's audience"))
        if not self.algorithms or isinstance(self.algorithms, str):
            issues.append(ConfigIssue(WHERE, "algorithms", "expected a tuple of JWS algorithms"))
        bad = [a for a in self.algorithms if a in FORBIDDEN_ALGORITHMS or a.startswith("HS")]
        if bad:
            issues.append(
                ConfigIssue(
                    WHERE,
                    "algorithms",
                    f"{bad} not allowed: only asymmetric signatures (ES*, RS*, PS*)",
                )
            )
        if self.leeway < 0:
            issues.append(ConfigIssue(WHERE, "leeway", f"expected seconds >= 0, got {self.leeway}"))
        if issues:
            raise ConfigError(issues)


class JwtVerifier:
    """Verifies RFC 9068 JWT access tokens against the issuer's JWKS (fetched with ``client``)."""

    def __init__(
        self,
        settings: VerifierSettings,
        *,
        client: httpx.AsyncClient,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self._jwks: JwksCache | None = None

    async def verify(self, authorization_header: str | None) -> Identity:
        if authorization_header is None or not authorization_header.strip():
            return Identity.public(self.settings.public_party)
        scheme, _, token = authorization_header.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise AuthError(f"unsupported authorization scheme {scheme!r}; expected Bearer")
        if not token.strip():
            raise AuthError("empty bearer token")
        return await self.verify_token(token.strip())

    async def verify_token(self, token: str) -> Identity:
        """Check one compact JWS access token and return the identity it carries."""
        s = self.settings
        parts = signed_parts(token, algorithms=s.algorithms, token_type=s.token_type)
        jwks = await self.jwks()
        key = await jwks.key(parts.kid)
        verify_signature(parts, key)
        claims = parts.claims
        check_claims(
            claims, issuer=s.issuer, audience=s.audience, now=self.clock(), leeway=s.leeway
        )
        return self._identity(claims)

    async def jwks(self) -> JwksCache:
        """The JWKS cache, discovering its URL from the issuer's metadata when not given."""
        if self._jwks is None:
            url = self.settings.jwks_url or await discover_jwks_url(
                self.settings.issuer, self.client
            )
            self._jwks = JwksCache(
                url,
                self.client,
                ttl=self.settings.jwks_ttl,
                min_refetch_interval=self.settings.min_refetch_interval,
            )
        return self._jwks

    def _identity(self, claims: Mapping[str, Any]) -> Identity:
        s = self.settings
        party = claim_at(claims, s.party_claim)
        if not isinstance(party, str) or not party:
            raise AuthError(f"token has no {s.party_claim!r} claim naming the participant")
        client = claim_at(claims, s.client_claim) or claims.get("azp")
        purpose = claim_at(claims, s.purpose_claim)
        scopes = claim_at(claims, s.scope_claim)
        aud = claims.get("aud")
        jti = claims.get("jti")
        return Identity(
            party=party,
            client_id=client if isinstance(client, str) else None,
            roles=strings(claim_at(claims, s.roles_claim)),
            purpose=purpose if isinstance(purpose, str) else None,
            scopes=tuple(scopes.split()) if isinstance(scopes, str) else strings(scopes),
            audience=strings(aud),
            token_id=jti if isinstance(jti, str) else None,
            claims=dict(claims),
        )


async def discover_jwks_url(issuer: str, client: httpx.AsyncClient) -> str:
    """``jwks_uri`` from RFC 8414 metadata, else from OpenID Connect discovery."""
    found = await issuer_metadata(issuer, client, require=("jwks_uri",))
    if found is None:
        tried = ", ".join(metadata_urls(issuer))
        raise AuthError(f"cannot discover the JWKS of issuer {issuer!r} (tried {tried})")
    return str(found[1]["jwks_uri"])


def metadata_urls(issuer: str) -> list[str]:
    """Where an issuer's metadata may be: RFC 8414 (path inserted), then OpenID Connect."""
    parts = urlsplit(issuer)
    origin, path = f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")
    return [
        f"{origin}/.well-known/oauth-authorization-server{path}",
        f"{issuer.rstrip('/')}/.well-known/openid-configuration",
    ]


async def issuer_metadata(
    issuer: str, client: httpx.AsyncClient, *, require: tuple[str, ...]
) -> tuple[str, dict[str, Any]] | None:
    """The first of :func:`metadata_urls` answering metadata with a non-empty string for
    every ``require``d key, and its URL; ``None`` when none does. Metadata naming another
    issuer is refused (RFC 8414 §3.3)."""
    for url in metadata_urls(issuer):
        try:
            response = await client.get(url, headers={"Accept": "application/json"})
            metadata = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            continue
        if not isinstance(metadata, dict):
            continue
        if metadata.get("issuer") != issuer:
            raise AuthError(
                f"the metadata at {url} names issuer {metadata.get('issuer')!r}, not {issuer!r}"
            )
        if all(isinstance(metadata.get(k), str) and metadata[k] for k in require):
            return url, metadata
    return None

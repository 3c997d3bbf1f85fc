"""Stand-ins for the issuer and the nodes, served through ``httpx.MockTransport``: the
issuer signs real ES256 access tokens (RFC 9068) with a key of its own and checks PKCE by
its own S256 computation; each node serves RFC 9728 metadata, refuses a call without a
bearer token (401) and answers the console's GraphQL documents with canned data the test
chose, recording the operation, the variables and the ``Authorization`` it was sent."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey

ISSUER = "http://127.0.0.1:8100"
CLIENT_ID = "guichet-console"
CLAIRE = "https://guichet.agglo-larochelle.fr/participants/cda/dpd/claire-martin"


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))), without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class FakeIssuer:
    """RFC 8414 metadata, a JWKS, ``/token`` for the authorization-code grant."""

    clock: Callable[[], float] = time.time
    key: ECKey = field(
        default_factory=lambda: ECKey.generate_key("P-256", parameters={"kid": "k1"})
    )
    claims: dict[str, Any] = field(default_factory=dict)
    lifetime: int = 3600
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def grant(self, code: str, *, challenge: str, redirect_uri: str, resources: list[str]) -> None:
        """What ``/authorize`` would have stored after a good password."""
        self.codes[code] = {
            "challenge": challenge,
            "redirect_uri": redirect_uri,
            "resources": resources,
        }

    def sign(self, claims: dict[str, Any], key: ECKey | None = None) -> str:
        header = {"alg": "ES256", "typ": "at+jwt", "kid": "k1"}
        return jwt.encode(header, claims, key or self.key)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/.well-known/oauth-authorization-server":
            return httpx.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/jwks.json",
                    "code_challenge_methods_supported": ["S256"],
                },
            )
        if path == "/jwks.json":
            return httpx.Response(200, json={"keys": [self.key.as_dict(private=False)]})
        if path == "/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            self.token_requests.append(form)
            grant = self.codes.pop(form.get("code", ""), None)
            if (
                grant is None
                or form.get("grant_type") != "authorization_code"
                or form.get("client_id") != CLIENT_ID
                or form.get("redirect_uri") != grant["redirect_uri"]
                or s256(form.get("code_verifier", "")) != grant["challenge"]
            ):
                return httpx.Response(400, json={"error": "invalid_grant"})
            now = int(self.clock())
            resources = grant["resources"]
            claims = {
                "iss": ISSUER,
                "sub": CLAIRE,
                "aud": resources[0] if len(resources) == 1 else resources,
                "client_id": CLIENT_ID,
                "iat": now,
                "nbf": now,
                "exp": now + self.lifetime,
                "jti": f"t-{now}",
                "roles": ["dpd"],
                "name": "Claire Martin, déléguée à la protection des données",
                "preferred_username": "dpd",
                **self.claims,
            }
            claims = {k: v for k, v in claims.items() if v is not None}
            return httpx.Response(
                200,
                json={
                    "access_token": self.sign(claims),
                    "token_type": "Bearer",
                    "expires_in": self.lifetime,
                },
            )
        return httpx.Response(404)


@dataclass
class FakeNode:
    """One node: RFC 9728 metadata and ``/audit/graphql`` answering from ``answers``
    (operation name → data), or ``errors`` (operation name → GraphQL errors)."""

    name: str
    base: str
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    down: bool = False
    calls: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == "/.well-known/oauth-protected-resource":
            return httpx.Response(
                200,
                json={
                    "resource": self.base,
                    "authorization_servers": [ISSUER],
                    "bearer_methods_supported": ["header"],
                    "resource_name": self.name,
                },
            )
        if request.url.path == "/audit/graphql":
            body = json.loads(request.content)
            query: str = body["query"]
            operation = (
                query.split("(")[0].split("{")[0].split()[-1]
                if "query Console" in query
                else "page"
            )
            auth = request.headers.get("authorization", "")
            self.calls.append((operation, body.get("variables") or {}, auth))
            if not auth.startswith("Bearer "):
                return httpx.Response(
                    401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
                )
            if operation in self.errors:
                return httpx.Response(200, json={"data": None, "errors": self.errors[operation]})
            return httpx.Response(200, json={"data": self.answers.get(operation, {})})
        return httpx.Response(404)


class Space:
    """Routes each request to the fake that owns its host."""

    def __init__(self, issuer: FakeIssuer, nodes: list[FakeNode]) -> None:
        self.issuer = issuer
        self.nodes = {urlsplit(n.base).netloc: n for n in nodes}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.netloc.decode()
        if host == urlsplit(ISSUER).netloc:
            return self.issuer(request)
        return self.nodes[host](request)

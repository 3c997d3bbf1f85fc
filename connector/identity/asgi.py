"""Starlette glue for resource servers: the caller's identity, and the RFC 6750 refusal."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse

from connector.errors import AuthError
from connector.identity.party import Identity
from connector.identity.verifier import TokenVerifier


async def identity_from_request(request: HTTPConnection, verifier: TokenVerifier) -> Identity:
    """The caller of ``request``; raises :class:`AuthError` for a refused token.

    >>> identity = await identity_from_request(request, verifier)   # doctest: +SKIP
    """
    return await verifier.verify(request.headers.get("authorization"))


def caller(request: HTTPConnection) -> Identity:
    """The identity an auth gate established for ``request``; the public party if none."""
    identity = getattr(request.state, "identity", None)
    return identity if isinstance(identity, Identity) else Identity.public()


def _quoted(text: str) -> str:
    return "".join(c if 0x20 <= ord(c) <= 0x7E and c not in '"\\' else "?" for c in text)


def unauthorized(error: AuthError, *, realm: str | None = None) -> JSONResponse:
    """401 with ``WWW-Authenticate: Bearer error="invalid_token", error_description=...``.

    The body repeats the reason as JSON; nothing else about the token is echoed.
    """
    reason = _quoted(str(error))
    challenge = "Bearer "
    if realm:
        challenge += f'realm="{_quoted(realm)}", '
    challenge += f'error="invalid_token", error_description="{reason}"'
    return JSONResponse(
        {"error": "invalid_token", "error_description": reason},
        status_code=401,
        headers={"WWW-Authenticate": challenge, "Cache-Control": "no-store"},
    )

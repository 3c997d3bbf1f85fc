"""JWT access-token checks, one reason per refusal (pure: no I/O, the caller brings the time).

The token is taken apart by hand before any key is looked up, so that what the header
claims (``alg``, ``typ``, ``kid``) is judged first: an algorithm outside the allow-list —
``none``, ``HS256`` signed with a public key as the secret — is refused by name, before a
key could be misused.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import Key

from connector.errors import AuthError

MAX_TOKEN_BYTES = 16 * 1024
KEY_TYPES = {"ES": "EC", "RS": "RSA", "PS": "RSA"}
SUPPORTED_CRITICAL: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SignedParts:
    token: str
    header: Mapping[str, Any]
    claims: Mapping[str, Any]

    @property
    def alg(self) -> str:
        return str(self.header["alg"])

    @property
    def kid(self) -> str | None:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None


def b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json_object(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(b64decode(segment))
    except (binascii.Error, ValueError) as exc:
        raise AuthError(f"malformed token: the {what} is not base64url-encoded JSON") from exc
    if not isinstance(value, dict):
        raise AuthError(f"malformed token: the {what} is not a JSON object")
    return value


def signed_parts(token: str, *, algorithms: tuple[str, ...], token_type: str | None) -> SignedParts:
    """Split a compact JWS and judge its header; the signature is not checked yet."""
    if len(token) > MAX_TOKEN_BYTES:
        raise AuthError(f"token larger than {MAX_TOKEN_BYTES} bytes")
    segments = token.split(".")
    if len(segments) != 3:
        raise AuthError(
            f"malformed token: expected 3 base64url parts separated by '.', got {len(segments)}"
        )
    header = _json_object(segments[0], "header")
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise AuthError("token header has no 'alg'")
    if alg not in algorithms:
        raise AuthError(f"algorithm {alg!r} is not allowed (allowed: {', '.join(algorithms)})")
    if token_type is not None:
        typ = str(header.get("typ", "")).lower().removeprefix("application/")
        if typ != token_type.lower():
            raise AuthError(f"token type {header.get('typ')!r} is not {token_type!r} (RFC 9068)")
    crit = header.get("crit")
    if crit is not None and (not isinstance(crit, list) or set(crit) - SUPPORTED_CRITICAL):
        raise AuthError(f"unsupported critical header parameters {crit!r}")
    claims = _json_object(segments[1], "payload")
    return SignedParts(token, header, claims)


def verify_signature(parts: SignedParts, key: Key) -> None:
    """Check the signature of ``parts`` with ``key`` for the header's algorithm only."""
    kid = parts.kid
    expected_type = KEY_TYPES.get(parts.alg[:2])
    if key.key_type != expected_type:
        raise AuthError(f"key kid={kid!r} is a {key.key_type} key and cannot verify {parts.alg}")
    key_alg = key.get("alg")
    if key_alg is not None and key_alg != parts.alg:
        raise AuthError(f"key kid={kid!r} is for {key_alg}, the token claims {parts.alg}")
    try:
        jws.deserialize_compact(parts.token, key, algorithms=[parts.alg])
    except JoseError as exc:
        raise AuthError(f"signature does not verify with key kid={kid!r}") from exc


def check_claims(
    claims: Mapping[str, Any], *, issuer: str, audience: str, now: float, leeway: int
) -> None:
    """``iss`` exact, ``aud`` includes ``audience``, ``exp`` and ``nbf`` with ``leeway``."""
    iss = claims.get("iss")
    if iss != issuer:
        raise AuthError(f"issuer {iss!r} is not the expected {issuer!r}")
    aud = strings(claims.get("aud"))
    if audience not in aud:
        raise AuthError(f"audience {list(aud)} does not include {audience!r}")
    exp = _instant(claims, "exp", required=True)
    if exp is not None and now > exp + leeway:
        raise AuthError(f"token expired at {_iso(exp)}")
    nbf = _instant(claims, "nbf", required=False)
    if nbf is not None and now + leeway < nbf:
        raise AuthError(f"token not valid before {_iso(nbf)}")


def _instant(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise AuthError(f"token has no {name!r} claim")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthError(f"token claim {name!r} is not a NumericDate: {value!r}")
    return float(value)


def _iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).isoformat().replace("+00:00", "Z")


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim at a dotted ``path`` (``realm_access.roles``), or ``None``."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for step in path.split("."):
        if not isinstance(value, Mapping) or step not in value:
            return None
        value = value[step]
    return value


def strings(value: Any) -> tuple[str, ...]:
    """A claim holding one string or a list of strings, as a tuple."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(v for v in value if isinstance(v, str))
    return ()

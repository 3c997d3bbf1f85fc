"""Hand-made JWTs for the bad-token tests: base64url(header).base64url(payload).signature,
signed with ``cryptography`` directly, so that no JOSE library can refuse to make them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(obj: dict[str, Any]) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def signing_input(header: dict[str, Any], claims: dict[str, Any]) -> bytes:
    return f"{segment(header)}.{segment(claims)}".encode("ascii")


def es256(private_key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """JWS ES256 signature: raw r || s, 32 bytes each (RFC 7518 §3.4), not DER."""
    r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def rs256(private_key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def hs256(secret: bytes, data: bytes) -> bytes:
    return hmac.new(secret, data, hashlib.sha256).digest()


def token(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> str:
    return f"{signing_input(header, claims).decode()}.{b64url(signature)}"


def es256_token(
    private_key: ec.EllipticCurvePrivateKey, header: dict[str, Any], claims: dict[str, Any]
) -> str:
    return token(header, claims, es256(private_key, signing_input(header, claims)))


def claims_for(
    *,
    issuer: str,
    audience: str,
    subject: str = "https://guichet.example/participants/x",
    lifetime: int = 300,
    now: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    t = int(time.time() if now is None else now)
    return {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "client_id": "forged-client",
        "iat": t,
        "nbf": t,
        "exp": t + lifetime,
        "jti": f"forged-{t}",
        "scope": "read",
        **extra,
    }

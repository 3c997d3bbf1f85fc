"""Client secrets: generated once, stored only as a salted scrypt hash.

The stored form is ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` (base64url, no padding), so the
cost parameters travel with the hash and can be raised later without breaking old ones.

>>> stored = hash_secret("s3cret")
>>> check_secret("s3cret", stored), check_secret("other", stored)
(True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_secret() -> str:
    """A fresh client secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=N, r=R, p=P, dklen=HASH_BYTES)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def check_secret(secret: str, stored: str) -> bool:
    """True when ``secret`` matches ``stored``; a malformed stored value never matches."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = _unb64(parts[4]), _unb64(parts[5])
        digest = hashlib.scrypt(
            secret.encode(),
            salt=salt,
            n=n,
            r=r,
            p=p,
            dklen=len(expected),
            maxmem=2 * 128 * r * n + 2**20,
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)

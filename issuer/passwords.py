"""Client secrets and person passwords, stored only as salted scrypt hashes.

The stored form is ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` (base64url, no padding), so the
cost parameters travel with the hash and can be raised later without breaking old ones.
Client secrets are 256 random bits, so a light cost suffices; person passwords use OWASP's
scrypt parameters (N=2^17, r=8, p=1: 128 MiB and a noticeable fraction of a second each).

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
PASSWORD_N, PASSWORD_R, PASSWORD_P = 2**17, 8, 1
MAX_N = 2**20
SALT_BYTES = 16
HASH_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _maxmem(n: int, r: int, p: int) -> int:
    """OpenSSL's scrypt needs about 128·r·(n + p) bytes; its 32 MiB default is too small."""
    return 128 * r * (n + p) + 2**24


def _hash(secret: str, *, n: int, r: int, p: int) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(
        secret.encode(), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES, maxmem=_maxmem(n, r, p)
    )
    return f"{SCHEME}${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def new_secret() -> str:
    """A fresh client secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return _hash(secret, n=N, r=R, p=P)


def hash_password(password: str) -> str:
    """A person's password at OWASP's scrypt cost (run it in a worker thread)."""
    return _hash(password, n=PASSWORD_N, r=PASSWORD_R, p=PASSWORD_P)


def check_secret(secret: str, stored: str) -> bool:
    """True when ``secret`` matches ``stored``; a malformed stored value never matches."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        if not 1 < n <= MAX_N or not 0 < r <= 32 or not 0 < p <= 16:
            return False
        salt, expected = _unb64(parts[4]), _unb64(parts[5])
        digest = hashlib.scrypt(
            secret.encode(),
            salt=salt,
            n=n,
            r=r,
            p=p,
            dklen=len(expected),
            maxmem=_maxmem(n, r, p),
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)


check_password = check_secret
"""A person's password against its stored hash (the parameters come from the hash)."""

DUMMY_PASSWORD_HASH = (
    f"{SCHEME}${PASSWORD_N}${PASSWORD_R}${PASSWORD_P}${_b64(bytes(SALT_BYTES))}"
    f"${_b64(bytes(HASH_BYTES))}"
)
"""Checked against for an unknown username, so that it costs as long as a known one."""

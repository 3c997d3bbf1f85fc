"""Client secrets are stored as salted scrypt hashes."""

from __future__ import annotations

import hashlib

from issuer.passwords import (
    DUMMY_PASSWORD_HASH,
    _unb64,
    check_password,
    check_secret,
    hash_password,
    hash_secret,
    new_secret,
)


def test_a_secret_matches_its_hash_and_nothing_else() -> None:
    secret = new_secret()
    stored = hash_secret(secret)
    assert check_secret(secret, stored)
    assert not check_secret(secret + "x", stored)
    assert secret not in stored


def test_the_hash_is_scrypt_with_a_random_salt() -> None:
    one, two = hash_secret("same"), hash_secret("same")
    assert one != two
    scheme, n, r, p, salt, digest = one.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    recomputed = hashlib.scrypt(b"same", salt=_unb64(salt), n=16384, r=8, p=1, dklen=32)
    assert recomputed == _unb64(digest)


def test_malformed_stored_values_never_match() -> None:
    malformed = ["", "plain", "scrypt$x$8$1$aa$bb", "bcrypt$16384$8$1$aa$bb", "scrypt$3$8$1$aa$bb"]
    for stored in malformed:
        assert not check_secret("anything", stored)


def test_a_password_hash_uses_owasp_scrypt_parameters() -> None:
    # OWASP Password Storage Cheat Sheet, scrypt: N=2^17 (128 MiB), r=8 (1024 bytes), p=1.
    stored = hash_password("correct horse battery staple")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "131072", "8", "1")
    recomputed = hashlib.scrypt(
        b"correct horse battery staple",
        salt=_unb64(salt),
        n=2**17,
        r=8,
        p=1,
        dklen=32,
        maxmem=256 * 1024 * 1024,
    )
    assert recomputed == _unb64(digest)
    assert check_password("correct horse battery staple", stored)
    assert not check_password("correct horse battery stapler", stored)


def test_the_dummy_hash_matches_no_password() -> None:
    assert not check_password("", DUMMY_PASSWORD_HASH)
    assert not check_password("anything at all", DUMMY_PASSWORD_HASH)
    assert DUMMY_PASSWORD_HASH.startswith("scrypt$131072$8$1$")  # costs as much as a real one


def test_absurd_stored_costs_are_not_attempted() -> None:
    assert not check_secret("x", f"scrypt${2**24}$8$1$AAAA$AAAA")

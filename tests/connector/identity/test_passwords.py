"""Client secrets are stored as salted scrypt hashes."""

from __future__ import annotations

import hashlib

from connector.identity.passwords import _unb64, check_secret, hash_secret, new_secret


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

"""The issuer's signing keys: JWK files in a folder, newest signs, recent ones verify.

Each key is one private JWK file ``<created>-<kid>.jwk.json`` (mode 0600) whose ``kid``
is its RFC 7638 thumbprint. :meth:`KeyStore.rotate` writes a new key; the previous key
stays published in the JWKS so that tokens it signed keep verifying until they expire.
Keys are re-read when the folder changes, so ``guichet issuer rotate-keys`` takes effect
on a running issuer without a restart.

>>> store = KeyStore(Path(tmp) / "keys", algorithm="ES256")   # doctest: +SKIP
>>> store.signing_key().kid == store.jwks()["keys"][0]["kid"]  # doctest: +SKIP
True
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, KeyParameters, RSAKey, import_key

from connector.errors import ConfigError, ConfigIssue

ALGORITHMS: dict[str, str] = {"ES256": "EC", "RS256": "RSA"}
"""Signing algorithms the issuer can use, with their key type."""
SUFFIX = ".jwk.json"
RSA_BITS = 2048


def generate_key(algorithm: str) -> Key:
    """A new private signing key for ``algorithm`` with ``kid`` = its thumbprint."""
    if algorithm not in ALGORITHMS:
        raise ConfigError(
            [
                ConfigIssue(
                    "issuer",
                    "algorithm",
                    f"expected one of {sorted(ALGORITHMS)}, got {algorithm!r}",
                )
            ]
        )
    params: KeyParameters = {"alg": algorithm, "use": "sig"}
    key: Key
    if algorithm == "ES256":
        key = ECKey.generate_key("P-256", parameters=params, private=True)
    else:
        key = RSAKey.generate_key(RSA_BITS, parameters=params, private=True)
    key.ensure_kid()
    return key


@dataclass(frozen=True)
class StoredKey:
    path: Path
    created: int  # nanoseconds since the epoch
    key: Key

    @property
    def kid(self) -> str:
        return str(self.key.kid)


class KeyStore:
    """Signing keys kept in ``folder``; the first use creates the folder and one key."""

    def __init__(self, folder: Path, *, algorithm: str = "ES256", retain_seconds: int = 3600):
        if algorithm not in ALGORITHMS:
            generate_key(algorithm)  # raises the ConfigError naming the algorithm
        self.folder = folder
        self.algorithm = algorithm
        self.retain_seconds = retain_seconds
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, int], ...] | None = None
        self._keys: tuple[StoredKey, ...] = ()

    # reading --------------------------------------------------------------------------
    def retained(self) -> tuple[StoredKey, ...]:
        """Retained keys, newest first (reloaded when the folder changed)."""
        with self._lock:
            if not self.folder.is_dir() or not self._listing():
                self._write(generate_key(self.algorithm))
            stamp = self._listing()
            if stamp != self._stamp:
                self._keys = self._load(stamp)
                self._stamp = stamp
            return self._keys

    def signing_key(self) -> Key:
        return self.retained()[0].key

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set: every retained key, newest first."""
        return {"keys": [dict(k.key.as_dict(private=False)) for k in self.retained()]}

    # writing --------------------------------------------------------------------------
    def rotate(self, *, algorithm: str | None = None) -> Key:
        """Write a new signing key and retire keys no live token can need any more.

        A key is kept while a token it signed may still be valid: the previous key always,
        older ones until ``retain_seconds`` after their successor was created.
        """
        key = generate_key(algorithm or self.algorithm)
        with self._lock:
            self._write(key)
            self._prune()
            self._stamp = None
        return key

    def _write(self, key: Key) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        created = time.time_ns()
        path = self.folder / f"{created:020d}-{key.kid}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(key.as_dict(private=True), f, indent=2)

    def _prune(self) -> None:
        stored = self._load(self._listing())
        now = time.time_ns()
        for successor, old in itertools.pairwise(stored[1:]):
            if now - successor.created > self.retain_seconds * 1_000_000_000:
                old.path.unlink(missing_ok=True)

    def _listing(self) -> tuple[tuple[str, int], ...]:
        if not self.folder.is_dir():
            return ()
        return tuple(
            sorted(
                (e.name, e.stat().st_mtime_ns)
                for e in os.scandir(self.folder)
                if e.name.endswith(SUFFIX)
            )
        )

    def _load(self, stamp: Sequence[tuple[str, int]]) -> tuple[StoredKey, ...]:
        loaded = []
        for name, _ in stamp:
            path = self.folder / name
            try:
                created = int(name.split("-", 1)[0])
                key = import_key(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, JoseError) as exc:
                issue = ConfigIssue(str(path), "key", f"unreadable JWK: {exc}")
                raise ConfigError([issue]) from exc
            if key.kid is None or key.get("alg") not in ALGORITHMS:
                raise ConfigError(
                    [
                        ConfigIssue(
                            str(path),
                            "key",
                            "a signing JWK needs a 'kid' and an 'alg' of ES256 or RS256",
                        )
                    ]
                )
            loaded.append(StoredKey(path, created, key))
        return tuple(sorted(loaded, key=lambda k: k.created, reverse=True))

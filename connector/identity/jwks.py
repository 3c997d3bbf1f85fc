"""The resource server's copy of an issuer's JWK Set, fetched over HTTP and cached.

The set is fetched on first use and again after ``ttl`` seconds. A token signed with a
``kid`` the cache does not know triggers one refetch (the issuer may have rotated its
keys), but never more often than every ``min_refetch_interval`` seconds, so that a flood
of tokens with made-up ``kid`` values cannot turn the node into a JWKS-fetching loop.
While the issuer is unreachable, the last keys fetched stay in use; with none yet, a
failed fetch is retried no sooner than ``min_refetch_interval`` either.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import httpx
from joserfc.errors import JoseError
from joserfc.jwk import Key, import_key

from connector.errors import AuthError

log = logging.getLogger(__name__)


class JwksCache:
    """Signing keys by ``kid`` from the JWK Set at ``url``."""

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        ttl: float = 300.0,
        min_refetch_interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.client = client
        self.ttl = ttl
        self.min_refetch_interval = min_refetch_interval
        self.clock = clock
        self.fetches = 0
        self._keys: dict[str, Key] | None = None
        self._fetched_at = float("-inf")
        self._failed_at = float("-inf")
        self._lock = anyio.Lock()

    async def key(self, kid: str | None) -> Key:
        """The key for ``kid``; raises :class:`AuthError` naming the ``kid`` when unknown."""
        if self._keys is None or self.clock() - self._fetched_at > self.ttl:
            await self._refresh(self._fetched_at)
        found = self._find(kid)
        if found is None:
            seen = self._fetched_at
            if self.clock() - seen >= self.min_refetch_interval:
                await self._refresh(seen)
                found = self._find(kid)
        if found is None:
            if kid is None:
                raise AuthError(
                    "token has no 'kid' header and the issuer publishes "
                    f"{len(self._keys or {})} signing keys"
                )
            raise AuthError(f"unknown signing key kid={kid!r}")
        return found

    def _find(self, kid: str | None) -> Key | None:
        keys = self._keys or {}
        if kid is None:
            return next(iter(keys.values())) if len(keys) == 1 else None
        return keys.get(kid)

    async def _refresh(self, seen: float) -> None:
        async with self._lock:
            if self._fetched_at != seen:  # another task refreshed while we waited
                return
            if self._keys is None and self.clock() - self._failed_at < self.min_refetch_interval:
                raise AuthError(f"the issuer's signing keys are unavailable ({self.url})")
            try:
                keys = await self._fetch()
            except AuthError:
                if self._keys is None:
                    self._failed_at = self.clock()
                    raise
                log.warning("keeping the cached JWKS: refresh from %s failed", self.url)
                keys = self._keys
            self._keys = keys
            self._fetched_at = self.clock()

    async def _fetch(self) -> dict[str, Key]:
        self.fetches += 1
        try:
            response = await self.client.get(self.url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("JWKS fetch from %s failed: %s", self.url, exc)
            raise AuthError(f"the issuer's signing keys are unavailable ({self.url})") from exc
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise AuthError(f"the issuer's JWKS at {self.url} has no 'keys' list")
        return _signing_keys(document["keys"])


def _signing_keys(entries: list[Any]) -> dict[str, Key]:
    keys: dict[str, Key] = {}
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        if entry.get("kty") == "oct":  # a shared secret never verifies access tokens
            continue
        try:
            key = import_key(entry)
        except (JoseError, ValueError, TypeError, KeyError):
            log.warning("ignoring an unreadable key in the issuer's JWKS: kid=%r", entry.get("kid"))
            continue
        keys[str(entry.get("kid", ""))] = key
    return keys

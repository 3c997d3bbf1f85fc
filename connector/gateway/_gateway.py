"""The gateway's state: its subgraphs, the last good supergraph and the responder over
it. ``refresh()`` reads every subgraph's SDL (``{ _service { sdl } }``, or a file) and
recomposes when one changed; a subgraph that is down or serves a malformed SDL keeps its
last good SDL, a composition conflict keeps the last good supergraph, and both are
reported by ``health()`` and in the logs."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connector.config.sections import Limits as NodeLimits
from connector.edge import current_request_id, error_body
from connector.errors import GatewayError
from connector.gateway._catalog import CatalogUnion, catalog_url_of
from connector.gateway._compose import compose
from connector.gateway._http import SubgraphClient
from connector.gateway._limits import Limits
from connector.gateway._respond import Responder
from connector.gateway._sdl import Subgraph, parse_subgraph

log = logging.getLogger("guichet.gateway")

SDL_QUERY = "query SubgraphSdl { _service { sdl } }"


@dataclass(frozen=True)
class SubgraphSource:
    """A subgraph: its name, the URL it answers GraphQL on, and where its SDL comes from
    (``sdl_file`` when given, else the subgraph's own ``_service { sdl }``). Its node's DCAT
    catalog is read from ``catalog_url`` (default: ``/catalog`` at the URL's origin; ``""``:
    it publishes none)."""

    name: str
    url: str
    sdl_file: Path | None = None
    catalog_url: str | None = None

    @property
    def catalog(self) -> str | None:
        return catalog_url_of(self.url) if self.catalog_url is None else self.catalog_url or None


@dataclass(frozen=True)
class GatewaySettings:
    """Tunables. ``poll_interval`` seconds between SDL checks (0: never after startup);
    ``timeout`` per subgraph request (``timeouts`` per subgraph name overrides it);
    ``retries`` of idempotent fetches on connection errors; ``forward_headers`` go from the
    caller to every subgraph, nothing else does (but the request id); ``max_body_bytes``
    of a request body (413 beyond; a node's default)."""

    timeout: float = 10.0
    timeouts: Mapping[str, float] = field(default_factory=dict)
    retries: int = 1
    poll_interval: float = 30.0
    limits: Limits = field(default_factory=Limits)
    forward_headers: tuple[str, ...] = ("authorization",)
    max_body_bytes: int = NodeLimits().max_body_bytes


@dataclass
class SubgraphHealth:
    state: str = "pending"  # pending | ok | unreachable | malformed
    error: str | None = None
    sdl_sha256: str | None = None
    checked_at: str | None = None


class Gateway:
    """See the module docstring. ``respond`` never raises for a client's request."""

    def __init__(
        self,
        sources: Sequence[SubgraphSource],
        *,
        client: SubgraphClient,
        settings: GatewaySettings,
    ) -> None:
        if not sources:
            raise GatewayError("a gateway needs at least one subgraph")
        names = [s.name for s in sources]
        if len(set(names)) != len(names):
            raise GatewayError(f"subgraph names must be unique, got {names}")
        self.sources = tuple(sources)
        self.client = client
        self.settings = settings
        self.subgraphs: dict[str, Subgraph] = {}
        self.health_of: dict[str, SubgraphHealth] = {s.name: SubgraphHealth() for s in sources}
        self.responder: Responder | None = None
        self.composition_error: str | None = None
        self.composed_at: str | None = None
        self.version: str | None = None
        self._lock = asyncio.Lock()
        self.catalog = CatalogUnion(
            [(s.name, s.catalog) for s in sources], http=client.http, timeout=settings.timeout
        )

    async def _read(self, source: SubgraphSource) -> str:
        if source.sdl_file is not None:
            try:
                return source.sdl_file.read_text(encoding="utf-8")
            except OSError as exc:
                raise GatewayError(f"cannot read {source.sdl_file}: {exc.strerror}") from exc
        reply = await self.client.post(source.name, source.url, SDL_QUERY)
        if reply.failure:
            raise GatewayError(f"{reply.failure}: {reply.reason}")
        sdl = ((reply.data or {}).get("_service") or {}).get("sdl")
        if not isinstance(sdl, str):
            raise GatewayError("the answer to { _service { sdl } } holds no SDL")
        return sdl

    async def _check(self, source: SubgraphSource) -> None:
        health = self.health_of[source.name]
        health.checked_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            sdl = await self._read(source)
        except GatewayError as exc:
            health.state, health.error = "unreachable", str(exc)
            log.warning("subgraph %s: SDL not read: %s", source.name, exc)
            return
        digest = hashlib.sha256(sdl.encode()).hexdigest()
        if digest == health.sdl_sha256 and source.name in self.subgraphs:
            health.state, health.error = "ok", None
            return
        try:
            parsed = parse_subgraph(source.name, source.url, sdl)
        except GatewayError as exc:
            health.state, health.error = "malformed", str(exc)
            log.error("%s; serving its last good SDL", exc)
            return
        self.subgraphs[source.name] = parsed
        health.state, health.error, health.sdl_sha256 = "ok", None, digest

    async def refresh(self) -> bool:
        """Re-read every SDL; recompose if one changed. True when a new supergraph serves."""
        async with self._lock:
            await asyncio.gather(self.catalog.refresh(), *(self._check(s) for s in self.sources))
            if len(self.subgraphs) < len(self.sources):
                missing = [s.name for s in self.sources if s.name not in self.subgraphs]
                self.composition_error = f"waiting for the SDL of {', '.join(missing)}"
                return False
            version = hashlib.sha256(
                "".join(self.health_of[s.name].sdl_sha256 or "" for s in self.sources).encode()
            ).hexdigest()[:16]
            if version == self.version:
                return False
            try:
                supergraph = compose([self.subgraphs[s.name] for s in self.sources])
            except GatewayError as exc:
                self.composition_error = str(exc)
                log.error("%s; serving the last good supergraph", exc)
                return False
            self.responder = Responder(supergraph, self.client, limits=self.settings.limits)
            self.version, self.composition_error = version, None
            if supergraph.partitions.problems:  # bad holders left out; the rest serve
                lines = "\n".join(f"- {p}" for p in supergraph.partitions.problems)
                self.composition_error = f"left out of the supergraph:\n{lines}"
                log.error("%s", self.composition_error)
            self.composed_at = datetime.now(UTC).isoformat(timespec="seconds")
            log.info("supergraph %s composed from %d subgraphs", version, len(self.sources))
            return True

    async def poll(self) -> None:
        """Refresh forever: every ``poll_interval`` seconds, every second until ready."""
        while True:
            interval = self.settings.poll_interval if self.responder else 1.0
            if interval <= 0:
                return
            await asyncio.sleep(interval)
            try:
                await self.refresh()
            except Exception:  # the poller must survive anything; the cause is logged
                log.exception("supergraph refresh failed")

    async def respond(self, query: str, **kwargs: Any) -> dict[str, Any]:
        responder = self.responder
        if responder is None:
            message = "the gateway has no supergraph yet"
            if self.composition_error:
                message += f": {self.composition_error}"
            return {"errors": [{"message": message, "extensions": {"code": "GATEWAY_NOT_READY"}}]}
        try:
            return await responder.respond(query, **kwargs)
        except Exception:  # never a stack trace to the client; operators get it in the log
            request_id = current_request_id()
            log.exception("request %s: gateway failed answering it", request_id or "-")
            return error_body("internal gateway error", "INTERNAL_SERVER_ERROR", request_id)

    def health(self) -> dict[str, Any]:
        states = {h.state for h in self.health_of.values()}
        status = "starting" if self.responder is None else "ok"
        if self.responder is not None and (states != {"ok"} or self.composition_error):
            status = "degraded"
        return {
            "status": status,
            "supergraph": {
                "version": self.version,
                "composedAt": self.composed_at,
                "error": self.composition_error,
            },
            "subgraphs": [
                {
                    "name": s.name,
                    "url": s.url,
                    "state": self.health_of[s.name].state,
                    "error": self.health_of[s.name].error,
                    "checkedAt": self.health_of[s.name].checked_at,
                }
                for s in self.sources
            ],
            "catalog": self.catalog.health(),
        }

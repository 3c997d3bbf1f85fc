"""How one console is set up: the issuer it logs people in with, the nodes it reads."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.errors import ConfigError, ConfigIssue

WHERE = "console settings"


@dataclass(frozen=True)
class ConsoleNode:
    """A node the console reads: its name and base URL (its ``/audit/graphql`` and RFC 9728
    metadata live under it)."""

    name: str
    base_url: str

    @property
    def audit_url(self) -> str:
        return f"{self.base_url}/audit/graphql"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/.well-known/oauth-protected-resource"


@dataclass(frozen=True)
class ConsoleSettings:
    """Settings of the DPD console.

    >>> ConsoleSettings(issuer="http://127.0.0.1:8100", client_id="guichet-console",
    ...                 nodes=(ConsoleNode("cda", "http://127.0.0.1:8101"),)).nodes[0].audit_url
    'http://127.0.0.1:8101/audit/graphql'
    """

    issuer: str
    client_id: str
    nodes: tuple[ConsoleNode, ...]
    session_idle: int = 900
    session_max: int = 8 * 3600
    title: str = "Guichet"
    dpd_role: str = "dpd"
    public_url: str | None = None
    """The console's own URL (``https://gw.example/console``); by default taken from the
    request, which is right unless a proxy rewrites the host."""
    timeout: float = 10.0
    timezone: str = "Europe/Paris"
    """The IANA time zone the console shows times in and reads filter times in."""
    state_db: str | None = None
    """The database of its sessions (SQLAlchemy async URL), shared by every process
    serving this console; None: in memory, this process alone."""

    def __post_init__(self) -> None:
        issues: list[ConfigIssue] = []
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            issues.append(
                ConfigIssue(
                    WHERE,
                    "timezone",
                    f"expected an IANA time zone such as Europe/Paris, got {self.timezone!r}",
                )
            )
        for key, url in (("issuer", self.issuer), ("public_url", self.public_url)):
            if url is None and key == "public_url":
                continue
            parts = urlsplit(url or "")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                issues.append(ConfigIssue(WHERE, key, f"expected an http(s) URL, got {url!r}"))
        if not self.client_id:
            issues.append(ConfigIssue(WHERE, "client_id", "expected the console's client id"))
        if not self.nodes or isinstance(self.nodes, str):
            issues.append(ConfigIssue(WHERE, "nodes", "expected at least one node"))
        names = [n.name for n in self.nodes]
        if len(set(names)) != len(names):
            issues.append(ConfigIssue(WHERE, "nodes", f"node names must differ, got {names}"))
        for n in self.nodes:
            if urlsplit(n.base_url).scheme not in ("http", "https"):
                issues.append(
                    ConfigIssue(
                        WHERE, f"nodes.{n.name}", f"expected an http(s) URL, got {n.base_url!r}"
                    )
                )
        for key in ("session_idle", "session_max"):
            if getattr(self, key) <= 0:
                issues.append(
                    ConfigIssue(WHERE, key, f"expected seconds > 0, got {getattr(self, key)!r}")
                )
        if self.session_idle > self.session_max:
            issues.append(ConfigIssue(WHERE, "session_idle", "expected at most session_max"))
        if issues:
            raise ConfigError(issues)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def node(self, name: str) -> ConsoleNode | None:
        return next((n for n in self.nodes if n.name == name), None)

"""How one issuer is set up: a frozen value checked when it is built."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from connector.errors import ConfigError, ConfigIssue
from issuer.keys import ALGORITHMS

WHERE = "issuer settings"


@dataclass(frozen=True)
class IssuerSettings:
    """Settings of the data-space authority's OAuth 2.0 issuer.

    >>> IssuerSettings(issuer="http://127.0.0.1:8100",
    ...                audiences=("http://127.0.0.1:8101",)).token_endpoint
    'http://127.0.0.1:8100/token'
    """

    issuer: str
    audiences: tuple[str, ...]
    database_url: str = "sqlite+aiosqlite:///guichet-issuer.db"
    key_dir: Path = field(default_factory=lambda: Path("guichet-issuer-keys"))
    token_lifetime: int = 3600
    algorithm: str = "ES256"
    scopes_supported: tuple[str, ...] = ("read",)
    default_scope: str = "read"
    assertion_leeway: int = 60
    code_lifetime: int = 60

    def __post_init__(self) -> None:
        issues = []
        parts = urlsplit(self.issuer)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            issues.append(
                ConfigIssue(WHERE, "issuer", f"expected an http(s) URL, got {self.issuer!r}")
            )
        elif parts.query or parts.fragment or self.issuer.endswith("/"):
            issues.append(
                ConfigIssue(
                    WHERE,
                    "issuer",
                    f"no query, fragment or trailing '/' allowed, got {self.issuer!r}",
                )
            )
        if not self.audiences or isinstance(self.audiences, str):
            issues.append(
                ConfigIssue(
                    WHERE,
                    "audiences",
                    f"expected a non-empty tuple of URLs, got {self.audiences!r}",
                )
            )
        if self.token_lifetime <= 0:
            issues.append(
                ConfigIssue(
                    WHERE, "token_lifetime", f"expected seconds > 0, got {self.token_lifetime!r}"
                )
            )
        if self.code_lifetime <= 0:
            issues.append(
                ConfigIssue(
                    WHERE, "code_lifetime", f"expected seconds > 0, got {self.code_lifetime!r}"
                )
            )
        if self.algorithm not in ALGORITHMS:
            issues.append(
                ConfigIssue(
                    WHERE,
                    "algorithm",
                    f"expected one of {sorted(ALGORITHMS)}, got {self.algorithm!r}",
                )
            )
        if self.scopes_supported and self.default_scope not in self.scopes_supported:
            issues.append(
                ConfigIssue(
                    WHERE,
                    "default_scope",
                    f"expected one of {list(self.scopes_supported)}, got {self.default_scope!r}",
                )
            )
        if issues:
            raise ConfigError(issues)

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token"

    @property
    def authorization_endpoint(self) -> str:
        return f"{self.issuer}/authorize"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/jwks.json"

"""One exception tree for the whole project.

    GuichetError
    ├── ConfigError        a node configuration (TOML) is wrong; carries every issue found
    ├── SourceError        a partner source (database, file, API) failed or is unreachable
    ├── QueryError         a client's query cannot be answered as asked (bad filter, page size...)
    ├── AuthError          a token or identity was refused          (usage-control issue)
    ├── PolicyError        a policy document cannot be parsed or understood
    ├── GatewayError       federation: composition or subgraph failures (federation issue)
    └── AuditError         the audit log refused a record, or its database failed

Third-party errors are translated once, at the edge (adapter, config loader), with
``raise ... from exc`` so the cause is kept for operators but never shown to clients.
"""

from __future__ import annotations

from dataclasses import dataclass


class GuichetError(Exception):
    """Base class of every error Guichet raises on purpose."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a configuration file: where it is, what was expected, what came."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}"


class ConfigError(GuichetError):
    """A configuration file is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(i) for i in issues))


class SourceError(GuichetError):
    """A partner source failed; ``source`` names it. The message is safe to show to clients."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"source {source!r}: {message}")


class QueryError(GuichetError):
    """A query asks for something the node cannot answer (unknown field, oversize page...)."""


class AuthError(GuichetError):
    """A token or credential was refused."""


class PolicyError(GuichetError):
    """A policy document cannot be parsed or is not understood."""


class GatewayError(GuichetError):
    """Federation failure: composition conflict, subgraph unreachable or malformed.

    ``codes`` are the Apollo composition error codes of a refused composition or subgraph
    SDL (``INVALID_FIELD_SHARING``, ``SATISFIABILITY_ERROR``...), empty otherwise.
    """

    def __init__(self, message: str, *, codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.codes = codes


class AuditError(GuichetError):
    """The audit log refused a record (which field, what was expected) or its database failed."""

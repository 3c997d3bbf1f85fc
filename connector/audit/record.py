"""The values of the audit log: what a caller records, what the log stores, how it is hashed.

An entry's ``hash`` is the lower-case hex SHA-256 of the UTF-8 canonical JSON
(:mod:`connector.audit.canonical`) of this object — every stored field but ``hash``::

    {"client_id": ..., "datasets": [...], "decision": ..., "details": {...},
     "duties": [...], "node": ..., "operation_hash": ..., "operation_name": ...,
     "party": ..., "prev_hash": ..., "purpose": ..., "reason": ..., "rows_returned": ...,
     "rule": ..., "seq": 1, "time": "2026-11-26T09:30:00.000000Z"}

``prev_hash`` is the previous entry's ``hash``; the first entry's is :data:`GENESIS`
(64 zeros). ``time`` is always UTC with six fraction digits and a ``Z``, so the text
orders like the instant. Anyone can re-check a chain with ``sha256sum`` and a JCS
(RFC 8785) serialiser. Every field is bounded (:mod:`connector.audit.bounds`): what is
too long is cut, and ``details.truncated`` keeps the full value's SHA-256 and length.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from connector.audit.bounds import MAX_TEXT, Truncation
from connector.audit.canonical import (
    JSONValue,
    Raw,
    canonical_bytes,
    canonical_json,
    sha256_hex,
)
from connector.errors import AuditError, QueryError

GENESIS = "0" * 64


class Outcome(StrEnum):
    """What a usage-control decision came to; the log stores its value (``permit``...)."""

    PERMIT = "permit"
    DENY = "deny"


_HEX64 = re.compile(r"[0-9a-f]{64}")
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")
_TOKEN = re.compile(r"[a-z][a-z0-9\-]*")
_NAME = re.compile(r"[^\s\x00-\x1f\x7f]+")


def format_time(moment: datetime, *, name: str = "time") -> str:
    """``moment`` (timezone-aware) as the log writes it: UTC, microseconds, ``Z``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise AuditError(f"{name}: expected a timezone-aware datetime, got naive {moment!r}")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_time(text: str) -> datetime:
    """The inverse of :func:`format_time`."""
    return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=UTC)


def is_iri(text: str) -> bool:
    """Whether ``text`` looks like an absolute IRI (a scheme, a colon, no spaces)."""
    return _IRI.fullmatch(text) is not None


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    """One decision, as the enforcement code reports it.

    ``time`` may be left out: the log then stamps the record with its clock. Fields longer
    than their maximum are cut (:mod:`connector.audit.bounds`).

    >>> AuditRecord(party="https://example.org/p/atmo", decision="permit",
    ...             operation_hash="0" * 64, datasets=("mesures-salles",)).decision
    'permit'
    """

    party: str
    decision: str
    operation_hash: str
    datasets: tuple[str, ...] = ()
    time: datetime | None = None
    client_id: str | None = None
    purpose: str | None = None
    operation_name: str | None = None
    rule: str | None = None
    reason: str = ""
    duties: tuple[str, ...] = ()
    rows_returned: int | None = None
    details: Mapping[str, JSONValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_iri("party", self.party)
        if self.rule is not None:
            _check_iri("rule", self.rule)
        if not isinstance(self.decision, str) or not _TOKEN.fullmatch(self.decision):
            raise AuditError(
                f"decision: expected a lower-case token such as 'permit' or "
                f"'deny', got {self.decision!r}"
            )
        if not isinstance(self.operation_hash, str) or not _HEX64.fullmatch(self.operation_hash):
            raise AuditError(
                "operation_hash: expected 64 lower-case hex digits (SHA-256), "
                f"got {self.operation_hash!r}"
            )
        object.__setattr__(self, "datasets", _names("datasets", self.datasets))
        object.__setattr__(self, "duties", _names("duties", self.duties))
        for name in ("client_id", "purpose", "operation_name"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise AuditError(f"{name}: expected a non-empty string or None, got {value!r}")
        if not isinstance(self.reason, str):
            raise AuditError(f"reason: expected a string, got {self.reason!r}")
        rows = self.rows_returned
        if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
            raise AuditError(
                f"rows_returned: expected a non-negative integer or None, got {rows!r}"
            )
        if self.time is not None:
            object.__setattr__(self, "time", parse_time(format_time(self.time)))
        if not isinstance(self.details, Mapping):
            raise AuditError(f"details: expected a JSON object, got {type(self.details).__name__}")
        self._bound(canonical_json(self.details, where="details"))

    def _bound(self, details: str) -> None:
        """Cut every field to its maximum (:mod:`connector.audit.bounds`)."""
        cut = Truncation()
        for name in MAX_TEXT:
            object.__setattr__(self, name, cut.optional(name, getattr(self, name)))
        for name in ("datasets", "duties"):
            object.__setattr__(self, name, cut.names(name, getattr(self, name)))
        object.__setattr__(self, "details", cut.details(self.details, details))
        # nothing cut: the details are ``details`` read back, whose canonical text it is
        _keep_text(self, details if not cut.found else canonical_json(self.details))


def _check_iri(name: str, value: object) -> None:
    if not isinstance(value, str) or not is_iri(value):
        raise AuditError(f"{name}: expected an absolute IRI, got {value!r}")


def _names(name: str, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise AuditError(f"{name}: expected a list of names or IRIs, got {values!r}")
    for i, value in enumerate(values):
        if not isinstance(value, str) or not _NAME.fullmatch(value):
            raise AuditError(
                f"{name}[{i}]: expected a non-empty name or IRI without spaces "
                f"or control characters, got {value!r}"
            )
    return tuple(values)


@dataclass(frozen=True, kw_only=True)
class StoredEntry:
    """An entry as stored: the record, its place in the chain and its hash."""

    seq: int
    time: datetime
    node: str
    party: str
    client_id: str | None
    purpose: str | None
    operation_hash: str
    operation_name: str | None
    datasets: tuple[str, ...]
    decision: str
    rule: str | None
    reason: str
    duties: tuple[str, ...]
    rows_returned: int | None
    details: Mapping[str, JSONValue]
    prev_hash: str
    hash: str

    def content(self, *, seq: int | None = None) -> dict[str, Any]:
        """What the hash covers; ``seq`` overrides the stored number (to test a move)."""
        return {
            "seq": self.seq if seq is None else seq,
            "time": format_time(self.time),
            "node": self.node,
            "party": self.party,
            "client_id": self.client_id,
            "purpose": self.purpose,
            "operation_hash": self.operation_hash,
            "operation_name": self.operation_name,
            "datasets": list(self.datasets),
            "decision": self.decision,
            "rule": self.rule,
            "reason": self.reason,
            "duties": list(self.duties),
            "rows_returned": self.rows_returned,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }

    def recompute_hash(self, *, seq: int | None = None) -> str:
        """The hash this entry's stored content gives (``seq`` as in :meth:`content`)."""
        content = self.content(seq=seq)
        text = details_text(self)
        if text is not None:
            content["details"] = Raw(text)
        return sha256_hex(canonical_bytes(content))


def seal(
    record: AuditRecord, *, seq: int, node: str, time: datetime, prev_hash: str
) -> StoredEntry:
    """The entry ``record`` becomes at position ``seq`` after ``prev_hash``, hash included."""
    entry = StoredEntry(
        seq=seq,
        time=parse_time(format_time(time)),
        node=node,
        party=record.party,
        client_id=record.client_id,
        purpose=record.purpose,
        operation_hash=record.operation_hash,
        operation_name=record.operation_name,
        datasets=record.datasets,
        decision=record.decision,
        rule=record.rule,
        reason=record.reason,
        duties=record.duties,
        rows_returned=record.rows_returned,
        details=record.details,
        prev_hash=prev_hash,
        hash="",
    )
    _keep_text(entry, details_text(record))
    sealed = replace(entry, hash=entry.recompute_hash())
    _keep_text(sealed, details_text(record))
    return sealed


_TEXT = "_details_json"


def _keep_text(holder: object, text: str | None) -> None:
    """Remember the canonical JSON of ``holder``'s details, written once when the record
    is made and reused for its hash and its row (entries read back from the database have
    none: verification always writes them anew)."""
    if text is not None:
        object.__setattr__(holder, _TEXT, text)


def details_text(holder: object) -> str | None:
    """The canonical JSON of a record's or entry's details, if remembered."""
    text: str | None = holder.__dict__.get(_TEXT)
    return text


@dataclass(frozen=True, kw_only=True)
class AuditFilter:
    """Which entries a query returns; every given criterion must hold (``AND``).

    ``since`` is inclusive, ``until`` exclusive; both timezone-aware.
    """

    party: str | None = None
    dataset: str | None = None
    decision: str | None = None
    purpose: str | None = None
    client_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    keys: tuple[str, ...] = ()
    """Entries that read an entity under any of these keys (or pseudonyms)."""
    exclude_client_id: str | None = None
    """Leave out this client's entries (the DPD console's own reads of the log)."""

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
                raise QueryError(
                    f"audit filter {name}: expected a timezone-aware date-time "
                    f"(with Z or an offset), got {moment.isoformat()}"
                )

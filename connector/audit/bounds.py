"""How long what the log stores may be. Every field a caller or a token can fill is cut to
a maximum, and what was cut is said in the entry itself, so that an entry is always
written, stays small whatever the request, and its chain verifies like any other::

    party, rule, purpose           2,048 characters
    client_id, operation_name        256 characters
    reason                         4,096 characters
    datasets, duties                  64 names of at most 256 characters each
    details                       65,536 characters of canonical JSON, ``truncated`` included

For each cut field, ``details.truncated.<field>`` is ``{"sha256": ..., "length": ...}``:
the SHA-256 of the full value's UTF-8 and its length in characters (for ``datasets`` and
``duties``: of the canonical JSON of the whole list, and its number of names). When
``details`` itself is too long, its short top-level members (``action``, ``refused``...:
at most 512 characters each, half the budget in all) are kept and
``details.truncated.details`` stands for the whole object. ``truncated`` is the log's
own member of ``details``: when anything is cut, a caller's is replaced.

>>> cut = Truncation()
>>> cut.text("operation_name", "Q" * 300)[-3:], cut.found["operation_name"]["length"]
('QQQ', 300)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from connector.audit.canonical import JSONValue, canonical_json

MAX_TEXT = {
    "party": 2048,
    "rule": 2048,
    "purpose": 2048,
    "client_id": 256,
    "operation_name": 256,
    "reason": 4096,
}
MAX_NAMES = 64
MAX_NAME = 256
MAX_DETAILS = 65536
MAX_KEPT_MEMBER = 512
TRUNCATED = "truncated"
_RESERVE = 2048
"""Room left in ``details`` for ``truncated`` (nine fields at most, ~110 characters each)."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Truncation:
    """Cuts the fields of one record, remembering what it cut (``found``)."""

    def __init__(self) -> None:
        self.found: dict[str, dict[str, JSONValue]] = {}

    def _note(self, name: str, full: str, length: int) -> None:
        self.found[name] = {"sha256": _digest(full), "length": length}

    def text(self, name: str, value: str) -> str:
        """``value`` cut to the maximum of field ``name``."""
        limit = MAX_TEXT[name]
        if len(value) <= limit:
            return value
        self._note(name, value, len(value))
        return value[:limit]

    def optional(self, name: str, value: str | None) -> str | None:
        return None if value is None else self.text(name, value)

    def names(self, name: str, values: Sequence[str]) -> tuple[str, ...]:
        """At most :data:`MAX_NAMES` names of at most :data:`MAX_NAME` characters."""
        values = tuple(values)
        if len(values) <= MAX_NAMES and all(len(v) <= MAX_NAME for v in values):
            return values
        self._note(name, canonical_json(list(values)), len(values))
        return tuple(v[:MAX_NAME] for v in values[:MAX_NAMES])

    def details(self, details: Mapping[str, Any], text: str) -> dict[str, Any]:
        """``details`` (whose canonical JSON is ``text``), bounded, with ``truncated``."""
        if len(text) <= MAX_DETAILS and not self.found:
            loaded: dict[str, Any] = json.loads(text)
            return loaded
        kept: dict[str, Any] = {}
        if len(text) > MAX_DETAILS - _RESERVE:
            budget = MAX_DETAILS // 2
            for key in sorted(details):
                member = canonical_json({key: details[key]})
                if key != TRUNCATED and len(member) <= min(MAX_KEPT_MEMBER, budget):
                    kept[key] = json.loads(member)[key]
                    budget -= len(member)
            self._note("details", text, len(text))
        else:
            kept = {k: v for k, v in json.loads(text).items() if k != TRUNCATED}
        kept[TRUNCATED] = dict(self.found)
        return kept

"""RNB identifiers (Référentiel National des Bâtiments).

An RNB id is 12 characters from ``123456789ABCDEFGHJKMNPQRSTVWXYZ`` (no 0, I, L, O, U),
often written in groups of four separated by dashes: ``PG46-YY6Y-JW8N``.

>>> canonical_rnb_id("pg46-yy6y-jw8n")
'PG46YY6YJW8N'
"""

from __future__ import annotations

RNB_ALPHABET = "123456789ABCDEFGHJKMNPQRSTVWXYZ"
RNB_LENGTH = 12
_ALLOWED = frozenset(RNB_ALPHABET)


class InvalidRnbId(ValueError):
    """The value is not an RNB identifier; the message says why."""


def canonical_rnb_id(value: object) -> str:
    """Return the canonical form (upper case, no dashes or spaces) or raise InvalidRnbId."""
    if not isinstance(value, str):
        raise InvalidRnbId(f"RNB id must be a string, got {type(value).__name__}")
    compact = value.replace("-", "").replace(" ", "").upper()
    if len(compact) != RNB_LENGTH:
        raise InvalidRnbId(
            f"invalid RNB id {value!r}: expected {RNB_LENGTH} characters "
            f"(dashes allowed), got {len(compact)}"
        )
    if not _ALLOWED.issuperset(compact):  # (one pass in C: a batch holds thousands)
        bad = sorted({ch for ch in compact if ch not in _ALLOWED})
        raise InvalidRnbId(
            f"invalid RNB id {value!r}: characters {''.join(bad)!r} are not in "
            f"the RNB alphabet {RNB_ALPHABET}"
        )
    return compact

"""Canonical JSON (the RFC 8785 "JCS" subset the audit log needs) and SHA-256 helpers.

The serialisation is what gets hashed, so it must be byte-for-byte reproducible by anyone
re-checking the log with another tool:

* objects: members sorted by their keys' UTF-16 code units (RFC 8785 §3.2.3), keys must be
  strings; no whitespace anywhere;
* strings: JSON escapes for ``"``, ``\\`` and the control characters below U+0020 (short forms
  ``\\b \\t \\n \\f \\r``, otherwise ``\\u00xx`` in lower-case hex); everything else literal,
  encoded as UTF-8 (``ensure_ascii=False``);
* ``true``, ``false``, ``null``; lists and tuples as arrays;
* integers in the IEEE-754 safe range (|n| ≤ 2⁵³−1) in decimal; finite floats formatted as
  ECMAScript's ``Number.prototype.toString`` does (shortest round-trip digits), so that
  ``1.0`` is ``1`` and ``1e21`` is ``1e+21`` (RFC 8785 §3.2.2.3).

>>> canonical_json({"b": [1, 2.5, None], "a": "é"})
'{"a":"é","b":[1,2.5,null]}'
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from connector.errors import AuditError

JSONValue: TypeAlias = (
    "bool | int | float | str | Sequence[JSONValue] | Mapping[str, JSONValue] | None"
)

MAX_SAFE_INTEGER = 2**53 - 1
_string = json.JSONEncoder(ensure_ascii=False).encode


@dataclass(frozen=True)
class Raw:
    """A value already written as canonical JSON (``text``), written as is: a part
    serialised once (an entry's ``details``) and reused in a larger whole (its hash)."""

    text: str


def canonical_json(value: Any, *, strict: bool = True, where: str = "$") -> str:
    """``value`` as canonical JSON text.

    ``strict`` (the default, used for the log's own entries) refuses what RFC 8785 cannot
    represent exactly — integers beyond 2⁵³, NaN and infinities, strings that are not valid
    Unicode — with an :class:`AuditError` naming where the value is (``where`` is the name
    of the root, ``$`` by default: ``$.x[2]``).
    ``strict=False`` (used to fingerprint client-supplied GraphQL variables) writes big
    integers in full, non-finite floats as the strings ``"NaN"``/``"Infinity"``/``"-Infinity"``
    and keeps lone surrogates, so that any parsed JSON request has a fingerprint.
    """
    parts: list[str] = []
    _write(value, parts, where, strict)
    return "".join(parts)


def canonical_bytes(value: Any, *, strict: bool = True) -> bytes:
    """The UTF-8 bytes of :func:`canonical_json`."""
    return canonical_json(value, strict=strict).encode(
        "utf-8", "strict" if strict else "surrogatepass"
    )


def sha256_hex(data: bytes) -> str:
    """Lower-case hexadecimal SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _write(value: Any, out: list[str], where: str, strict: bool) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if strict and abs(value) > MAX_SAFE_INTEGER:
            raise AuditError(
                f"{where}: integer {value} is outside ±(2**53-1), the range "
                "canonical JSON represents exactly; store it as a string"
            )
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(_float(value, where, strict))
    elif isinstance(value, str):
        out.append(_str(value, where, strict))
    elif isinstance(value, Mapping):
        _object(value, out, where, strict)
    elif isinstance(value, list | tuple):
        if value and all(type(item) is str for item in value) and _text(value, strict):
            # a list of strings (the keys an entry read): one call to the same encoder
            out.append(_strings(list(value)))
            return
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, f"{where}[{i}]", strict)
        out.append("]")
    elif isinstance(value, Raw):
        out.append(value.text)
    else:
        raise AuditError(
            f"{where}: {type(value).__name__} is not a JSON value "
            "(expected null, bool, int, float, str, list or object)"
        )


def _object(value: Mapping[Any, Any], out: list[str], where: str, strict: bool) -> None:
    for key in value:
        if not isinstance(key, str):
            raise AuditError(f"{where}: object key {key!r} is not a string")
    out.append("{")
    for i, key in enumerate(sorted(value, key=_utf16)):
        if i:
            out.append(",")
        out.append(_str(key, where, strict))
        out.append(":")
        _write(value[key], out, f"{where}.{key}", strict)
    out.append("}")


_strings = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _text(items: Sequence[str], strict: bool) -> bool:
    """Whether every string is Unicode text (else the item-by-item path names the culprit)."""
    if not strict:
        return True
    try:
        "".join(items).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utf16(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _str(value: str, where: str, strict: bool) -> str:
    if strict:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise AuditError(
                f"{where}: string holds a lone surrogate at index {exc.start}, "
                "which is not Unicode text"
            ) from exc
    return _string(value)


def _float(value: float, where: str, strict: bool) -> str:
    if not math.isfinite(value):
        if strict:
            raise AuditError(
                f"{where}: {value} is not a finite number (JSON has no NaN or infinity)"
            )
        return '"NaN"' if math.isnan(value) else ('"Infinity"' if value > 0 else '"-Infinity"')
    return es_number(value)


def es_number(value: float) -> str:
    """A finite float as ECMAScript's ``Number::toString`` writes it (ECMA-262 §6.1.6.1.20).

    >>> es_number(1e21), es_number(1e20), es_number(1e-7), es_number(0.000001), es_number(-0.0)
    ('1e+21', '100000000000000000000', '1e-7', '0.000001', '0')
    """
    if value == 0:
        return "0"
    if value < 0:
        return "-" + es_number(-value)
    # repr() gives the shortest digits that round-trip, as ECMAScript requires.
    mantissa, _, exp = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exp) if exp else 0)  # value = 0.<digits> × 10**point
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits[0] if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(e)}"

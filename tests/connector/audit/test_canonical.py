"""Canonical JSON against RFC 8785 (JCS): its Appendix B numbers, its sorting rule and the
sample of its author's reference implementation (github.com/cyberphone/json-canonicalization)."""

from __future__ import annotations

import json
import struct

import pytest

from connector.audit.canonical import canonical_bytes, canonical_json, es_number
from connector.errors import AuditError

# RFC 8785, Appendix B: IEEE-754 bit patterns and their JCS serialisation.
APPENDIX_B = [
    (0x0000000000000000, "0"),
    (0x8000000000000000, "0"),
    (0x0000000000000001, "5e-324"),
    (0x8000000000000001, "-5e-324"),
    (0x7FEFFFFFFFFFFFFF, "1.7976931348623157e+308"),
    (0xFFEFFFFFFFFFFFFF, "-1.7976931348623157e+308"),
    (0x4340000000000000, "9007199254740992"),
    (0xC340000000000000, "-9007199254740992"),
    (0x4430000000000000, "295147905179352830000"),
    (0x44B52D02C7E14AF5, "9.999999999999997e+22"),
    (0x44B52D02C7E14AF6, "1e+23"),
    (0x44B52D02C7E14AF7, "1.0000000000000001e+23"),
    (0x444B1AE4D6E2EF4E, "999999999999999700000"),
    (0x444B1AE4D6E2EF4F, "999999999999999900000"),
    (0x444B1AE4D6E2EF50, "1e+21"),
    (0x3EB0C6F7A0B5ED8C, "9.999999999999997e-7"),
    (0x3EB0C6F7A0B5ED8D, "0.000001"),
    (0x41B3DE4355555553, "333333333.3333332"),
    (0x41B3DE4355555554, "333333333.33333325"),
    (0x41B3DE4355555555, "333333333.3333333"),
    (0x41B3DE4355555556, "333333333.3333334"),
    (0x41B3DE4355555557, "333333333.33333343"),
    (0xBECBF647612F3696, "-0.0000033333333333333333"),
    (0x43143FF3C1CB0959, "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_numbers_follow_rfc8785_appendix_b(bits: int, expected: str) -> None:
    value = struct.unpack(">d", bits.to_bytes(8, "big"))[0]
    assert es_number(value) == expected
    assert canonical_json({"n": value}) == f'{{"n":{expected}}}'


def test_reference_sample() -> None:
    sample = (
        '{"numbers": [1E30,4.50,6,2e-3,0.000000000000000000000000001],'
        ' "escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "other":  [null, true, false]}'
    )
    expected = (
        '{"escaping":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/",'
        '"numbers":[1e+30,4.5,6,0.002,1e-27],"other":[null,true,false]}'
    )
    assert canonical_json(json.loads(sample)) == expected
    # the UTF-8 bytes the reference README prints in hexadecimal, first and last lines
    data = canonical_bytes(json.loads(sample))
    assert data[:16].hex(" ") == "7b 22 65 73 63 61 70 69 6e 67 22 3a 22 e2 82 ac"
    assert data[-5:].hex(" ") == "6c 73 65 5d 7d"


def test_keys_sort_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3: the emoji (surrogates D83D DE00) sorts before U+FB33.
    members = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = list(json.loads(canonical_json(members)).values())
    assert order == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]


def test_nesting_and_tuples() -> None:
    value = {"b": (1, [True, None]), "a": {"d": "x", "c": -0.0}}
    assert canonical_json(value) == '{"a":{"c":0,"d":"x"},"b":[1,[true,null]]}'


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ({"x": float("nan")}, "$.x"),
        ({"x": [1, float("inf")]}, "$.x[1]"),
        ({"x": 2**53}, "$.x"),
        ({"x": {1: "a"}}, "$.x"),
        ({"x": {1, 2}}, "$.x"),
        ({"x": "\ud800"}, "$.x"),
    ],
)
def test_strict_mode_refuses_what_jcs_cannot_represent(value: object, where: str) -> None:
    with pytest.raises(AuditError) as caught:
        canonical_json(value)
    assert str(caught.value).startswith(where + ":")


def test_lenient_mode_fingerprints_anything_json_parses() -> None:
    value = json.loads('{"big": 123456789012345678901234567890, "s": "\\ud800", "n": 1e400}')
    assert canonical_json(value, strict=False) == (
        '{"big":123456789012345678901234567890,"n":"Infinity","s":"\ud800"}'
    )
    assert canonical_bytes(value, strict=False).endswith(b'"s":"\xed\xa0\x80"}')


def test_lists_of_strings_escape_as_every_string_does() -> None:
    """A list of strings (the keys an entry read) takes a shorter path: same text, by hand
    from RFC 8785 §3.2.2.2 (quote, backslash and control characters escaped, short forms
    where JSON has them, ``\\u00xx`` lower-case otherwise; the rest literal)."""
    value = ['a"b', "é", "\x1f", "x\ny", "\\", "\u2028"]
    assert canonical_json(value) == '["a\\"b","é","\\u001f","x\\ny","\\\\","\u2028"]'
    assert (
        canonical_json({"keys": {"Building": ("B1", "B2")}}) == '{"keys":{"Building":["B1","B2"]}}'
    )
    with pytest.raises(AuditError, match=r"\$\.k\[1\]: string holds a lone surrogate"):
        canonical_json({"k": ["a", "\udc00"]})

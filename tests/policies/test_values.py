"""Typed comparisons; every expected value below is worked out by hand in the comment."""

from __future__ import annotations

import pytest

from policies.model import Iri, Lit
from policies.values import equal, order, parse_duration
from policies.vocab import XSD

DT, DATE, DUR, INT, DEC, DBL = (
    XSD + t for t in ("dateTime", "date", "duration", "integer", "decimal", "double")
)


def lit(text: str, datatype: str | None) -> Lit:
    return Lit(text, datatype)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        # 23:30 at -02:00 is 01:30 UTC on the 16th: after the UTC day of the 15th.
        (lit("2024-06-15T23:30:00-02:00", DT), lit("2024-06-15Z", DATE), 1),
        # 23:30 at +02:00 is 21:30 UTC on the 15th: inside that UTC day.
        (lit("2024-06-15T23:30:00+02:00", DT), lit("2024-06-15Z", DATE), 0),
        # 00:30 at +01:00 on 1 January is 23:30 UTC on 31 December: before that day.
        (lit("2024-01-01T00:30:00+01:00", DT), lit("2024-01-01Z", DATE), -1),
        # the same instant against a UTC midnight dateTime: half an hour earlier.
        (lit("2024-01-01T00:30:00+01:00", DT), lit("2024-01-01T00:00:00Z", DT), -1),
        # a date at +02:00 runs from 22:00 UTC the day before; 22:30 UTC is inside it.
        (lit("2024-06-14T22:30:00Z", DT), lit("2024-06-15+02:00", DATE), 0),
        # two zoneless values compare as they are.
        (lit("2024-06-15T10:00:00", DT), lit("2024-06-15T09:59:59", DT), 1),
        # a zoneless date is a UTC day: 10:00 at +02:00 is 08:00 UTC, inside it.
        (lit("2024-06-15T10:00:00+02:00", DT), lit("2024-06-15", DATE), 0),
        # 01:00 at +02:00 on the 15th is 23:00 UTC on the 14th: before the UTC day.
        (lit("2024-06-15T01:00:00+02:00", DT), lit("2024-06-15", DATE), -1),
        # a zoneless dateTime is UTC too: 12:00 equals 14:00 at +02:00.
        (lit("2024-06-15T12:00:00", DT), lit("2024-06-15T14:00:00+02:00", DT), 0),
        # a plain string right operand is read as the left operand's type.
        (lit("2023-12-31T12:00:00Z", DT), lit("2024-01-01Z", None), -1),
        # numbers: 10 > 9.5; 1e1 = 10.
        (lit("10", INT), lit("9.5", DEC), 1),
        (lit("1e1", DBL), lit("10", INT), 0),
        # durations: 36 hours > 1 day; 1 day = 24 hours; a month is at least 28 days > 27.
        (lit("PT36H", DUR), lit("P1D", DUR), 1),
        (lit("P1D", DUR), lit("PT24H", DUR), 0),
        (lit("P1M", DUR), lit("P27D", DUR), 1),
    ],
)
def test_order(left: Lit, right: Lit, expected: int) -> None:
    assert order(left, right) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        # P1M against P30D: 30 days from 1 September 1696, 28 from 1 February 1697.
        (lit("P1M", DUR), lit("P30D", DUR)),
        # P1Y against P365D: equal from 1 September 1696, longer from 1 March 1903 (1904 leap).
        (lit("P1Y", DUR), lit("P365D", DUR)),
        (lit("tomorrow", DATE), lit("2024-01-01", DATE)),
        (lit("5", INT), lit("2024-01-01Z", DATE)),
        (Iri("http://example.com/a"), Iri("http://example.com/b")),
    ],
)
def test_undetermined_or_incomparable(left: Lit | Iri, right: Lit | Iri) -> None:
    assert isinstance(order(left, right), str)


def test_equal_iris_and_literals() -> None:
    assert equal(Iri("http://example.com/a"), Iri("http://example.com/a")) is True
    assert equal(Iri("http://example.com/a"), Lit("http://example.com/a")) is False
    assert equal(lit("5", INT), lit("5.0", DEC)) is True
    assert equal(Lit("chat", language="fr"), Lit("chat", language="en")) is False


def test_duration_parsing() -> None:
    # P1Y2M3DT4H5M6.5S = 14 months and 3·86400 + 4·3600 + 5·60 + 6.5 = 273906.5 s
    parsed = parse_duration("P1Y2M3DT4H5M6.5S")
    assert (parsed.months, str(parsed.seconds)) == (14, "273906.5")
    with pytest.raises(ValueError):
        parse_duration("P")

"""Typed comparison of RDF values: numbers, xsd:dateTime against xsd:date, durations.

``order(left, right)`` returns -1, 0 or 1, or a string saying why the two values
cannot be ordered. A date or dateTime without a time zone is read as UTC (as the
FORCE ODRL test suite expects); write the zone (``2025-06-30+02:00``) to mean a local
day. A date is the whole day: a dateTime inside it is "equal", before it "less",
after it "greater".
Durations are compared on the four XSD reference dates, so ``P1M`` and ``P30D`` are
not ordered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from .model import Iri, Lit, Term
from .vocab import XSD

_NUMERIC_NAMES = (
    "integer decimal double float int long short byte nonNegativeInteger positiveInteger "
    "nonPositiveInteger negativeInteger unsignedInt unsignedLong unsignedShort unsignedByte"
)
_NUMERIC = frozenset(XSD + t for t in _NUMERIC_NAMES.split(" "))
_DATETIME = frozenset({XSD + "dateTime", XSD + "dateTimeStamp"})
_DURATION = frozenset({XSD + "duration", XSD + "dayTimeDuration", XSD + "yearMonthDuration"})
_STRING = frozenset({None, XSD + "string"})

_DATE_RE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$")
_DURATION_RE = re.compile(
    r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
_REFERENCES = tuple(
    datetime(y, m, 1, tzinfo=UTC) for y, m in ((1696, 9), (1697, 2), (1903, 3), (1903, 7))
)


@dataclass(frozen=True)
class Interval:
    """A day (xsd:date) as ``[start, end)``; ``start.tzinfo`` is None for a zoneless date."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Duration:
    months: int
    seconds: Decimal


Value = Decimal | datetime | Interval | Duration | str


def kind_of(term: Term) -> str:
    """``number``, ``time``, ``duration``, ``string`` or ``iri`` (``other`` for the rest)."""
    if isinstance(term, Iri):
        return "iri"
    if term.datatype in _NUMERIC:
        return "number"
    if term.datatype in _DATETIME or term.datatype == XSD + "date":
        return "time"
    if term.datatype in _DURATION:
        return "duration"
    return "string" if term.datatype in _STRING else "other"


def parse_value(term: Lit, kind: str) -> Value | str:
    """The typed value of a literal read as ``kind``, or a reason when it is not one."""
    text = term.lexical.strip()
    try:
        if kind == "number":
            return Decimal(text)
        if kind == "time":
            match = _DATE_RE.match(text)
            if match and term.datatype != XSD + "dateTime":
                return _day(match)
            return datetime.fromisoformat(text.replace("z", "Z"))
        if kind == "duration":
            return parse_duration(text)
    except (InvalidOperation, ValueError):
        pass
    else:
        if kind in ("string", "other"):
            return text
    return f"{term.lexical!r} is not a valid {kind}"


def _day(match: re.Match[str]) -> Interval:
    year, month, day, zone = match.groups()
    tz = None
    if zone == "Z":
        tz = UTC
    elif zone:
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    start = datetime(int(year), int(month), int(day), tzinfo=tz)
    return Interval(start, start + timedelta(days=1))


def parse_duration(text: str) -> Duration:
    match = _DURATION_RE.match(text)
    if not match or text in ("P", "-P") or text.endswith("T"):
        raise ValueError(text)
    sign, years, months, days, hours, minutes, seconds = match.groups()
    total_months = int(years or 0) * 12 + int(months or 0)
    total_seconds = (
        Decimal(days or 0) * 86400
        + Decimal(hours or 0) * 3600
        + Decimal(minutes or 0) * 60
        + Decimal(seconds or 0)
    )
    factor = -1 if sign else 1
    return Duration(factor * total_months, factor * total_seconds)


def duration_literal(delta: timedelta) -> Lit:
    """An xsd:duration literal for an elapsed time."""
    micros = Decimal(delta.microseconds) / 10**6
    seconds = Decimal(delta.days) * 86400 + Decimal(delta.seconds) + micros
    sign = "-" if seconds < 0 else ""
    return Lit(f"{sign}PT{abs(seconds).normalize():f}S", XSD + "duration")


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1)


def _sign(value: int | float | Decimal | timedelta) -> int:
    zero = timedelta(0) if isinstance(value, timedelta) else 0
    return (value > zero) - (value < zero)  # type: ignore[operator]


def _agree(results: list[int]) -> int | str:
    if len(set(results)) == 1:
        return results[0]
    return "the answer depends on the length of the months involved"


def _order_instants(left: datetime, right: datetime) -> int | str:
    return _sign(_utc(left) - _utc(right))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _order_time(left: datetime | Interval, right: datetime | Interval) -> int | str:
    if isinstance(left, Interval) and isinstance(right, Interval):
        return _order_instants(left.start, right.start)
    if isinstance(right, Interval):
        assert isinstance(left, datetime)
        before = _order_instants(left, right.start)
        after = _order_instants(left, right.end)
        if isinstance(before, str) or isinstance(after, str):
            return before if isinstance(before, str) else after
        return -1 if before < 0 else (1 if after >= 0 else 0)
    if isinstance(left, Interval):
        inverse = _order_time(right, left)
        return inverse if isinstance(inverse, str) else -inverse
    return _order_instants(left, right)


def _order_durations(left: Duration, right: Duration) -> int | str:
    results = []
    for ref in _REFERENCES:
        a = _add_months(ref, left.months) + timedelta(seconds=float(left.seconds))
        b = _add_months(ref, right.months) + timedelta(seconds=float(right.seconds))
        results.append(_sign(a - b))
    return _agree(results)


def _typed_pair(left: Term, right: Term) -> tuple[str, Value, Value] | str:
    if isinstance(left, Iri) or isinstance(right, Iri):
        return "values that are IRIs have no order"
    kinds = {kind_of(left), kind_of(right)}
    typed = kinds - {"string"}
    if len(typed) > 1:
        return f"cannot compare a {kind_of(left)} with a {kind_of(right)}"
    kind = typed.pop() if typed else "string"
    lv, rv = parse_value(left, kind), parse_value(right, kind)
    for value, term in ((lv, left), (rv, right)):
        if isinstance(value, str) and kind != "string":
            return value
        if kind == "string" and term.datatype not in _STRING:
            return f"no order for values of datatype {term.datatype}"
    return kind, lv, rv


def order(left: Term, right: Term) -> int | str:
    """-1, 0 or 1 comparing ``left`` with ``right``, or why they cannot be ordered."""
    pair = _typed_pair(left, right)
    if isinstance(pair, str):
        return pair
    kind, lv, rv = pair
    if kind == "number":
        assert isinstance(lv, Decimal) and isinstance(rv, Decimal)
        return _sign(lv - rv)
    if kind == "time":
        assert isinstance(lv, datetime | Interval) and isinstance(rv, datetime | Interval)
        return _order_time(lv, rv)
    if kind == "duration":
        assert isinstance(lv, Duration) and isinstance(rv, Duration)
        return _order_durations(lv, rv)
    assert isinstance(lv, str) and isinstance(rv, str)
    return (lv > rv) - (lv < rv)


def equal(left: Term, right: Term) -> bool | str:
    """Value equality: IRIs by identity, literals by typed value when typed."""
    if isinstance(left, Iri) or isinstance(right, Iri):
        return left == right
    if left.language or right.language:
        return left == right
    result = order(left, right)
    if isinstance(result, str):
        return left == right if kind_of(left) == kind_of(right) == "other" else result
    return result == 0

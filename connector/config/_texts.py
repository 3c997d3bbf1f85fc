"""Texts, IRIs and durations as the DPD's configuration sections write them (shared by
:mod:`.processing` and :mod:`.register`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from connector.config._checker import Checker

LANGS = ("fr", "en")
DPV = "https://w3id.org/dpv#"
GUI = "https://w3id.org/guichet/ontology#"
CURIES = {"dpv": DPV, "gui": GUI}

LocalText = Mapping[str, str]
"""A text by language (``fr``, ``en``); the key ``""`` holds a text for every language."""


DURATION = re.compile(r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?")
IRI = re.compile(r"(https?|urn):[^\s<>\"{}|\\^`]+")


def local(text: LocalText, lang: str) -> str:
    """``text`` in ``lang`` (else French, else any)."""
    for key in (lang, "", "fr", *text):
        if key in text:
            return text[key]
    return ""


def expand_curie(value: str) -> str:
    prefix, sep, rest = value.partition(":")
    return CURIES[prefix] + rest if sep and prefix in CURIES else value


def text(c: Checker, key: str, value: object) -> LocalText | None:
    if isinstance(value, str) and value.strip():
        return {"": value}
    if isinstance(value, dict) and value:
        bad = sorted(k for k in value if k not in LANGS)
        if bad:
            c.fail(f"{key}.{bad[0]}", f"unknown language, expected {' or '.join(LANGS)}")
            return None
        if all(isinstance(v, str) and v.strip() for v in value.values()):
            return dict(value)
    c.fail(key, f'expected a text or a table {{ fr = "...", en = "..." }}, got {value!r}')
    return None


def texts(c: Checker, key: str, value: object) -> tuple[LocalText, ...]:
    if not isinstance(value, list) or not value:
        c.fail(key, f"expected a non-empty list of texts, got {value!r}")
        return ()
    found = [text(c, f"{key}[{i}]", v) for i, v in enumerate(value)]
    return tuple(t for t in found if t is not None)


def iris(c: Checker, key: str, value: object, *, empty: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not empty):
        c.fail(key, f"expected a {'' if empty else 'non-empty '}list of IRIs, got {value!r}")
        return ()
    out = []
    for i, v in enumerate(value):
        iri = expand_curie(v) if isinstance(v, str) else v
        if not isinstance(iri, str) or not IRI.fullmatch(iri):
            c.fail(f"{key}[{i}]", f"expected an IRI or a dpv:/gui: CURIE, got {v!r}")
        else:
            out.append(iri)
    return tuple(out)


def duration(c: Checker, key: str, value: object) -> str | None:
    """An ISO 8601 duration of at least one unit (P5Y, P18M, P1Y6M), else None (and an issue)."""
    if isinstance(value, str) and DURATION.fullmatch(value) and re.search("[1-9]", value):
        return value
    c.fail(key, f"expected an ISO 8601 duration such as P5Y or P18M, got {value!r}")
    return None


_PARTS = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")


def cutoff(now: datetime, retention: str) -> datetime:
    """``now`` minus an ISO 8601 duration of years, months, weeks and days (the calendar
    way: 2026-03-31 minus P1M is 2026-02-28); time parts count as nothing."""
    found = _PARTS.match(retention)
    years, months, weeks, days = (int(g or 0) for g in found.groups()) if found else (0,) * 4
    total = now.year * 12 + now.month - 1 - years * 12 - months
    year, month = divmod(total, 12)
    month += 1
    last = (
        datetime(year + month // 12, month % 12 + 1, 1, tzinfo=now.tzinfo) - timedelta(days=1)
    ).day
    moved = now.replace(year=year, month=month, day=min(now.day, last))
    return moved - timedelta(weeks=weeks, days=days)

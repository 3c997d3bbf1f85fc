"""Every word of every page exists in French and English, and no template holds text
outside the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connector.console.filters import ACTIONS, LEVELS
from connector.console.i18n import LANGS, MESSAGES, translator
from connector.console.render import ERROR_STATUS

TEMPLATES = Path(__file__).parents[3] / "connector" / "console" / "templates"
KEY = re.compile(r"""\bt\(\s*["']([a-z_\-]+)["']\s*\)""")
ENDONYMS = ("FR", "EN", "(English)", "(français)")
"""Language names are written in their own language on every page, by design."""


def template_texts() -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in TEMPLATES.glob("*.html")}


def test_every_key_a_template_uses_is_translated_in_both_languages() -> None:
    used = {k for text in template_texts().values() for k in KEY.findall(text)}
    assert used, "templates use t('...')"
    assert sorted(used - MESSAGES.keys()) == []
    dynamic = {f"error_{x}_{k}" for x in ("title", "text") for k in ERROR_STATUS}
    dynamic |= {f"node_{k}" for k in ("unreachable", "refused", "forbidden", "error")}
    dynamic |= {f"chain_{k}" for k in ("ok", "broken", "unknown")}
    dynamic |= {f"action_{k}" for k in ACTIONS} | {f"level_{k}" for k in LEVELS}
    assert sorted(dynamic - MESSAGES.keys()) == []


def test_both_languages_differ_and_are_not_empty() -> None:
    for key, (fr, en) in MESSAGES.items():
        assert fr.strip() and en.strip(), key
        # placeholders are the same in both languages
        assert re.findall(r"\{(\w+)\}", fr) == re.findall(r"\{(\w+)\}", en), key


@pytest.mark.parametrize("name", sorted(template_texts()))
def test_templates_hold_no_untranslated_text(name: str) -> None:
    text = template_texts()[name]
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
    attributes = re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*[A-Za-z][^"]*)"', text)
    assert attributes == []
    text = re.sub(r"<[^>]+>", " ", text)
    words = [w for w in text.split() if re.search(r"[A-Za-zÀ-ÿ]", w)]
    assert [w for w in words if w not in ENDONYMS] == []


def test_unknown_languages_fall_back_to_french() -> None:
    assert translator("de")("nav_log") == "Journal des accès"
    assert LANGS == ("fr", "en")

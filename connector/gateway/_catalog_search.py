"""Searching the data space's catalog: the query parameters of ``/catalog`` on the gateway,
checked (a bad one is a :class:`CatalogQueryError` naming it), and the facts of a dataset
they are matched against.

>>> search = parse_search([("q", "énergie"), ("commune", "17300")], nodes=["cda"])
>>> search.words, search.commune
(('energie',), '17300')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from connector.errors import QueryError
from policies.vocab import AREA, area_containers

PARAMETERS = ("q", "theme", "publisher", "commune", "node")
MAX_TEXT = 200
INSEE_COMMUNE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")  # the COG's commune codes (Corsica: 2A, 2B)
_IRI = re.compile(r"^(?:https?://[^\s<>\"{}|\\^`]+|urn:[^\s<>\"{}|\\^`]+)$")
_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class CatalogQueryError(QueryError):
    """A ``/catalog`` search parameter that cannot be used; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True)
class CatalogSearch:
    """What a search asks for; every given criterion must hold (an empty search keeps all).

    ``words`` (from ``q``) must each appear in the title, description or keywords (case and
    accents ignored); ``theme`` is a theme IRI or its code (``ENER``); ``publisher`` an IRI;
    ``commune`` an INSEE code, matching datasets whose ``dct:spatial`` is that commune or an
    area holding it (``policies/data/areas.ttl``); ``node`` the gateway's name of a node."""

    words: tuple[str, ...] = ()
    theme: str | None = None
    publisher: str | None = None
    commune: str | None = None
    node: str | None = None


@dataclass(frozen=True)
class DatasetFacts:
    """What a search looks at in one dataset of one node's catalog."""

    node: str
    text: str  # title, description and keywords, normalised by :func:`fold`
    themes: frozenset[str]
    publishers: frozenset[str]
    spatial: frozenset[str]

    def matches(self, search: CatalogSearch) -> bool:
        if search.node is not None and search.node != self.node:
            return False
        if any(w not in self.text for w in search.words):
            return False
        if search.publisher is not None and search.publisher not in self.publishers:
            return False
        if search.theme is not None and not any(_same_theme(t, search.theme) for t in self.themes):
            return False
        if search.commune is not None:
            area = f"{AREA}commune-{search.commune}"
            covering = {area} | set(area_containers().get(area, frozenset()))
            if not covering & self.spatial:
                return False
        return True


def fold(text: str) -> str:
    """Lower case without accents, whitespace collapsed: ``"Énergie  finale"`` → ``"energie
    finale"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def _same_theme(theme: str, asked: str) -> bool:
    if _IRI.match(asked):
        return theme == asked
    return re.split(r"[/#]", theme.rstrip("/#"))[-1].casefold() == asked.casefold()


def _value(name: str, values: list[str]) -> str:
    if len(values) > 1:
        raise CatalogQueryError(
            name, f"parameter {name!r} is given {len(values)} times; give it once"
        )
    value = values[0].strip()
    if not value:
        raise CatalogQueryError(name, f"parameter {name!r} is empty")
    if len(value) > MAX_TEXT:
        raise CatalogQueryError(
            name, f"parameter {name!r} is longer than {MAX_TEXT} characters ({len(value)})"
        )
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise CatalogQueryError(name, f"parameter {name!r} holds control characters")
    return value


def parse_search(items: Iterable[tuple[str, str]], *, nodes: Collection[str]) -> CatalogSearch:
    """The search asked by query parameters ``items`` over the gateway's ``nodes``."""
    given: dict[str, list[str]] = {}
    for name, value in items:
        if name not in PARAMETERS:
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise CatalogQueryError(
                shown,
                f"unknown parameter {shown!r}: the catalog is searched with "
                f"{', '.join(PARAMETERS)} (the format is chosen with the Accept header)",
            )
        given.setdefault(name, []).append(value)
    values = {name: _value(name, v) for name, v in given.items()}
    theme, publisher = values.get("theme"), values.get("publisher")
    commune, node = values.get("commune"), values.get("node")
    if theme is not None and not (_IRI.match(theme) or _CODE.match(theme)):
        raise CatalogQueryError(
            "theme", f"parameter 'theme' must be an IRI or a theme code such as ENER, got {theme!r}"
        )
    if publisher is not None and not _IRI.match(publisher):
        raise CatalogQueryError(
            "publisher", f"parameter 'publisher' must be an http(s) or urn IRI, got {publisher!r}"
        )
    if commune is not None and not INSEE_COMMUNE.match(commune):
        raise CatalogQueryError(
            "commune",
            f"parameter 'commune' must be an INSEE commune code such as 17300, got {commune!r}",
        )
    if node is not None and node not in nodes:
        raise CatalogQueryError(
            "node", f"parameter 'node': no node {node!r}; the nodes are {', '.join(nodes)}"
        )
    words = tuple(fold(values["q"]).split()) if "q" in values else ()
    return CatalogSearch(words=words, theme=theme, publisher=publisher, commune=commune, node=node)

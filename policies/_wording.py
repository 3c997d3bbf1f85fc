"""The words :mod:`policies.explain` builds its sentences from: French and English tables
(aggregation levels, months, duration units), bundled labels of terms and areas, and small
helpers of French grammar (« de » before a noun phrase) and list joining."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from functools import cache
from io import StringIO

from rdflib import RDFS, URIRef
from rdflib import Literal as RdfLiteral

from .vocab import AREA, DPV, GP, ODRL, XSD, areas_graph, data_text

# gui:aggregationLevel gteq duration → adjective of the aggregates.
_LEVELS: Mapping[str, tuple[str, str]] = {
    "PT1H": ("horaires", "hourly"),
    "P1D": ("journaliers", "daily"),
    "P7D": ("hebdomadaires", "weekly"),
    "P1W": ("hebdomadaires", "weekly"),
    "P1M": ("mensuels", "monthly"),
    "P1Y": ("annuels", "yearly"),
}
_MONTHS_FR = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
_MONTHS_EN = "January February March April May June July August September October November December"
_UNITS = {  # ISO 8601 duration letter → (fr singular, fr plural, en singular)
    "Y": ("an", "ans", "year"),
    "M": ("mois", "mois", "month"),
    "W": ("semaine", "semaines", "week"),
    "D": ("jour", "jours", "day"),
    "H": ("heure", "heures", "hour"),
    "TM": ("minute", "minutes", "minute"),
    "S": ("seconde", "secondes", "second"),
}
_PREFIXES = {ODRL: "", GP: "gui:", DPV: "dpv:", XSD: "xsd:", AREA: "area:"}


@cache
def _table(name: str) -> Mapping[str, tuple[str, str]]:
    """A bundled ``key,fr,en`` CSV file (``#`` lines are comments)."""
    rows = [line for line in data_text(name).splitlines() if line[:1] != "#"]
    return {key: (fr, en) for key, fr, en in list(csv.reader(StringIO("\n".join(rows))))[1:]}


def _term_labels() -> Mapping[str, tuple[str, str]]:
    return _table("explain-labels.csv")


@cache
def _area_labels() -> Mapping[str, str]:
    graph = areas_graph()
    return {
        str(s): str(o)
        for s, o in graph.subject_objects(RDFS.label)
        if isinstance(s, URIRef) and isinstance(o, RdfLiteral) and o.language is None
    }


def _local(iri: str) -> str:
    return re.split(r"[/#:]", iri.rstrip("/#"))[-1]


def _curie(iri: str) -> str:
    for namespace, prefix in _PREFIXES.items():
        if iri.startswith(namespace):
            return prefix + iri[len(namespace) :]
    return iri


def _words_of(name: str) -> str:
    """``AcademicResearch`` → ``academic research``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("-", " ").lower()


def _de(phrase: str) -> str:
    """French ``de`` before a noun phrase: du, des, de la, de l', d'."""
    lower = phrase.lower()
    for article, contracted in (("les ", "des "), ("le ", "du ")):
        if lower.startswith(article):
            return contracted + phrase[len(article) :]
    return ("d'" if lower[:1] in "aeiouyhéèêâîôû" and lower[:1] else "de ") + phrase


def _join(items: list[str], conj: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {conj} " + items[-1]

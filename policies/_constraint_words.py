"""How a policy's names and constraints read, in French or English: participants, datasets
and concepts by their labels, dates and durations in words, and each constraint the
profile knows (purpose, recipient, role, place, level, group size, counts, time) as a
phrase; one it does not know, verbatim. :mod:`.explain` builds the rules' sentences
around these phrases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Literal, TypeAlias

from ._wording import (
    _MONTHS_EN,
    _MONTHS_FR,
    _UNITS,
    _area_labels,
    _curie,
    _de,
    _join,
    _local,
    _term_labels,
    _words_of,
)
from .model import (
    Constraint,
    ConstraintNode,
    Iri,
    Lit,
    LogicalConstraint,
    Party,
    Term,
)
from .vocab import GP, ODRL

Lang: TypeAlias = Literal["fr", "en"]
Labels: TypeAlias = Mapping[str, str]


class ConstraintWords:
    """The words of one language, with the caller's labels: names, values, constraints."""

    def __init__(self, lang: Lang, labels: Labels) -> None:
        self.fr = lang == "fr"
        self.labels = labels

    def t(self, fr: str, en: str) -> str:
        return fr if self.fr else en

    # -- names --------------------------------------------------------------------------
    def party(self, party: Party | None) -> str:
        if party is None:
            return self.t("tout le monde", "everyone")
        label = self.labels.get(party.iri)
        if label is not None and (not party.collection or not self.fr or self.has_article(label)):
            return label
        name = label or _local(party.iri)
        if party.collection:
            return self.t(f"le groupe « {name} »", f"the group “{name}”")
        return self.t(f"le participant « {name} »", f"the participant “{name}”")

    def has_article(self, label: str) -> bool:
        """Whether a label starts with an article (then it is written as given)."""
        articles = ("le ", "la ", "les ", "l'", "l’", "un ", "une ", "des ")
        return label.lower().startswith(articles if self.fr else ("the ", "a ", "an "))

    def named(self, iri: str) -> str:
        if iri in self.labels:
            return self.labels[iri]
        return self.t(f"« {_local(iri)} »", f"“{_local(iri)}”")

    def dataset(self, iri: str | None) -> str:
        if iri is None:
            return self.t("les données", "the data")
        label = self.labels.get(iri)
        if label is not None and self.has_article(label):
            return label
        name = label or _local(iri)
        return self.t(f"le jeu de données « {name} »", f"the dataset “{name}”")

    def concept(self, iri: str) -> str:
        """A purpose or recipient category from the bundled labels, else its name."""
        if iri in self.labels:
            return self.labels[iri]
        if iri in _term_labels():
            fr, en = _term_labels()[iri]
            return self.t(fr, en)
        return self.t(f"« {_words_of(_local(iri))} »", _words_of(_local(iri)))

    def term(self, term: Term, left: str) -> str:
        if isinstance(term, Iri):
            if left in (ODRL + "purpose", ODRL + "recipient", GP + "role"):
                return self.concept(term.value)
            if left == ODRL + "spatial" and term.value in _area_labels():
                return _area_labels()[term.value]
            return self.named(term.value)
        return term.lexical

    # -- values -------------------------------------------------------------------------
    def date(self, lexical: str) -> str | None:
        match = re.fullmatch(
            r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?",
            lexical,
        )
        if match is None or not 1 <= int(match[2]) <= 12:
            return None
        day, month, year = int(match[3]), int(match[2]), match[1]
        if self.fr:
            text = f"{'1er' if day == 1 else day} {_MONTHS_FR.split()[month - 1]} {year}"
        else:
            text = f"{day} {_MONTHS_EN.split()[month - 1]} {year}"
        if match[4]:
            text += self.t(f" à {match[4]} h {match[5]}", f" at {match[4]}:{match[5]}")
            text += {None: "", "Z": " UTC"}.get(match[6], f" UTC{match[6]}")
        return text

    def duration(self, lexical: str) -> str | None:
        match = re.fullmatch(
            r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?",
            lexical,
        )
        if match is None or lexical in ("P", "PT") or lexical.endswith("T"):
            return None
        parts = []
        for value, unit in zip(match.groups(), ("Y", "M", "W", "D", "H", "TM", "S"), strict=True):
            if value is not None:
                n = int(value)
                fr_one, fr_many, en = _UNITS[unit]
                parts.append(
                    self.t(
                        f"{n} {fr_one if n <= 1 else fr_many}", f"{n} {en}{'' if n == 1 else 's'}"
                    )
                )
        return _join(parts, self.t("et", "and"))

    def times(self, lexical: str, fr_tail: str, en_tail: str, *, strict: bool) -> str | None:
        if not lexical.isdigit():
            return None
        n = int(lexical)
        if strict:
            return self.t(f"moins de {n} fois{fr_tail}", f"fewer than {n} times{en_tail}")
        if n == 1:
            return self.t(f"au plus une fois{fr_tail}", f"at most once{en_tail}")
        return self.t(f"au plus {n} fois{fr_tail}", f"at most {n} times{en_tail}")

    # -- constraints --------------------------------------------------------------------
    def constraint(self, node: ConstraintNode) -> str:
        if isinstance(node, LogicalConstraint):
            parts = [self.constraint(op) for op in node.operands]
            op = _local(node.operator)
            if op == "or":
                return _join(parts, self.t("ou", "or"))
            if op == "xone":
                return (
                    self.t("soit ", "either ")
                    + self.t(", soit ", " or ").join(parts)
                    + self.t(" (une seule de ces conditions)", " (exactly one of these)")
                )
            if op == "andSequence":
                return _join(parts, self.t("puis", "then"))
            if op == "and":
                return _join(parts, self.t("et", "and"))
            return f"{op}({'; '.join(parts)})"
        return self.plain(node) or self.verbatim(node)

    def verbatim(self, c: Constraint) -> str:
        right = [_curie(t.value) if isinstance(t, Iri) else t.lexical for t in c.right]
        right += [_curie(r) for r in c.right_reference]
        unit = f" {_curie(c.unit)}" if c.unit else ""
        return f"{_curie(c.left)} {_curie(c.operator)} {' '.join(right)}{unit}"

    def plain(self, c: Constraint) -> str | None:
        if len(c.right) != 1 and _local(c.operator) not in ("isAnyOf", "isNoneOf"):
            return None
        if not c.right or c.right_reference or c.unit:
            return None
        render = _RENDERERS.get(c.left)
        return render(self, _local(c.operator), c.right, c.left) if render else None

    def purpose(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        names = _join([self.term(t, left) for t in right], self.t("ou", "or"))
        if op in ("eq", "isA", "isAnyOf"):
            return self.t("pour ", "for ") + names
        if op in ("neq", "isNoneOf"):
            return self.t("sauf pour ", "except for ") + names
        return None

    def of_names(self, right: tuple[Term, ...], left: str) -> str:
        """``de X ou de Y`` in French, ``X or Y`` in English."""
        names = [self.term(t, left) for t in right]
        return _join([_de(n) for n in names], "ou") if self.fr else _join(names, "or")

    def recipient(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        names = self.of_names(right, left)
        if op in ("eq", "isA", "isAnyOf"):
            return self.t("à destination ", "to ") + names
        if op in ("neq", "isNoneOf"):
            return self.t("sauf à destination ", "except to ") + names
        return None

    def role(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        names = [re.sub(r"^une? ", "", self.term(t, left)) for t in right]
        if op not in ("eq", "isA", "isAnyOf"):
            return None
        return self.t("en tant que ", "as ") + _join(names, self.t("ou", "or"))

    def spatial(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        names = self.of_names(right, left)
        if op in ("eq", "isA", "isPartOf", "isAnyOf"):
            return self.t("sur le territoire ", "within ") + names
        if op in ("neq", "isNoneOf"):
            return self.t("hors du territoire ", "outside ") + names
        return None

    def date_time(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        when = self.date(right[0].lexical) if isinstance(right[0], Lit) else None
        phrases = {
            "lteq": ("jusqu'au ", "until "),
            "lt": ("avant le ", "before "),
            "gteq": ("à partir du ", "from "),
            "gt": ("après le ", "after "),
            "eq": ("le ", "on "),
        }
        if when is None or op not in phrases:
            return None
        fr, en = phrases[op]
        return self.t(fr, en) + when

    def elapsed(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        span = self.duration(right[0].lexical) if isinstance(right[0], Lit) else None
        if span is None or op not in ("lteq", "lt"):
            return None
        return self.t(f"pendant {span} après l'accord", f"for {span} after the agreement")

    def daily(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        if not isinstance(right[0], Lit) or op not in ("lteq", "lt"):
            return None
        return self.times(right[0].lexical, " par jour", " a day", strict=op == "lt")

    def count(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        if not isinstance(right[0], Lit) or op not in ("lteq", "lt"):
            return None
        return self.times(right[0].lexical, " au total", " in total", strict=op == "lt")

    def group(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        n = right[0].lexical if isinstance(right[0], Lit) else ""
        if not n.isdigit() or op not in ("gteq", "gt"):
            return None
        n = str(int(n) + (op == "gt"))
        return self.t(f"par groupes d'au moins {n}", f"in groups of at least {n}")

    def subjects(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        n = right[0].lexical if isinstance(right[0], Lit) else ""
        if not n.isdigit() or op not in ("gteq", "gt"):
            return None
        n = str(int(n) + (op == "gt"))
        return self.t(
            f"sur au moins {n} sujets (logements, salles) par groupe",
            f"over at least {n} subjects (dwellings, rooms) per group",
        )

    def level(self, op: str, right: tuple[Term, ...], left: str) -> str | None:
        span = self.duration(right[0].lexical) if isinstance(right[0], Lit) else None
        if span is None or op != "gteq":
            return None
        return self.t(
            f"à une granularité d'au moins {span}", f"at a granularity of at least {span}"
        )


_Render = Callable[[ConstraintWords, str, tuple[Term, ...], str], "str | None"]
_RENDERERS: Mapping[str, _Render] = {
    ODRL + "purpose": ConstraintWords.purpose,
    ODRL + "recipient": ConstraintWords.recipient,
    GP + "role": ConstraintWords.role,
    ODRL + "spatial": ConstraintWords.spatial,
    GP + "aggregationLevel": ConstraintWords.level,
    GP + "groupSize": ConstraintWords.group,
    GP + "subjectCount": ConstraintWords.subjects,
    GP + "dailyCount": ConstraintWords.daily,
    ODRL + "count": ConstraintWords.count,
    ODRL + "elapsedTime": ConstraintWords.elapsed,
    ODRL + "dateTime": ConstraintWords.date_time,
}
_ORDER = {left: i for i, left in enumerate(_RENDERERS)}


def constraint_order(node: ConstraintNode) -> tuple[int, str]:
    if isinstance(node, LogicalConstraint):
        return (len(_ORDER), node.iri)
    return (_ORDER.get(node.left, len(_ORDER) + 1), node.iri)

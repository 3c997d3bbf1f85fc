"""A parsed ODRL policy in plain sentences, in French or English, for a non-developer.

One sentence per atomic rule: who (``labels`` names participants and datasets, else a
readable fallback from the IRI), may / may not / must, what action on which dataset,
under which constraints, with which duties. A constraint this module does not know is
written verbatim (``leftOperand operator rightOperand``), never dropped. The phrases of
names, values and constraints are :mod:`._constraint_words`'s; this module makes rules of
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from ._constraint_words import ConstraintWords, Labels, Lang, constraint_order
from ._wording import (
    _LEVELS,
    _de,
    _join,
    _local,
    _table,
)
from .model import (
    Constraint,
    ConstraintNode,
    Lit,
    Party,
    Policy,
    Rule,
)
from .vocab import GP, ODRL

__all__ = [
    "Labels",
    "Lang",
    "Sentence",
    "concept_label",
    "duration_text",
    "explain",
    "explain_text",
]

Kind: TypeAlias = Literal["permission", "prohibition", "obligation"]


@dataclass(frozen=True)
class Sentence:
    """One rule of a policy in words."""

    rule: str
    kind: Kind
    text: str


def explain(policy: Policy, *, lang: Lang, labels: Labels | None = None) -> list[Sentence]:
    """One sentence per atomic rule of ``policy``, in ``lang``.

    ``labels`` maps participant and dataset IRIs (and purposes, recipients...) to names in
    ``lang``. A dataset label, or a French party-collection label, that starts with an
    article (« les mesures... », "the measurements...") is written as given; otherwise it
    is quoted as a title (« le jeu de données « Titre » »)."""
    words = _Words(lang, labels or {})
    found: list[Sentence] = []
    for rule in policy.rules:
        kind: Kind = "obligation" if rule.kind == "duty" else rule.kind
        found.append(Sentence(rule.iri, kind, words.rule(rule)))
    return found


def concept_label(iri: str, *, lang: Lang, labels: Labels | None = None) -> str:
    """A purpose or recipient category in words, as the sentences name it, capitalised:
    ``labels``, else the bundled labels (``dpv:AcademicResearch`` → « La recherche
    académique »), else its name."""
    text = _Words(lang, labels or {}).concept(iri)
    return text[:1].upper() + text[1:]


def duration_text(lexical: str, *, lang: Lang) -> str | None:
    """An ISO 8601 duration in words (``P5Y`` → « 5 ans »), ``None`` when it is not one."""
    return _Words(lang, {}).duration(lexical)


def explain_text(policy: Policy, lang: Lang, labels: Labels | None = None) -> str:
    """The sentences of :func:`explain`, one per line."""
    return "\n".join(s.text for s in explain(policy, lang=lang, labels=labels))


class _Words(ConstraintWords):
    """The words of one language: the rules' sentences around their constraints' phrases."""

    # -- rules --------------------------------------------------------------------------
    def rule(self, rule: Rule) -> str:
        subject = self.party(rule.assignee)
        plural = subject.lower().startswith("les ")
        nodes = list(rule.constraints) + list(rule.action.refinements)
        for holder in (rule.target, rule.assignee):
            if holder is not None:
                nodes.extend(holder.refinements)
        level, nodes = self.fold_level(rule.action.iri, nodes)
        if rule.kind == "prohibition" and rule.assignee is None:
            text = self.t("personne ne peut ", "no one may ")  # not « tout le monde ne peut pas »
        else:
            modal = {
                "permission": self.t("peuvent" if plural else "peut", "may"),
                "prohibition": self.t("ne peuvent pas" if plural else "ne peut pas", "may not"),
            }.get(rule.kind, self.t("doivent" if plural else "doit", "must"))
            text = f"{subject} {modal} "
        text += self.action(rule, level)
        text += "".join(", " + self.constraint(n) for n in sorted(nodes, key=constraint_order))
        pronoun = "they" if rule.assignee is None or rule.assignee.collection else "it"
        permitted = rule.kind == "permission"
        duties = [self.duty(d, third=permitted and pronoun == "it") for d in rule.duties]
        if duties and permitted:
            text += self.t(", à condition ", f", provided {pronoun} ")
        elif duties and rule.kind == "prohibition":
            text += self.t(
                " ; en cas de manquement, obligation ", f"; if breached, {pronoun} must "
            )
        elif duties:
            text += self.t(" ; à défaut, obligation ", f"; failing that, {pronoun} must ")
        text += _join(duties, self.t("et", "and")) if duties else ""
        return text[0].upper() + text[1:] + "."

    def fold_level(
        self, action: str, nodes: list[ConstraintNode]
    ) -> tuple[str, list[ConstraintNode]]:
        """The aggregation level adjective of ``aggregate``/``derive``, taken out of ``nodes``."""
        if action not in (ODRL + "aggregate", ODRL + "derive"):
            return "", nodes
        for node in nodes:
            if (
                isinstance(node, Constraint)
                and node.left == GP + "aggregationLevel"
                and node.operator == ODRL + "gteq"
                and len(node.right) == 1
                and isinstance(node.right[0], Lit)
                and node.right[0].lexical in _LEVELS
                and not node.unit
            ):
                fr, en = _LEVELS[str(node.right[0])]
                return " " + self.t(fr, en), [n for n in nodes if n is not node]
        return "", nodes

    def action(self, rule: Rule, level: str, *, third: bool = False) -> str:
        name = rule.action.iri.removeprefix(ODRL)
        fr, en = _table("explain-actions.csv").get(
            name, (f"« {_local(name)} » {{x}}", f"“{_local(name)}” {{x}}")
        )
        pattern = self.t(fr, en)
        if third and not self.fr:
            verb, _, rest = pattern.partition(" ")
            pattern = f"{verb}{'es' if verb.endswith(('s', 'sh', 'ch', 'x')) else 's'} {rest}"
        target = rule.target.iri if rule.target else None
        x = self.dataset(target)
        parties = [self.party(Party(p)) for _, p in rule.functions]
        p = (
            _join(parties, self.t("et", "and"))
            if parties
            else self.t("la partie concernée", "the party concerned")
        )
        return pattern.format(x=x, de_x=_de(x), p=p, de_p=_de(p), lvl=level).strip()

    def duty(self, duty: Rule, *, third: bool) -> str:
        """``de citer X`` in French; ``credit X`` (``credits X`` when ``third``) in English."""
        nodes = list(duty.constraints) + list(duty.action.refinements)
        text = _de(self.action(duty, "")) if self.fr else self.action(duty, "", third=third)
        if nodes:
            text += " (" + ", ".join(self.constraint(n) for n in nodes) + ")"
        return text

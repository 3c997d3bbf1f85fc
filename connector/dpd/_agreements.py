"""The node's Agreements for the DPD: who accepted which offer of which dataset, when, for
which purpose, and the duties that came with it (the agreement's rules in words too).

>>> found = await agreements(ctx, "fr")  # doctest: +SKIP
>>> found[0].party.label, found[0].duties  # doctest: +SKIP
('La Rochelle Université', ('attribute',))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from connector.dpd._context import AuditContext, authorise, usage_control
from connector.dpd._datasets import PolicySentence
from connector.dpd._filter import check_lang
from connector.dpd._node import Labelled, concept, labelled, node_labels
from connector.usage.agreements import StoredAgreement
from connector.usage.decision import short_name
from policies import Policy
from policies.explain import Lang, explain


@dataclass(frozen=True)
class AgreementRecord:
    """One accepted offer; ``duties`` are the short names of the agreement's duties
    (``attribute``, ``inform``...), ``sentences`` its rules in the language asked."""

    iri: str
    party: Labelled
    dataset: str
    dataset_title: str
    offer: str
    purpose: Labelled | None
    issued: datetime
    duties: tuple[str, ...]
    sentences: tuple[PolicySentence, ...]


def agreement_duties(policy: Policy) -> tuple[str, ...]:
    """Every duty of the agreement's permissions and every obligation, by action, once."""
    found: dict[str, None] = {}
    for rule in policy.rules:
        if rule.kind == "permission":
            found.update((short_name(d.action.iri), None) for d in rule.duties)
        elif rule.kind == "obligation":
            found[short_name(rule.action.iri)] = None
    return tuple(found)


def agreement_record(
    a: StoredAgreement, *, lang: Lang, labels: dict[str, str], titles: dict[str, str]
) -> AgreementRecord:
    return AgreementRecord(
        iri=a.iri,
        party=labelled(labels, a.party),
        dataset=a.dataset,
        dataset_title=titles.get(a.dataset, a.dataset),
        offer=a.offer,
        purpose=concept(a.purpose, lang, labels) if a.purpose else None,
        issued=a.issued,
        duties=agreement_duties(a.policy),
        sentences=tuple(
            PolicySentence(rule=s.rule, kind=s.kind, text=s.text)
            for s in explain(a.policy, lang=lang, labels=labels)
        ),
    )


async def agreements(ctx: AuditContext, lang: str | None = "fr") -> list[AgreementRecord]:
    """Every agreement of the node, newest first."""
    await authorise(ctx, "agreements", {"lang": lang})
    checked = check_lang(lang)
    control = usage_control(ctx)
    labels = node_labels(ctx.config, checked)
    titles = {ds.id: ds.title for ds in ctx.config.datasets.values()}
    found = await control.agreements.for_party(None)
    records = [agreement_record(a, lang=checked, labels=labels, titles=titles) for a in found]
    return sorted(records, key=lambda r: (r.issued, r.iri), reverse=True)

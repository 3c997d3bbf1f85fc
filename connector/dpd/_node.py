"""Who the node is and the names it knows: its parties and groups (``[labels]``), the
purposes its policies name, each in the language asked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from connector.config import NodeConfig
from connector.config.processing import local
from connector.dpd._context import AuditContext, authorise, usage_control
from connector.dpd._filter import check_lang
from policies import ODRL, Iri, Policy
from policies.explain import Lang, concept_label
from policies.model import rule_constraints


@dataclass(frozen=True)
class NodeInfo:
    """The node answering."""

    name: str
    title: str
    participant: str


@dataclass(frozen=True)
class Labelled:
    """An IRI and its name in the language asked."""

    iri: str
    label: str


def party_labels(config: NodeConfig, lang: str) -> dict[str, str]:
    """The node's own participant and its ``[labels]`` in ``lang``."""
    return {config.participant: config.title} | {
        iri: local(text, lang) for iri, text in config.labels.items()
    }


def node_labels(config: NodeConfig, lang: str) -> dict[str, str]:
    """:func:`party_labels` and the node's datasets' titles."""
    return party_labels(config, lang) | {ds.iri: ds.title for ds in config.datasets.values()}


def labelled(labels: Mapping[str, str], iri: str) -> Labelled:
    """``iri`` with its label, else the last segment of its path."""
    return Labelled(iri=iri, label=labels.get(iri) or iri.rstrip("/#").rsplit("/", 1)[-1])


def concept(iri: str, lang: Lang, labels: Mapping[str, str]) -> Labelled:
    """``iri`` named as :func:`policies.explain.concept_label` names it."""
    return Labelled(iri=iri, label=concept_label(iri, lang=lang, labels=labels))


def policy_purposes(policies: Iterable[tuple[Policy, ...]]) -> list[str]:
    """The purposes (``odrl:purpose`` right operands) named by any rule or duty."""
    found: dict[str, None] = {}
    for loaded in policies:
        for policy in loaded:
            for rule in policy.rules:
                for c in rule_constraints(rule):
                    if c.left == ODRL + "purpose":
                        found |= {t.value: None for t in c.right if isinstance(t, Iri)}
    return sorted(found)


async def node_info(ctx: AuditContext) -> NodeInfo:
    """The node answering."""
    await authorise(ctx, "node", {})
    c = ctx.config
    return NodeInfo(name=c.name, title=c.title, participant=c.participant)


async def labels(ctx: AuditContext, lang: str | None = "fr") -> list[Labelled]:
    """Parties and groups the node knows by name, sorted by name."""
    await authorise(ctx, "labels", {"lang": lang})
    names = party_labels(ctx.config, check_lang(lang))
    return sorted(
        (Labelled(iri=iri, label=label) for iri, label in names.items()),
        key=lambda x: (x.label.casefold(), x.iri),
    )


async def purposes(ctx: AuditContext, lang: str | None = "fr") -> list[Labelled]:
    """The purposes this node's policies name."""
    await authorise(ctx, "purposes", {"lang": lang})
    checked = check_lang(lang)
    names = node_labels(ctx.config, checked)
    return [
        concept(iri, checked, names)
        for iri in policy_purposes(p.policies for p in usage_control(ctx).policies.values())
    ]

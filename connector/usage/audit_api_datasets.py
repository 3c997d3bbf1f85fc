"""The DPD's view of the node itself: who it is, its datasets with their policies in plain
words and their version history, its record of processing, and the names it knows.

    query { datasets(lang: "en") { id title personalData policyStatus
              sentences { rule kind text } versions { version sha256 since } } }
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

import strawberry

from connector.audit import PolicyVersion, PolicyVersions
from connector.config import DatasetConfig, LocalText, NodeConfig, Processing
from connector.config_processing import local
from connector.errors import QueryError
from connector.usage.audit_api_common import AuditContext, authorise, check_lang
from connector.usage.control import UsageControl
from policies import ODRL, Iri, Policy
from policies.explain import Lang, concept_label, duration_text, explain
from policies.model import rule_constraints


@strawberry.type(description="The node answering.")
class NodeInfo:
    name: str
    title: str
    participant: str


@strawberry.type(description="An IRI and its name in the language asked.")
class Labelled:
    iri: str
    label: str


@strawberry.type(description="One rule of a policy in plain words.")
class PolicySentence:
    rule: str
    kind: str = strawberry.field(description="permission, prohibition or obligation.")
    text: str


@strawberry.type(description="A policy document as the node enforced it from `since` on.")
class PolicyVersionInfo:
    version: int
    sha256: str = strawberry.field(description="SHA-256 of `policy`.")
    since: datetime = strawberry.field(description="When the node first enforced it.")
    policy: str = strawberry.field(description="The document, canonical JSON (RFC 8785).")


@strawberry.type(description="A dataset, its policy in JSON-LD and in words, its history.")
class DatasetPolicy:
    id: str
    iri: str
    title: str
    description: str
    publisher: str
    personal_data: bool
    policy_iri: str | None
    policy: str | None = strawberry.field(description="The JSON-LD document as enforced.")
    policy_status: str = strawberry.field(description='"ok", or why the policy is not served.')
    sentences: list[PolicySentence]
    versions: list[PolicyVersionInfo] = strawberry.field(description="Newest first.")


@strawberry.type(description="A dataset's record of processing (RGPD art. 30).")
class ProcessingRecord:
    dataset: str
    dataset_title: str
    controller: Labelled
    purposes: list[Labelled]
    legal_basis: Labelled
    data_categories: list[str]
    data_subjects: list[str]
    recipients: list[Labelled]
    retention: str = strawberry.field(description='In words, e.g. "5 ans".')
    retention_iso: str = strawberry.field(description='ISO 8601 duration, e.g. "P5Y".')
    transfers: str
    security_measures: list[str]


def party_labels(config: NodeConfig, lang: str) -> dict[str, str]:
    """The node's own participant and its ``[labels]`` in ``lang``."""
    return {config.participant: config.title} | {
        iri: local(text, lang) for iri, text in config.labels.items()
    }


def node_labels(config: NodeConfig, lang: str) -> dict[str, str]:
    """:func:`party_labels` and the node's datasets' titles."""
    return party_labels(config, lang) | {ds.iri: ds.title for ds in config.datasets.values()}


def _label(labels: Mapping[str, str], iri: str) -> Labelled:
    return Labelled(iri=iri, label=labels.get(iri) or iri.rstrip("/#").rsplit("/", 1)[-1])


def _concept(iri: str, lang: Lang, labels: Mapping[str, str]) -> Labelled:
    label = concept_label(iri, lang=lang, labels=labels)
    return Labelled(iri=iri, label=label)


def _sentences(
    loaded: tuple[Policy, ...] | str, lang: Lang, labels: Mapping[str, str]
) -> list[PolicySentence]:
    if isinstance(loaded, str):
        return []
    return [
        PolicySentence(rule=s.rule, kind=s.kind, text=s.text)
        for p in loaded
        for s in explain(p, lang=lang, labels=labels)
    ]


def _dataset(
    ds: DatasetConfig,
    control: UsageControl,
    labels: Mapping[str, str],
    lang: Lang,
    versions: list[PolicyVersion],
) -> DatasetPolicy:
    doc = control.documents.get(ds.id)
    loaded = control.policies.get(ds.id, f"dataset {ds.id!r} has no policy")
    status = loaded if isinstance(loaded, str) else (doc.error if doc and doc.error else "ok")
    return DatasetPolicy(
        id=ds.id,
        iri=ds.iri,
        title=ds.title,
        description=ds.description,
        publisher=ds.publisher,
        personal_data=ds.personal_data,
        policy_iri=doc.uid if doc else None,
        policy=(
            json.dumps(doc.document, ensure_ascii=False, indent=2)
            if doc is not None and doc.document is not None
            else None
        ),
        policy_status=status,
        sentences=_sentences(loaded, lang, labels),
        versions=[
            PolicyVersionInfo(
                version=v.version, sha256=v.sha256, since=v.first_seen, policy=v.policy
            )
            for v in versions
            if v.dataset == ds.id
        ],
    )


def _record(
    ds: DatasetConfig, p: Processing, lang: Lang, labels: Mapping[str, str]
) -> ProcessingRecord:
    basis = p.legal_basis
    return ProcessingRecord(
        dataset=ds.id,
        dataset_title=ds.title,
        controller=_label(labels, p.controller),
        purposes=[_concept(iri, lang, labels) for iri in p.purposes],
        legal_basis=Labelled(iri=basis.iri, label=basis.fr if lang == "fr" else basis.en),
        data_categories=_texts(p.data_categories, lang),
        data_subjects=_texts(p.data_subjects, lang),
        recipients=[_label(labels, iri) for iri in p.recipients],
        retention=duration_text(p.retention, lang=lang) or p.retention,
        retention_iso=p.retention,
        transfers=local(p.transfers, lang),
        security_measures=_texts(p.security_measures, lang),
    )


def _texts(texts: Iterable[LocalText], lang: str) -> list[str]:
    return [local(t, lang) for t in texts]


def policy_purposes(policies: Iterable[tuple[Policy, ...] | str]) -> list[str]:
    """The purposes (``odrl:purpose`` right operands) named by any rule or duty."""
    found: dict[str, None] = {}
    for loaded in policies:
        if isinstance(loaded, str):
            continue
        for policy in loaded:
            for rule in policy.rules:
                for c in rule_constraints(rule):
                    if c.left == ODRL + "purpose":
                        found |= {t.value: None for t in c.right if isinstance(t, Iri)}
    return sorted(found)


def _control(ctx: AuditContext) -> UsageControl:
    if ctx.control is None:
        raise QueryError("this node enforces no policies (usage control is off)")
    return ctx.control


async def _node(info: strawberry.Info[AuditContext, None]) -> NodeInfo:
    ctx = info.context
    await authorise(ctx, "node", {})
    c = ctx.config
    return NodeInfo(name=c.name, title=c.title, participant=c.participant)


async def _datasets(
    info: strawberry.Info[AuditContext, None], lang: str | None = "fr"
) -> list[DatasetPolicy]:
    ctx = info.context
    await authorise(ctx, "datasets", {"lang": lang})
    lang = check_lang(lang)
    control = _control(ctx)
    labels = node_labels(ctx.config, lang)
    versions = await PolicyVersions(ctx.audit).history()
    return [_dataset(ds, control, labels, lang, versions) for ds in ctx.config.datasets.values()]


async def _register(
    info: strawberry.Info[AuditContext, None], lang: str | None = "fr"
) -> list[ProcessingRecord]:
    ctx = info.context
    await authorise(ctx, "processingRegister", {"lang": lang})
    lang = check_lang(lang)
    labels = node_labels(ctx.config, lang)
    return [
        _record(ds, ds.processing, lang, labels)
        for ds in ctx.config.datasets.values()
        if ds.personal_data and ds.processing is not None
    ]


async def _labels(
    info: strawberry.Info[AuditContext, None], lang: str | None = "fr"
) -> list[Labelled]:
    ctx = info.context
    await authorise(ctx, "labels", {"lang": lang})
    lang = check_lang(lang)
    return sorted(
        (Labelled(iri=iri, label=label) for iri, label in party_labels(ctx.config, lang).items()),
        key=lambda x: (x.label.casefold(), x.iri),
    )


async def _purposes(
    info: strawberry.Info[AuditContext, None], lang: str | None = "fr"
) -> list[Labelled]:
    ctx = info.context
    await authorise(ctx, "purposes", {"lang": lang})
    lang = check_lang(lang)
    labels = node_labels(ctx.config, lang)
    return [_concept(iri, lang, labels) for iri in policy_purposes(_control(ctx).policies.values())]


@strawberry.type
class DatasetsQuery:
    node: NodeInfo = strawberry.field(resolver=_node, description="The node answering.")
    datasets: list[DatasetPolicy] = strawberry.field(
        resolver=_datasets,
        description="Every dataset of the node: its policy as JSON-LD, in plain words "
        '(lang "fr" or "en") and its version history.',
    )
    processing_register: list[ProcessingRecord] = strawberry.field(
        resolver=_register,
        description="The record of processing of each dataset holding personal data.",
    )
    labels: list[Labelled] = strawberry.field(
        resolver=_labels, description="Parties and groups the node knows by name."
    )
    purposes: list[Labelled] = strawberry.field(
        resolver=_purposes, description="The purposes this node's policies name."
    )


async def record_policy_versions(control: UsageControl) -> list[PolicyVersion]:
    """At start-up: record each dataset's policy document if it changed since the last
    recorded version (see :mod:`connector.audit.policy_versions`)."""
    await control.audit.setup()
    documents = {
        ds: doc.document for ds, doc in control.documents.items() if doc.document is not None
    }
    return await PolicyVersions(control.audit).record(documents, now=control.clock())

"""The DPD's view of the node itself as GraphQL: ``node``, ``datasets`` (policies in
plain words, their versions), ``processingRegister``, ``labels``, ``purposes``; each
resolver delegates to :mod:`connector.dpd`.

    query { datasets(lang: "en") { id title personalData policyStatus
              sentences { rule kind text } versions { version sha256 since } } }
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from connector import dpd
from connector.dpd import AuditContext


@strawberry.type(description="The node answering.")
class NodeInfo:
    name: str
    title: str
    participant: str


@strawberry.type(description="An IRI and its name in the language asked.")
class Labelled:
    iri: str
    label: str

    @classmethod
    def of(cls, x: dpd.Labelled) -> Labelled:
        return cls(iri=x.iri, label=x.label)


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

    @classmethod
    def of(cls, v: dpd.PolicyVersionInfo) -> PolicyVersionInfo:
        return cls(version=v.version, sha256=v.sha256, since=v.since, policy=v.policy)


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

    @classmethod
    def of(cls, d: dpd.DatasetPolicy) -> DatasetPolicy:
        return cls(
            id=d.id,
            iri=d.iri,
            title=d.title,
            description=d.description,
            publisher=d.publisher,
            personal_data=d.personal_data,
            policy_iri=d.policy_iri,
            policy=d.policy,
            policy_status=d.policy_status,
            sentences=[PolicySentence(rule=s.rule, kind=s.kind, text=s.text) for s in d.sentences],
            versions=[PolicyVersionInfo.of(v) for v in d.versions],
        )


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
    kind: str = strawberry.field(
        description='"dataset" (a dataset holding personal data) or "platform" (the '
        "node's own processing: its audit log)."
    )
    controller_contact: str | None = strawberry.field(
        description="The controller's contact details ([register]); null: not stated."
    )
    dpd_contact: str | None = strawberry.field(
        description="The DPD's contact details ([register]); null: not stated."
    )
    rights: str | None = strawberry.field(
        description="How people exercise their rights ([register]); null: not stated."
    )
    joint_controllers: list[Labelled]
    processors: list[str]
    sources: list[str]
    created: str | None = strawberry.field(description="Date the record was created (ISO).")
    updated: str | None = strawberry.field(description="Date it was last updated (ISO).")
    dpia: str = strawberry.field(description="The data protection impact assessment, in words.")
    dpia_date: str | None

    @classmethod
    def of(cls, r: dpd.ProcessingRecord) -> ProcessingRecord:
        return cls(
            dataset=r.dataset,
            dataset_title=r.dataset_title,
            controller=Labelled.of(r.controller),
            purposes=[Labelled.of(x) for x in r.purposes],
            legal_basis=Labelled.of(r.legal_basis),
            data_categories=list(r.data_categories),
            data_subjects=list(r.data_subjects),
            recipients=[Labelled.of(x) for x in r.recipients],
            retention=r.retention,
            retention_iso=r.retention_iso,
            transfers=r.transfers,
            security_measures=list(r.security_measures),
            kind=r.kind,
            controller_contact=r.controller_contact,
            dpd_contact=r.dpd_contact,
            rights=r.rights,
            joint_controllers=[Labelled.of(x) for x in r.joint_controllers],
            processors=list(r.processors),
            sources=list(r.sources),
            created=r.created,
            updated=r.updated,
            dpia=r.dpia,
            dpia_date=r.dpia_date,
        )


@strawberry.type(
    description="A personal dataset's entity type against the retention its record declares."
)
class RetentionStatus:
    dataset: str
    dataset_title: str
    entity: str
    retention_iso: str
    field: str | None = strawberry.field(description="The date the age is read from.")
    cutoff: str = strawberry.field(description="Rows dated before this date are overdue.")
    state: str = strawberry.field(description='"ok", "overdue" or "undated".')
    overdue_rows: int
    oldest: str | None = strawberry.field(description="The oldest overdue row's date.")

    @classmethod
    def of(cls, r: dpd.RetentionStatus) -> RetentionStatus:
        return cls(**{k: getattr(r, k) for k in r.__dataclass_fields__})


async def _retention(info: strawberry.Info[AuditContext, None]) -> list[RetentionStatus]:
    return [RetentionStatus.of(r) for r in await dpd.retention_status(info.context)]


async def _node(info: strawberry.Info[AuditContext, None]) -> NodeInfo:
    n = await dpd.node_info(info.context)
    return NodeInfo(name=n.name, title=n.title, participant=n.participant)


async def _datasets(
    info: strawberry.Info[AuditContext, None], lang: str | None = "fr"
) -> list[DatasetPolicy]:
    return [DatasetPolicy.of(d) for d in await dpd.datasets(info.context, lang)]


async def _register(
    info: strawberry.Info[AuditContext, None], lang: str | None = "fr"
) -> list[ProcessingRecord]:
    return [ProcessingRecord.of(r) for r in await dpd.processing_register(info.context, lang)]


async def _labels(
    info: strawberry.Info[AuditContext, None], lang: str | None = "fr"
) -> list[Labelled]:
    return [Labelled.of(x) for x in await dpd.labels(info.context, lang)]


async def _purposes(
    info: strawberry.Info[AuditContext, None], lang: str | None = "fr"
) -> list[Labelled]:
    return [Labelled.of(x) for x in await dpd.purposes(info.context, lang)]


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
    retention: list[RetentionStatus] = strawberry.field(
        resolver=_retention,
        description="Rows held beyond the retention each personal dataset declares, counted "
        "by the source (one statement per entity type); nothing is deleted.",
    )
    labels: list[Labelled] = strawberry.field(
        resolver=_labels, description="Parties and groups the node knows by name."
    )
    purposes: list[Labelled] = strawberry.field(
        resolver=_purposes, description="The purposes this node's policies name."
    )

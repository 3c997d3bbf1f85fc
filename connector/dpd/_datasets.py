"""The node's datasets as the DPD sees them: each policy as enforced, in JSON-LD and in
plain words, with the history of its versions.

>>> [d.policy_status for d in await datasets(ctx, "en")]  # doctest: +SKIP
['ok', 'ok']
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.audit import PolicyVersion, PolicyVersions
from connector.config import DatasetConfig
from connector.dpd._context import AuditContext, authorise, usage_control
from connector.dpd._filter import check_lang
from connector.dpd._node import node_labels
from connector.usage import DatasetPolicy as LoadedPolicy
from connector.usage import UsageControl
from policies import Policy
from policies.explain import Lang, explain


@dataclass(frozen=True)
class PolicySentence:
    """One rule of a policy in plain words; ``kind``: permission, prohibition or
    obligation."""

    rule: str
    kind: str
    text: str


@dataclass(frozen=True)
class PolicyVersionInfo:
    """A policy document (canonical JSON, RFC 8785) as the node enforced it from
    ``since`` on; ``sha256`` is its hash."""

    version: int
    sha256: str
    since: datetime
    policy: str


@dataclass(frozen=True)
class DatasetPolicy:
    """A dataset, its policy in JSON-LD (as enforced) and in words, its history (newest
    first); ``policy_status`` is ``"ok"``, or why the policy is not served."""

    id: str
    iri: str
    title: str
    description: str
    publisher: str
    personal_data: bool
    policy_iri: str | None
    policy: str | None
    policy_status: str
    sentences: tuple[PolicySentence, ...]
    versions: tuple[PolicyVersionInfo, ...]


def _sentences(
    policies: tuple[Policy, ...], lang: Lang, labels: Mapping[str, str]
) -> tuple[PolicySentence, ...]:
    return tuple(
        PolicySentence(rule=s.rule, kind=s.kind, text=s.text)
        for p in policies
        for s in explain(p, lang=lang, labels=labels)
    )


def dataset_policy(
    ds: DatasetConfig,
    loaded: LoadedPolicy | None,
    labels: Mapping[str, str],
    lang: Lang,
    versions: Sequence[PolicyVersion],
) -> DatasetPolicy:
    """``ds`` with its policy as the node ``loaded`` it (``None``: none was) and its
    versions among ``versions``."""
    status = f"dataset {ds.id!r} has no policy" if loaded is None else loaded.error or "ok"
    return DatasetPolicy(
        id=ds.id,
        iri=ds.iri,
        title=ds.title,
        description=ds.description,
        publisher=ds.publisher,
        personal_data=ds.personal_data,
        policy_iri=loaded.uid if loaded else None,
        policy=(
            json.dumps(loaded.document, ensure_ascii=False, indent=2)
            if loaded is not None and loaded.document is not None
            else None
        ),
        policy_status=status,
        sentences=_sentences(loaded.policies if loaded else (), lang, labels),
        versions=tuple(
            PolicyVersionInfo(
                version=v.version, sha256=v.sha256, since=v.first_seen, policy=v.policy
            )
            for v in versions
            if v.dataset == ds.id
        ),
    )


async def datasets(ctx: AuditContext, lang: str | None = "fr") -> list[DatasetPolicy]:
    """Every dataset of the node: its policy as JSON-LD, in plain words (``lang`` "fr"
    or "en") and its version history."""
    await authorise(ctx, "datasets", {"lang": lang})
    checked = check_lang(lang)
    control = usage_control(ctx)
    labels = node_labels(ctx.config, checked)
    versions = await PolicyVersions(ctx.audit).history()
    return [
        dataset_policy(ds, control.policies.get(ds.id), labels, checked, versions)
        for ds in ctx.config.datasets.values()
    ]


async def record_policy_versions(control: UsageControl) -> list[PolicyVersion]:
    """At start-up: record each dataset's policy document if it changed since the last
    recorded version (see :mod:`connector.audit.policy_versions`)."""
    await control.audit.setup()
    documents = {
        ds: loaded.document
        for ds, loaded in control.policies.items()
        if loaded.document is not None
    }
    return await PolicyVersions(control.audit).record(documents, now=control.clock())

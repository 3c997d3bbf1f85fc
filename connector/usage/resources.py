"""What a node holds besides its datasets, under the same usage control.

The node's audit log is one: reading it (the DPD's endpoint, its exports, the console) is
a ``read`` of the resource :data:`AUDIT_LOG`, decided by the same evaluator as any dataset,
under a policy the node writes from its configuration: read, for the ``[usage] dpd_role``.
Its usage summary (:data:`AUDIT_SUMMARY`, ``GET /audit/summary``: counts by participant
type and purpose) is another: read, for the ``[usage] transparency_role`` (the families'
page's participant) and the DPD role.
"""

from __future__ import annotations

from connector.config import DatasetConfig, NodeConfig
from policies import GP, ODRL, Action, Asset, Constraint, Iri, Policy, Rule

AUDIT_LOG = "audit-log"
"""The id of the node's audit log among the resources usage control decides on."""

AUDIT_SUMMARY = "audit-summary"
"""The id of the log's usage summary (counts by participant type and purpose, no party):
what the families' page reads."""


def _builtin(config: NodeConfig, ident: str, path: str, title: str, what: str) -> DatasetConfig:
    """A resource of the node itself (no entities, a built-in policy)."""
    return DatasetConfig(
        id=ident,
        iri=f"{config.base_iri}{path}",
        title=title,
        description=what,
        publisher=config.participant,
        entities={},
        policy=None,
        personal_data=False,
    )


def audit_log_dataset(config: NodeConfig) -> DatasetConfig:
    return _builtin(
        config,
        AUDIT_LOG,
        "/audit",
        "Journal d'audit du nœud",
        "Every decision of the node's usage control, hash-chained.",
    )


def resource_iris(config: NodeConfig) -> dict[str, str]:
    """The IRI of each resource usage control decides on, by the id an audit entry names:
    each dataset's, as ``/catalog`` publishes it, and the audit log's."""
    iris = {ds.id: ds.iri for ds in config.datasets.values()}
    iris[AUDIT_LOG] = audit_log_dataset(config).iri
    return iris


def _role_rule(uid: str, target: str, name: str, role: str) -> Rule:
    return Rule(
        iri=f"{uid}#{name}",
        kind="permission",
        action=Action(ODRL + "read"),
        target=Asset(target),
        constraints=(
            Constraint(
                iri=f"{uid}#{name}-role",
                left=GP + "role",
                operator=ODRL + "isAllOf",
                right=(Iri(role),),
            ),
        ),
    )


def audit_log_policy(config: NodeConfig) -> Policy:
    """Read, for callers holding the DPD role; nothing else, for no one else."""
    uid = f"{config.base_iri}/policies/{AUDIT_LOG}"
    return Policy(
        iri=uid,
        type=ODRL + "Set",
        rules=(_role_rule(uid, audit_log_dataset(config).iri, "dpd", config.usage.dpd_role),),
        source="built in: [usage] dpd_role",
    )


def audit_summary_dataset(config: NodeConfig) -> DatasetConfig:
    return _builtin(
        config,
        AUDIT_SUMMARY,
        "/audit/summary",
        "Résumé des usages du nœud",
        "Decisions on each dataset counted by participant type and purpose.",
    )


def audit_summary_policy(config: NodeConfig) -> Policy:
    """Read, for the families' page's role and for the DPD; nothing else, for no one else."""
    uid = f"{config.base_iri}/policies/{AUDIT_SUMMARY}"
    target = audit_summary_dataset(config).iri
    return Policy(
        iri=uid,
        type=ODRL + "Set",
        rules=(
            _role_rule(uid, target, "transparence", config.usage.transparency_role),
            _role_rule(uid, target, "dpd", config.usage.dpd_role),
        ),
        source="built in: [usage] transparency_role and dpd_role",
    )

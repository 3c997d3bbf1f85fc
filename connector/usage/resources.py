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


def audit_log_dataset(config: NodeConfig) -> DatasetConfig:
    return DatasetConfig(
        id=AUDIT_LOG,
        iri=f"{config.base_iri}/audit",
        title="Journal d'audit du nœud",
        description="Every decision of the node's usage control, hash-chained.",
        publisher=config.participant,
        entities={},
        policy=None,
        personal_data=False,
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
        rules=(_role_rule(uid, f"{config.base_iri}/audit", "dpd", config.usage.dpd_role),),
        source="built in: [usage] dpd_role",
    )


def audit_summary_dataset(config: NodeConfig) -> DatasetConfig:
    return DatasetConfig(
        id=AUDIT_SUMMARY,
        iri=f"{config.base_iri}/audit/summary",
        title="Résumé des usages du nœud",
        description="Decisions on each dataset counted by participant type and purpose.",
        publisher=config.participant,
        entities={},
        policy=None,
        personal_data=False,
    )


def audit_summary_policy(config: NodeConfig) -> Policy:
    """Read, for the families' page's role and for the DPD; nothing else, for no one else."""
    uid = f"{config.base_iri}/policies/{AUDIT_SUMMARY}"
    target = f"{config.base_iri}/audit/summary"
    return Policy(
        iri=uid,
        type=ODRL + "Set",
        rules=(
            _role_rule(uid, target, "transparence", config.usage.transparency_role),
            _role_rule(uid, target, "dpd", config.usage.dpd_role),
        ),
        source="built in: [usage] transparency_role and dpd_role",
    )

"""Reading a dataset's policies: parsed, checked, or the reason the dataset is closed."""

from __future__ import annotations

from connector.config import DatasetConfig
from connector.errors import PolicyError
from policies import (
    ConstraintNode,
    LogicalConstraint,
    Policy,
    check_policies,
    parse_policies,
)

GROUP_SIZE = "https://w3id.org/guichet/ontology#groupSize"


def _mentions(nodes: tuple[ConstraintNode, ...], left: str) -> bool:
    for n in nodes:
        if isinstance(n, LogicalConstraint):
            if _mentions(n.operands, left):
                return True
        elif n.left == left:
            return True
    return False


def sizes_groups(policies: tuple[Policy, ...]) -> bool:
    """Whether a rule limits the size of aggregated groups (``gui:groupSize``): such a
    decision can only be taken per group, once the source has counted them."""
    return any(
        _mentions(r.constraints, GROUP_SIZE) or _mentions(r.action.refinements, GROUP_SIZE)
        for p in policies
        for r in p.rules
    )


def load_dataset_policies(ds: DatasetConfig) -> tuple[Policy, ...] | str:
    """Parse and check a dataset's policy document; a problem (naming the file and the
    offending term) means the dataset is not served rather than served unprotected."""
    if ds.policy is None:
        return f"dataset {ds.id!r} has no policy: nothing is permitted"
    try:
        parsed = tuple(parse_policies(ds.policy.read_text(encoding="utf-8"), name=str(ds.policy)))
    except (PolicyError, OSError, ValueError) as exc:
        return f"{ds.policy}: {exc} (dataset {ds.id!r} is not served)"
    issues = check_policies(parsed)
    if issues:
        return f"{issues[0]} (dataset {ds.id!r} is not served)"
    if not parsed:
        return f"{ds.policy}: the document holds no policy (dataset {ds.id!r} is not served)"
    return parsed

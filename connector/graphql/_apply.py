"""How resolvers apply the request's decision to aggregates and derived values.

A computed field finds the uses the analysis stated for it (:func:`computed`), builds
its source aggregate from the cells those decisions ask for (:func:`cells_for`), then
asks which groups may be returned (:func:`settle`). A field whose uses nobody decided
is refused: the analysis and the resolvers read the same annotations, so this only
happens on a fault, and a fault must not open data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connector.errors import QueryError
from connector.graphql._context import RequestContext
from connector.graphql._declare import group_dims, personal
from connector.model import ENTITIES
from connector.node import Node
from connector.sources.base import Cells, Measure
from connector.usage import Action, Decision, GroupCount, RequestDecision, Use

SUBJECTS = "guichet_subjects"
"""The measure counting a group's distinct subjects."""
_UNITS = ("hour", "day", "week", "month", "year")


def computed(info: Any, action: Action) -> tuple[RequestDecision, tuple[Use, ...]] | None:
    """The request's decision and the ``action`` uses of the field being resolved, each
    allowed (else :class:`~connector.usage.PolicyDenied`); None when usage control is off."""
    ctx: RequestContext = info.context
    decision = ctx.decision
    if decision is None:
        return None
    uses = tuple(u for u in ctx.computed_uses(info) if u.action is action)
    if not uses:
        raise QueryError(
            f"{info._raw_info.parent_type.name}.{info.field_name}: the node could not decide this "
            "use before execution"
        )
    for use in uses:
        decision.require(use)
    return decision, uses


def cells_for(
    decision: RequestDecision, uses: Sequence[Use], node: Node, entity: str, time: str | None
) -> Cells | None:
    """The cells an aggregate of ``entity`` must be built from (the strictest grain any
    of its uses asks for); None when every use may see the rows."""
    grains = [g for u in uses if (g := decision.grain(u)) is not None]
    if not grains:
        return None
    subject = ENTITIES[entity].subject
    mapped = subject is not None and subject in node.mapped_fields(entity)
    return Cells(
        fields=group_dims(node, entity, personal=personal(node, entity)),
        time_field=time,
        unit=max((g.unit for g in grains), key=_UNITS.index),
        min_rows=max(g.min_rows for g in grains),
        subject=subject if mapped else None,
        min_subjects=max(g.min_subjects for g in grains) if mapped else 1,
    )


def subjects_measure(cells: Cells | None) -> tuple[Measure, ...]:
    """The measure counting each group's subjects, when the cells name a subject."""
    if cells is None or cells.subject is None:
        return ()
    return (Measure(SUBJECTS, "count_distinct", cells.subject),)


def group_count(row: dict[str, object], count: str, cells: Cells | None) -> GroupCount:
    rows = row.get(count)
    subjects = row.get(SUBJECTS, 1) if cells is not None and cells.subject else 1
    return GroupCount(
        rows=int(rows) if isinstance(rows, int | float) else 0,
        subjects=int(subjects) if isinstance(subjects, int | float) else 1,
    )


def settle(
    decision: RequestDecision, uses: Sequence[Use], counts: Sequence[GroupCount]
) -> list[Decision | None]:
    """Per group: None if it may be returned, else the decision withholding it. Raises
    :class:`~connector.usage.PolicyDenied` when no group at all may be returned."""
    out: list[Decision | None] = [None] * len(counts)
    for use in uses:
        for i, d in enumerate(decision.groups(use, counts)):
            if out[i] is None and not d.permitted:
                out[i] = d
    return out

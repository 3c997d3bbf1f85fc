"""The aggregated temporal representation (ETSI GS CIM 009 §4.5.19) as one source
aggregate: the readings grouped by sensor (and its quantity and unit) and by the
``aggrPeriodDuration`` bucket of the source's local calendar, each ``aggrMethods``
method a measure computed by the source (SQL ``GROUP BY``), never row by row here.

Where the caller may not read the rows, the decision gives the cells the answer must be
built from (:class:`~connector.usage.Grain`); the groups too small for the policy are
then withheld (:func:`settled`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from connector.model import ENTITIES
from connector.ngsi._observed import ATTRIBUTE, entity_id, instant
from connector.ngsi._observed import TYPE as OBSERVED
from connector.ngsi._temporal import METHODS, Temporal
from connector.node import Node
from connector.sources.base import Aggregate, Bucket, Cells, Measure, Row, TimeBucket
from connector.usage import GroupCount, RequestDecision, Use

SUBJECTS = "guichet_subjects"
ROWS = "guichet_rows"
_UNITS: tuple[Bucket, ...] = ("hour", "day", "week", "month", "year")


def _group_dims(node: Node) -> tuple[str, ...]:
    """What a group of readings is made of: every mapped field that is neither the key,
    a number nor a time (as for the GraphQL statistics), the subject excluded over
    personal data."""
    e = ENTITIES["Observation"]
    config = node.config
    personal = any(
        ds.personal_data
        for f in node.mapped_fields("Observation")
        if (ds := config.dataset_of("Observation", f)) is not None
    )
    return tuple(
        f
        for f in node.mapped_fields("Observation")
        if f != e.key
        and e.field(f).type not in ("Float", "DateTime")
        and not (personal and f == e.subject)
    )


def aggregation(
    node: Node,
    query: Temporal,
    fields: tuple[str, ...],
    uses: list[Use],
    decision: RequestDecision | None,
) -> tuple[Aggregate, Cells | None]:
    """The one aggregate answering ``query`` (with the cells the decision asks for)."""
    measures = [
        Measure(m, METHODS[m], None if m == "totalCount" else "value") for m in query.methods
    ]
    measures.append(Measure(ROWS, "count"))
    group_by = tuple(f for f in ("sensorId", "observedProperty", "unit") if f in fields)
    cells = None
    if decision is not None:
        grains = [g for u in uses if (g := decision.grain(u)) is not None]
        if grains:
            subject = ENTITIES["Observation"].subject
            mapped = subject is not None and subject in node.mapped_fields("Observation")
            cells = Cells(
                fields=_group_dims(node),
                time_field="resultTime",
                unit=max((g.unit for g in grains), key=_UNITS.index),
                min_rows=max(g.min_rows for g in grains),
                subject=subject if mapped else None,
                min_subjects=max(g.min_subjects for g in grains) if mapped else 1,
            )
            if cells.subject is not None:
                measures.append(Measure(SUBJECTS, "count_distinct", cells.subject))
    bucket = TimeBucket("resultTime", query.bucket) if query.bucket else None
    found = Aggregate(
        "Observation",
        tuple(measures),
        where=query.conditions(),
        group_by=group_by,
        bucket=bucket,
        cells=cells,
    )
    return found, cells


def _count(value: object, default: int) -> int:
    return int(value) if isinstance(value, int | float) else default


def settled(
    rows: list[Row], cells: Cells | None, uses: list[Use], decision: RequestDecision | None
) -> list[Row]:
    """The groups the decision lets through (a group too small for the policy is
    withheld; none at all: :class:`~connector.usage.PolicyDenied`)."""
    if decision is None:
        return rows
    counts = [
        GroupCount(
            rows=_count(r.get(ROWS), 0),
            subjects=_count(r.get(SUBJECTS), 1) if cells is not None and cells.subject else 1,
        )
        for r in rows
    ]
    kept = [True] * len(rows)
    for use in uses:
        for i, d in enumerate(decision.groups(use, counts)):
            if not d.permitted:
                kept[i] = False
    out = [r for r, k in zip(rows, kept, strict=True) if k]
    decision.count_rows("Observation", len(out))
    return out


def period_end(start: datetime, unit: Bucket, zone: str) -> datetime:
    """The end of the ``unit`` of the local calendar of ``zone`` starting at ``start``."""
    if unit == "hour":
        return start + timedelta(hours=1)
    local = start.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    if unit in ("day", "week"):
        local += timedelta(days=1 if unit == "day" else 7)
    elif unit == "month":
        local = local.replace(year=local.year + local.month // 12, month=local.month % 12 + 1)
    else:
        local = local.replace(year=local.year + 1)
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def aggregated_body(rows: list[Row], query: Temporal, zone: str) -> list[dict[str, object]]:
    """``[{"id", "type", "co2": {"type": "Property", "avg": [[value, start, end], ...]}}]``."""
    entities: dict[str, dict[str, object]] = {}
    for row in rows:
        sensor = str(row["sensorId"])
        attribute = ATTRIBUTE.get(str(row.get("observedProperty")), "value")
        if query.bucket is not None:
            start = row["resultTime"]
            if not isinstance(start, datetime):
                continue
            end = period_end(start, query.bucket, zone)
        else:
            if query.start is None or query.end is None:
                continue
            start, end = query.start, query.end
        entity = entities.setdefault(sensor, {"id": entity_id(sensor), "type": OBSERVED})
        prop = entity.setdefault(attribute, {"type": "Property"})
        assert isinstance(prop, dict)
        for method in query.methods:
            prop.setdefault(method, []).append([row.get(method), instant(start), instant(end)])
    return [entities[k] for k in sorted(entities)]

"""The query parameters of ``GET /ngsi-ld/v1/temporal/entities`` (ETSI GS CIM 009 §6.18.3.2),
read into our terms.

Supported: ``type`` (``IndoorEnvironmentObserved``), ``id`` (comma-separated), ``attrs``,
``timerel`` (``before``, ``after``, ``between``) with ``timeAt`` and, for ``between``,
``endTimeAt`` (``timeproperty`` only ``observedAt``), ``lastN``, and the representation:
normalized (default), ``options=temporalValues`` (or ``format=temporalValues``) or
``options=aggregatedValues`` (or ``format=aggregatedValues``) with ``aggrMethods`` and
``aggrPeriodDuration``; ``options=count`` (or ``count=true``). Our reading of the time
relations: ``before`` is ``observedAt < timeAt``, ``after`` is ``observedAt >= timeAt``,
``between`` is ``timeAt <= observedAt < endTimeAt``; each leaves a span of time, which
the usage decision judges like any other window. Anything else is refused as bad request data
naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from connector.errors import QueryError
from connector.ngsi._observed import TYPE, quantities_of, sensor_of
from connector.sources.base import Bucket, Condition, MeasureFn
from connector.usage import Window

KNOWN = {
    "type",
    "id",
    "attrs",
    "timerel",
    "timeAt",
    "endTimeAt",
    "timeproperty",
    "lastN",
    "options",
    "format",
    "count",
    "aggrMethods",
    "aggrPeriodDuration",
}
METHODS: Mapping[str, MeasureFn] = {
    "totalCount": "count",
    "sum": "sum",
    "avg": "mean",
    "min": "min",
    "max": "max",
}
"""ETSI GS CIM 009 §4.5.19 aggregation methods this node computes, and our measures."""
PERIODS: Mapping[str, Bucket | None] = {
    "PT1H": "hour",
    "P1D": "day",
    "P7D": "week",
    "P1W": "week",
    "P1M": "month",
    "P1Y": "year",
    "P0D": None,
}
"""The ``aggrPeriodDuration`` values this node groups by (calendar buckets of the source's
local time); ``P0D`` (the spec's default) is the whole ``timerel`` span."""
REPRESENTATIONS = ("normalized", "temporalValues", "aggregatedValues")


@dataclass(frozen=True)
class Temporal:
    sensors: tuple[str, ...]
    quantities: tuple[str, ...] | None
    attrs: frozenset[str] | None
    start: datetime | None
    end: datetime | None
    representation: str
    methods: tuple[str, ...]
    period: str
    bucket: Bucket | None
    last_n: int | None
    count: bool = False
    """``options=count`` or ``count=true``: the number of entities in the answer (every
    matching entity is in it: temporal answers are not paged by entity)."""

    @property
    def aggregated(self) -> bool:
        return self.representation == "aggregatedValues"

    def conditions(self) -> tuple[Condition, ...]:
        out: list[Condition] = []
        if self.sensors:
            out.append(Condition("sensorId", "in", self.sensors))
        if self.quantities is not None:
            out.append(Condition("observedProperty", "in", self.quantities))
        if self.start is not None:
            out.append(Condition("resultTime", "gte", self.start))
        if self.end is not None:
            out.append(Condition("resultTime", "lt", self.end))
        return tuple(out)

    def window(self, zone: str) -> Window | None:
        if self.start is None and self.end is None:
            return None
        return Window(start=self.start, end=self.end, zone=zone)


def _moment(query: Mapping[str, str], name: str) -> datetime:
    raw = query.get(name)
    if raw is None:
        raise QueryError(f"{name} is required with timerel={query.get('timerel')}")
    try:
        found = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise QueryError(f"{name}={raw!r} is not an ISO 8601 date-time") from None
    if found.utcoffset() is None:
        raise QueryError(f"{name}={raw!r} has no time zone: write it in UTC (…Z) or with an offset")
    return found


def _window(query: Mapping[str, str]) -> tuple[datetime | None, datetime | None]:
    rel = query.get("timerel")
    if rel is None:
        for name in ("timeAt", "endTimeAt"):
            if name in query:
                raise QueryError(f"{name} needs timerel (before, after or between)")
        return None, None
    if rel not in ("before", "after", "between"):
        raise QueryError(f"timerel={rel!r}: before, after or between")
    at = _moment(query, "timeAt")
    if rel == "before":
        return None, at
    if rel == "after":
        return at, None
    end = _moment(query, "endTimeAt")
    if end <= at:
        raise QueryError(
            f"endTimeAt={query['endTimeAt']!r} is not after timeAt={query['timeAt']!r}"
        )
    return at, end


def _representation(query: Mapping[str, str]) -> str:
    options = {o for o in query.get("options", "").split(",") if o} - {"count"}
    unknown = options - {"temporalValues", "aggregatedValues", "normalized"}
    if unknown:
        raise QueryError(
            f"options {', '.join(sorted(unknown))} not supported here: "
            "temporalValues, aggregatedValues or normalized, and count"
        )
    fmt = query.get("format")
    if fmt is not None and fmt not in REPRESENTATIONS:
        raise QueryError(f"format={fmt!r}: {', '.join(REPRESENTATIONS)}")
    asked = options | ({fmt} if fmt else set())
    if len(asked) > 1:
        raise QueryError(f"options/format ask for {' and '.join(sorted(asked))}: give one")
    return next(iter(asked)) if asked else "normalized"


def parse(query: Mapping[str, str], *, max_instances: int) -> Temporal:
    unknown = sorted(set(query) - KNOWN)
    if unknown:
        raise QueryError(
            f"query parameter(s) {', '.join(unknown)} not supported here; "
            f"supported: {', '.join(sorted(KNOWN))}"
        )
    ids = tuple(i for i in query.get("id", "").split(",") if i)
    kind = query.get("type")
    if kind is None and not ids:
        raise QueryError(f"give the entity type (type={TYPE}) or the entity ids (id=...)")
    if kind is not None and kind != TYPE:
        raise QueryError(f"type={kind!r}: this node's temporal entities are of type {TYPE}")
    if query.get("timeproperty", "observedAt") != "observedAt":
        raise QueryError(f"timeproperty={query['timeproperty']!r}: only observedAt")
    attrs_raw = query.get("attrs")
    attrs = None if attrs_raw is None else frozenset(a for a in attrs_raw.split(",") if a)
    start, end = _window(query)
    representation = _representation(query)
    if query.get("count") not in (None, "true", "false"):
        raise QueryError(f"count={query['count']!r}: true or false")
    count = "count" in query.get("options", "").split(",") or query.get("count") == "true"
    methods: tuple[str, ...] = ()
    period, bucket = "P0D", None
    last_n = None
    if "lastN" in query:
        try:
            last_n = int(query["lastN"])
        except ValueError:
            raise QueryError(f"lastN={query['lastN']!r} is not an integer") from None
        if not 1 <= last_n <= max_instances:
            raise QueryError(f"lastN={last_n} is out of range: 1 to {max_instances} on this node")
    if representation == "aggregatedValues":
        if last_n is not None:
            raise QueryError("lastN does not apply to aggregatedValues")
        raw = query.get("aggrMethods")
        if not raw:
            raise QueryError(f"aggrMethods is required with aggregatedValues: {', '.join(METHODS)}")
        methods = tuple(dict.fromkeys(m for m in raw.split(",") if m))
        bad = [m for m in methods if m not in METHODS]
        if bad:
            raise QueryError(
                f"aggrMethods {', '.join(map(repr, bad))} not supported: {', '.join(METHODS)}"
            )
        period = query.get("aggrPeriodDuration", "P0D")
        if period not in PERIODS:
            raise QueryError(
                f"aggrPeriodDuration={period!r} not supported: {', '.join(PERIODS)} "
                "(calendar hours, days, weeks, months, years of the source's local time)"
            )
        bucket = PERIODS[period]
        if bucket is None and (start is None or end is None):
            raise QueryError(
                "aggrPeriodDuration=P0D (the whole period) needs timerel=between "
                "with timeAt and endTimeAt"
            )
    else:
        for name in ("aggrMethods", "aggrPeriodDuration"):
            if name in query:
                raise QueryError(f"{name} applies only to options=aggregatedValues")
    return Temporal(
        sensors=tuple(dict.fromkeys(sensor_of(i) for i in ids)),
        quantities=quantities_of(attrs),
        attrs=attrs,
        start=start,
        end=end,
        representation=representation,
        methods=methods,
        period=period,
        bucket=bucket,
        last_n=last_n,
        count=count,
    )

"""``IndoorEnvironmentObserved`` on the NGSI-LD face: the entities (each sensor with its
latest reading) and their temporal evolution (``/ngsi-ld/v1/temporal/entities``).

Each request is one usage decision, recorded in the audit log (:func:`._http.guarded`):

* the entities and the raw temporal representations read the readings: a ``read`` of
  the readings' datasets (and of the sensors' for the entities);
* the aggregated representation is an ``aggregate`` of the readings' datasets, judged at
  the level the query covers (its ``aggrPeriodDuration`` bucket, cut by its ``timerel``
  span) like a GraphQL statistic; where the decision asks for cells (an aggregate-only
  permit with a minimum group size), the source builds the answer from them, and
  groups too small are withheld.

A caller refused the raw readings is told when the aggregated representation is what
its policy offers. Every answer is one SQL statement for the readings, however many
rows: the latest reading of each sensor of a page is a partitioned select, a temporal
query a select (partitioned by sensor for ``lastN``), an aggregation a GROUP BY over
the sensor and the time bucket (:mod:`connector.sources`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from connector.errors import QueryError
from connector.identity.asgi import caller
from connector.ngsi._aggregated import aggregated_body, aggregation, settled
from connector.ngsi._http import POLICY_DENIED, guarded, ngsi_problem, respond
from connector.ngsi._observed import (
    READING_FIELDS,
    SENSOR_FIELDS,
    Observed,
    quantities_of,
    select_attrs,
    sensor_of,
)
from connector.ngsi._query import Params, count, page
from connector.ngsi._temporal import Temporal, parse
from connector.ngsi._temporal_body import temporal_body
from connector.node import Node
from connector.sources.base import Condition, Row, Select, SortKey
from connector.usage import Action, PolicyDenied, RequestDecision, UsageControl, Use

COUNT_HEADER = "NGSILD-Results-Count"
ENTITIES = "GET /ngsi-ld/v1/entities"
TEMPORAL = "GET /ngsi-ld/v1/temporal/entities"


class ObservedViews:
    def __init__(self, node: Node, control: UsageControl | None) -> None:
        self.node = node
        self.config = node.config
        self.control = control
        self.model = Observed(node.config)

    # -- what is served, and which datasets it uses ------------------------------------
    @property
    def served(self) -> bool:
        return "Sensor" in self.config.entities and "Observation" in self.config.entities

    def fields(self, entity: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
        mapped = set(self.node.mapped_fields(entity))
        return tuple(f for f in wanted if f in mapped)

    def datasets(self, entity: str, fields: tuple[str, ...]) -> list[str]:
        return sorted(
            {ds.id for f in fields if (ds := self.config.dataset_of(entity, f)) is not None}
        )

    def zone(self) -> str:
        spec = self.config.entities["Observation"].fields.get("resultTime")
        return (spec.timezone if spec is not None else None) or "UTC"

    async def _denied(self, request: Request, exc: PolicyDenied) -> Response:
        """A refused read of the readings says when aggregates are what the policy offers."""
        extra = dict(exc.extensions)
        detail = str(exc)
        d = exc.decision
        if self.control is not None and d.action is Action.READ:
            offer = await self.control.dry_run(
                caller(request), d.dataset.id, "aggregate", level="P1Y", group_size=10**6
            )
            if offer.permitted:
                detail += (
                    f". The raw readings are not offered to this caller; the aggregated "
                    f"temporal representation is (GET /ngsi-ld/v1/temporal/entities with "
                    f"options=aggregatedValues, aggrMethods and aggrPeriodDuration), under "
                    f"rule {offer.rule} of policy {offer.policy}"
                )
                extra["aggregatedOnly"] = True
        return ngsi_problem(403, POLICY_DENIED, detail, **extra)

    # -- GET /ngsi-ld/v1/entities?type=IndoorEnvironmentObserved -----------------------
    async def entities(self, request: Request, params: Params) -> Response:
        try:
            if params.q is not None:
                raise QueryError("q is not supported for IndoorEnvironmentObserved here")
            if not self.served:
                return respond(request, [], {COUNT_HEADER: "0"} if params.count else None)
            where: list[Condition] = []
            if params.ids:
                keys = tuple(dict.fromkeys(sensor_of(i) for i in params.ids))
                where.append(Condition("id", "in", keys))
            quantities = quantities_of(params.attrs)
            sensor_fields = self.fields("Sensor", SENSOR_FIELDS)
            if quantities is not None and "observedProperty" in sensor_fields:
                where.append(Condition("observedProperty", "in", quantities))
            reading_fields = self.fields("Observation", READING_FIELDS)
        except QueryError as exc:
            return ngsi_problem(400, "BadRequestData", str(exc))
        uses = [
            Use(dataset=d, action=Action.READ)
            for d in sorted(
                {
                    *self.datasets("Sensor", sensor_fields),
                    *self.datasets("Observation", reading_fields),
                }
            )
        ]

        async def act(decision: RequestDecision | None) -> Response:
            if decision is not None:
                decision.require_read("Sensor", [c.field for c in where])
                decision.require_read("Observation", reading_fields)
                if "id" in decision.pseudonymised("Sensor"):
                    return ngsi_problem(
                        403,
                        POLICY_DENIED,
                        "Sensor identifiers are pseudonymised for this caller: "
                        "NGSI-LD entity ids are not served",
                    )
            sensors = await page(self.node, "Sensor", "id", tuple(where), sensor_fields, params)
            latest = await self._latest([s["id"] for s in sensors], reading_fields)
            total = await count(self.node, "Sensor", tuple(where)) if params.count else 0
            hidden_s = decision.hidden("Sensor") if decision else frozenset()
            hidden_o = decision.hidden("Observation") if decision else frozenset()
            body = []
            for sensor in sensors:
                shown = {k: v for k, v in sensor.items() if k not in hidden_s}
                reading = latest.get(str(sensor["id"]))
                if reading is not None:
                    reading = {k: v for k, v in reading.items() if k not in hidden_o}
                make = self.model.key_values if params.key_values else self.model.normalized
                body.append(select_attrs(make(shown, reading), params.attrs))
                if decision is not None:
                    decision.read_key("Sensor", sensor["id"], shown.get("spaceId"))
                    if reading is not None:
                        decision.read_key("Observation", reading.get("id"), reading.get("spaceId"))
            if decision is not None:
                decision.count_rows("Sensor", len(sensors))
                decision.count_rows("Observation", len(latest))
            return respond(request, body, {COUNT_HEADER: str(total)} if params.count else None)

        return await guarded(
            request,
            self.control,
            uses,
            ENTITIES,
            act,
            on_denied=lambda exc: self._denied(request, exc),
        )

    async def _latest(self, sensors: list[object], fields: tuple[str, ...]) -> dict[str, Row]:
        """The latest reading of each sensor: one partitioned select."""
        if not sensors:
            return {}
        rows = await self.node.select(
            Select(
                "Observation",
                fields,
                where=(Condition("sensorId", "in", tuple(sensors)),),
                order=(SortKey("resultTime", descending=True),),
                limit=1,
                partition="sensorId",
            )
        )
        return {str(r["sensorId"]): r for r in rows}

    # -- GET /ngsi-ld/v1/temporal/entities ---------------------------------------------
    async def temporal(self, request: Request) -> Response:
        try:
            query = parse(request.query_params, max_instances=self.config.limits.max_page_size)
            fields = self.fields("Observation", READING_FIELDS)
            for needed in ("sensorId", "resultTime", "value"):
                if self.served and needed not in fields:
                    raise QueryError(f"this node holds no Observation.{needed}")
        except QueryError as exc:
            return ngsi_problem(400, "BadRequestData", str(exc))
        if not self.served:
            return respond(request, [])
        datasets = self.datasets("Observation", fields)
        if query.aggregated:
            uses = [
                Use(
                    dataset=d,
                    action=Action.AGGREGATE,
                    bucket=query.bucket,
                    window=query.window(self.zone()),
                )
                for d in datasets
            ]
        else:
            uses = [Use(dataset=d, action=Action.READ) for d in datasets]

        async def act(decision: RequestDecision | None) -> Response:
            if decision is not None and (
                "sensorId" in decision.pseudonymised("Observation")
                or any("anonymize" in decision.decision(u).duties for u in uses)
            ):
                return ngsi_problem(
                    403,
                    POLICY_DENIED,
                    "Sensor identifiers are pseudonymised for this caller: "
                    "NGSI-LD entity ids are not served",
                )
            if query.aggregated:
                return await self._aggregated(request, query, fields, uses, decision)
            return await self._raw(request, query, fields, decision)

        return await guarded(
            request,
            self.control,
            uses,
            TEMPORAL,
            act,
            on_denied=lambda exc: self._denied(request, exc),
        )

    async def _raw(
        self,
        request: Request,
        query: Temporal,
        fields: tuple[str, ...],
        decision: RequestDecision | None,
    ) -> Response:
        if decision is not None:
            decision.require_read("Observation", fields)
        last = query.last_n is not None
        rows = await self.node.select(
            Select(
                "Observation",
                fields,
                where=query.conditions(),
                order=(SortKey("resultTime", descending=last),),
                limit=query.last_n or self.config.limits.max_page_size,
                partition="sensorId",
            )
        )
        hidden = decision.hidden("Observation") if decision else frozenset()
        shown = [{k: v for k, v in r.items() if k not in hidden} for r in rows]
        if decision is not None:
            for r in shown:
                decision.read_key("Observation", r.get("id"), r.get("spaceId"))
            decision.count_rows("Observation", len(shown))
        body = temporal_body(shown, simplified=query.representation == "temporalValues")
        return respond(request, body, {COUNT_HEADER: str(len(body))} if query.count else None)

    async def _aggregated(
        self,
        request: Request,
        query: Temporal,
        fields: tuple[str, ...],
        uses: list[Use],
        decision: RequestDecision | None,
    ) -> Response:
        agg, cells = aggregation(self.node, query, fields, uses, decision)
        rows = await self.node.aggregate(agg)
        rows = settled(rows, cells, uses, decision)
        body = aggregated_body(rows, query, self.zone())
        return respond(request, body, {COUNT_HEADER: str(len(body))} if query.count else None)

"""The NGSI-LD face: ``GET /ngsi-ld/v1/entities`` (ETSI GS CIM 009), read-only.

``Building`` is served here; ``IndoorEnvironmentObserved`` (and the temporal API) by
:mod:`._observed_views`, ``CarbonFootprint`` by :mod:`._carbon`: a request goes to the
module of its ``type`` (or of its first id's type).

A query is one request under usage control like a GraphQL query or an ``/id/`` view: it
states the datasets it reads (the fields of the attributes asked for, those the model
always builds, and those ``q`` filters on), takes the node's one decision for them,
serves only the fields the caller may read, refuses a filter on a field the caller may
not read, refuses a caller whose identifiers are pseudonyms (the entity ids would undo
the duty), and is recorded in the audit log.

Filtering and paging are done by the source: ``q`` and ``id`` become the Select's
conditions, ``limit`` its limit; ``offset`` is keyset paging, after the last key of the
``offset`` entities skipped (read with one query of their keys alone).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from connector.errors import QueryError
from connector.model import ENTITIES
from connector.ngsi._carbon import TYPE as CARBON
from connector.ngsi._carbon import CarbonFootprints
from connector.ngsi._http import POLICY_DENIED, guarded, ngsi_problem, respond
from connector.ngsi._models import TYPES, NgsiType
from connector.ngsi._observed import TYPE as OBSERVED
from connector.ngsi._observed_views import ObservedViews
from connector.ngsi._query import Params, conditions, count, fields_read, page, parse
from connector.node import Node
from connector.sources.base import Condition
from connector.usage import Action, RequestDecision, UsageControl, Use

COUNT_HEADER = "NGSILD-Results-Count"


class NgsiViews:
    """The NGSI-LD routes of a node."""

    def __init__(self, node: Node, control: UsageControl | None = None) -> None:
        self.node = node
        self.config = node.config
        self.control = control
        self.observed = ObservedViews(node, control)
        self.carbon = CarbonFootprints(node.config)

    def uses(self, ngsi: NgsiType, fields: tuple[str, ...]) -> list[Use]:
        datasets = {
            ds.id for f in fields if (ds := self.config.dataset_of(ngsi.entity, f)) is not None
        }
        return [Use(dataset=d, action=Action.READ) for d in sorted(datasets)]

    async def entities(self, request: Request) -> Response:
        limits = self.config.limits
        try:
            params = parse(
                request.query_params,
                default_limit=limits.default_page_size,
                max_limit=limits.max_page_size,
            )
            kind = params.type or params.ids[0].removeprefix("urn:ngsi-ld:").split(":")[0]
            if kind == OBSERVED:
                return await self.observed.entities(request, params)
            if kind == CARBON:
                return await self.carbon.entities(request, params)
            ngsi = TYPES.get(params.type or "Building")
            if ngsi is None or ngsi.entity not in self.config.entities:
                # no entity of a type this node does not serve (§6.4.3.2: an empty list)
                return respond(request, [], self._count_header(params, 0))
            where = conditions(params, ngsi)
            mapped = set(self.node.mapped_fields(ngsi.entity))
            for c in where:
                if c.field not in mapped:
                    raise QueryError(f"q: this node holds no {ngsi.entity}.{c.field}")
            fields = tuple(f for f in fields_read(params, ngsi, where) if f in mapped)
        except QueryError as exc:
            return ngsi_problem(400, "BadRequestData", str(exc))
        return await guarded(
            request,
            self.control,
            self.uses(ngsi, fields),
            "GET /ngsi-ld/v1/entities",
            lambda decision: self._entities(request, params, ngsi, where, fields, decision),
        )

    @staticmethod
    def _count_header(params: Params, n: int) -> dict[str, str]:
        return {COUNT_HEADER: str(n)} if params.count else {}

    async def _entities(
        self,
        request: Request,
        params: Params,
        ngsi: NgsiType,
        where: tuple[Condition, ...],
        fields: tuple[str, ...],
        decision: RequestDecision | None,
    ) -> Response:
        """The page of ``ngsi`` under ``decision``; refusals and failures are made
        ProblemDetails by :func:`._http.guarded`."""
        if decision is not None:
            decision.require_read(ngsi.entity, [c.field for c in where])
            if ngsi.key in decision.pseudonymised(ngsi.entity):
                return ngsi_problem(
                    403,
                    POLICY_DENIED,
                    f"{ngsi.entity} identifiers are pseudonymised for this caller: "
                    "NGSI-LD entity ids are not served",
                )
        rows = await page(self.node, ngsi.entity, ngsi.key, where, fields, params)
        total = await count(self.node, ngsi.entity, where) if params.count else 0
        hidden = decision.hidden(ngsi.entity) if decision is not None else frozenset()
        body = []
        for row in rows:
            shown = {k: v for k, v in row.items() if k not in hidden}
            if decision is not None:
                subject_field = ENTITIES[ngsi.entity].subject
                subject = shown.get(subject_field) if subject_field else None
                decision.read_key(ngsi.entity, row.get(ngsi.key), subject)
            make = ngsi.key_values if params.key_values else ngsi.normalized
            body.append(make(shown, params.attrs))
        if decision is not None:
            decision.count_rows(ngsi.entity, len(rows))
        return respond(request, body, self._count_header(params, total))

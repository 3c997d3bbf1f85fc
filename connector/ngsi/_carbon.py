"""The Smart Data Model ``CarbonFootprint``: a construction project's embodied carbon, as
the node that holds its bill computes it (``ConstructionProject.carbon``, results only).

The figure is the node's GraphQL computation itself, asked in-process through the same
gate with the caller's own ``Authorization``: the same usage decision (``derive`` on the
bill), the same product declarations fetched from their holder, the same audit entry
(its operation named ``NgsiCarbonFootprint``). Nothing of the computation is repeated
here. One entity per project:

==================  ==============================================================
SDM attribute       ours
==================  ==============================================================
``id``              ``urn:ngsi-ld:CarbonFootprint:<project id>``
``name``            the project's ``rdfs:label``
``emissionSource``  ``construction`` (RE2020 embodied carbon: products and equipment)
``CO2eq``           ``gui:embodiedEmissions`` (kg CO2e) / 1000: the model says tonnes
``relatedSource``   the project's IRI (``/id/construction-project/<id>``)
``tags``            ``RE2020``, ``Ic_construction``, ``verdict:<within|above|...>``
``dataProvider``    ``prov:wasAttributedTo``: the participant whose node computed it
``icConstruction``  ``gui:icConstruction`` (kg CO2e/m² of SRef, 50 years): not in the
                    model, kept under our name
==================  ==============================================================
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from connector.config import NodeConfig
from connector.errors import QueryError
from connector.linked._documents import entity_base, entity_iri
from connector.ngsi._http import POLICY_DENIED, ngsi_problem, respond
from connector.ngsi._query import Params

TYPE = "CarbonFootprint"
PREFIX = f"urn:ngsi-ld:{TYPE}:"
QUERY = """query NgsiCarbonFootprint($first: Int, $filter: ConstructionProjectFilter) {
  constructionProjects(first: $first, filter: $filter) {
    totalCount
    nodes { id name carbon { embodiedKgCo2e icConstruction verdict computedBy } }
  }
}"""
COUNT_HEADER = "NGSILD-Results-Count"
ATTRS = ("name", "emissionSource", "CO2eq", "relatedSource", "tags", "dataProvider")
ATTRS_ALL = (*ATTRS, "icConstruction")


def project_of(entity_id: str) -> str:
    if not entity_id.startswith(PREFIX) or len(entity_id) == len(PREFIX):
        raise QueryError(f"id {entity_id!r} is not a {TYPE} id ({PREFIX}<project id>)")
    return entity_id.removeprefix(PREFIX)


class CarbonFootprints:
    """``GET /ngsi-ld/v1/entities?type=CarbonFootprint`` through the node's GraphQL app."""

    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        self.graphql: ASGIApp | None = None

    @property
    def served(self) -> bool:
        c = self.config
        return (
            self.graphql is not None
            and c.carbon is not None
            and c.carbon.declarations is not None
            and "ConstructionProject" in c.entities
            and "MaterialLine" in c.entities
        )

    def key_values(self, project: dict[str, Any]) -> dict[str, object]:
        carbon = project["carbon"]
        out: dict[str, object] = {"id": PREFIX + str(project["id"]), "type": TYPE}
        if project.get("name") is not None:
            out["name"] = project["name"]
        out["emissionSource"] = "construction"
        out["CO2eq"] = float(carbon["embodiedKgCo2e"]) / 1000
        base = entity_base(self.config, "ConstructionProject")
        out["relatedSource"] = entity_iri(base, "ConstructionProject", project["id"])
        out["tags"] = ["RE2020", "Ic_construction", f"verdict:{carbon['verdict']}"]
        out["dataProvider"] = carbon["computedBy"]
        out["icConstruction"] = carbon["icConstruction"]
        return out

    def normalized(self, project: dict[str, Any]) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, value in self.key_values(project).items():
            if name in ("id", "type"):
                out[name] = value
            elif name == "relatedSource":
                out[name] = {"type": "Relationship", "object": value}
            elif name == "CO2eq":
                # UN/CEFACT Recommendation 20: TNE = tonne
                out[name] = {"type": "Property", "value": value, "unitCode": "TNE"}
            else:
                out[name] = {"type": "Property", "value": value}
        return out

    async def entities(self, request: Request, params: Params) -> Response:
        try:
            if params.q is not None:
                raise QueryError("q is not supported for CarbonFootprint here")
            if params.offset:
                raise QueryError("offset is not supported for CarbonFootprint here")
            if params.attrs is not None:
                unknown = sorted(params.attrs - set(ATTRS_ALL))
                if unknown:
                    raise QueryError(
                        f"{TYPE} has no attribute {', '.join(map(repr, unknown))} here; "
                        f"it has {', '.join(ATTRS_ALL)}"
                    )
            ids = tuple(dict.fromkeys(project_of(i) for i in params.ids))
        except QueryError as exc:
            return ngsi_problem(400, "BadRequestData", str(exc))
        if not self.served or (params.limit == 0 and not params.count):
            return respond(request, [], {COUNT_HEADER: "0"} if params.count else None)
        variables: dict[str, Any] = {"first": max(params.limit, 1)}
        if ids:
            variables["filter"] = {"id": {"in": list(ids)}}
        body = await self._ask(request, variables)
        if isinstance(body, Response):
            return body
        found = body["data"]["constructionProjects"]
        make = self.key_values if params.key_values else self.normalized
        out = []
        for project in found["nodes"][: params.limit]:
            entity = make(project)
            if params.attrs is not None:
                entity = {k: v for k, v in entity.items() if k in ("id", "type", *params.attrs)}
            out.append(entity)
        headers = {COUNT_HEADER: str(found["totalCount"])} if params.count else None
        return respond(request, out, headers)

    async def _ask(self, request: Request, variables: dict[str, Any]) -> dict[str, Any] | Response:
        assert self.graphql is not None
        headers = {"content-type": "application/json"}
        if request.headers.get("authorization"):
            headers["authorization"] = request.headers["authorization"]
        transport = httpx.ASGITransport(app=self.graphql)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            resp = await client.post(
                "/graphql", json={"query": QUERY, "variables": variables}, headers=headers
            )
        try:
            body: dict[str, Any] = resp.json()
        except ValueError:
            return ngsi_problem(
                503, "InternalError", f"the node's computation: HTTP {resp.status_code}"
            )
        errors = body.get("errors") or []
        for e in errors:
            ext = e.get("extensions") or {}
            if ext.get("code") == "POLICY_DENIED":
                return ngsi_problem(403, POLICY_DENIED, str(e.get("message")), **ext)
        data = body.get("data") or {}
        if errors or not isinstance(data.get("constructionProjects"), dict):
            what = "; ".join(str(e.get("message")) for e in errors) or f"HTTP {resp.status_code}"
            return ngsi_problem(503, "InternalError", f"the carbon computation failed: {what}")
        return body

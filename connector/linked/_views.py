"""The linked-data face: ``/id/{type}/{key}``, ``/catalog`` and ``/context.jsonld``.

An entity view is one request under usage control like any GraphQL query: it states
the datasets it reads (the entity's fields and the keys of the entities it links to),
takes the node's one decision for them, serves only the fields the caller may read,
refuses a caller whose identifiers are pseudonyms (their IRIs would undo the duty), and
is recorded in the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyld import jsonld
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import ontology
from connector.audit import operation_hash
from connector.errors import QueryError, SourceError
from connector.identity.asgi import caller
from connector.linked._catalog import catalog_document
from connector.linked._documents import (
    JSONLD,
    TURTLE,
    expanded_entity,
    negotiate,
    to_jsonld,
    to_turtle,
)
from connector.model import ENTITIES, EntityType
from connector.node import Node
from connector.rnb import InvalidRnbId, canonical_rnb_id
from connector.sources.base import Condition, Select
from connector.usage import (
    Action,
    DatasetPolicy,
    PolicyDenied,
    RequestDecision,
    UsageControl,
    Use,
)


def problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class LinkedViews:
    """The linked-data routes of a node."""

    def __init__(
        self,
        node: Node,
        policies: Mapping[str, DatasetPolicy],
        control: UsageControl | None = None,
    ) -> None:
        self.node = node
        self.config = node.config
        self.policies = policies
        self.control = control
        self.by_path = {ENTITIES[n].path: ENTITIES[n] for n in self.config.entities}

    # -- what an entity view uses -------------------------------------------------------
    def uses(self, entity: EntityType) -> list[Use]:
        """Reading an entity: its fields, and the key and link of each related entity."""
        read = [(entity.name, f) for f in self.config.entities[entity.name].fields]
        for rel in self.node.relations(entity.name):
            read += [(rel.target, ENTITIES[rel.target].key), (rel.target, rel.via)]
        datasets = {ds.id for e, f in read if (ds := self.config.dataset_of(e, f)) is not None}
        return [Use(dataset=d, action=Action.READ) for d in sorted(datasets)]

    async def entity(self, request: Request) -> Response:
        entity = self.by_path.get(request.path_params["type"])
        if entity is None:
            return problem(
                404,
                f"this node serves no entity type at /id/{request.path_params['type']}/; it "
                f"serves {', '.join(sorted(self.by_path)) or 'none'}",
            )
        if self.control is None:
            return await self._entity(request, entity, None)
        decision = await self.control.decide(caller(request), self.uses(entity))
        try:
            return await self._entity(request, entity, decision)
        finally:
            await self.control.record(
                decision,
                operation_hash=operation_hash(f"GET {request.url.path}", {}),
                operation_name=f"GET /id/{entity.path}",
            )

    def _key(self, entity: EntityType, raw: str) -> str:
        if entity.field(entity.key).type == "RnbId":
            try:
                return canonical_rnb_id(raw)
            except InvalidRnbId as exc:
                raise QueryError(str(exc)) from exc
        return raw

    async def _entity(
        self, request: Request, entity: EntityType, decision: RequestDecision | None
    ) -> Response:
        try:
            if decision is not None:
                decision.require_read(entity.name)
                if entity.key in decision.pseudonymised(entity.name):
                    return problem(
                        403,
                        f"{entity.name} identifiers are pseudonymised for this caller: "
                        "their IRIs are not served",
                    )
            key = self._key(entity, request.path_params["key"])
            rows = await self.node.select(
                Select(
                    entity.name,
                    self.node.mapped_fields(entity.name),
                    where=(Condition(entity.key, "eq", key),),
                    limit=1,
                )
            )
            if not rows:
                return problem(404, f"no {entity.name} with {entity.key} {key!r}")
            row = dict(rows[0])
            children = await self._children(entity, key, decision)
        except PolicyDenied as exc:
            return JSONResponse({"error": str(exc), **exc.extensions}, status_code=403)
        except QueryError as exc:
            return problem(400, str(exc))
        except SourceError as exc:
            return problem(503, str(exc))
        if decision is not None:
            for name in decision.hidden(entity.name):
                row.pop(name, None)
            decision.count_rows(entity.name, 1)
            subject = row.get(entity.subject) if entity.subject else None
            decision.read_key(entity.name, row.get(entity.key), subject)
        node = expanded_entity(self.config, entity, row, children)
        return self.rdf_response(request, [node])

    async def _children(
        self, entity: EntityType, key: str, decision: RequestDecision | None
    ) -> dict[str, list[object]]:
        children: dict[str, list[object]] = {}
        for rel in self.node.relations(entity.name):
            target = ENTITIES[rel.target]
            if decision is not None and {target.key, rel.via} & decision.hidden(target.name):
                continue
            found = await self.node.select(
                Select(
                    target.name,
                    (target.key, rel.via),
                    where=(Condition(rel.via, "eq", key),),
                    limit=self.config.limits.max_page_size,
                )
            )
            children[rel.name] = [r[target.key] for r in found]
        return children

    def rdf_response(self, request: Request, nodes: list[dict[str, Any]]) -> Response:
        media = negotiate(request.headers.get("accept"))
        if media is None:
            return problem(406, f"not acceptable: this resource is served as {JSONLD} or {TURTLE}")
        headers = {"Vary": "Accept"}
        if media == TURTLE:
            return Response(
                to_turtle(nodes), media_type="text/turtle; charset=utf-8", headers=headers
            )
        return JSONResponse(to_jsonld(nodes), media_type=JSONLD, headers=headers)

    # -- the catalog and the context ----------------------------------------------------
    async def catalog(self, request: Request) -> Response:
        doc = catalog_document(self.config, self.policies)
        media = negotiate(request.headers.get("accept"))
        if media == TURTLE:
            expanded = jsonld.expand(doc, {"documentLoader": ontology.document_loader})
            return Response(to_turtle(expanded), media_type="text/turtle; charset=utf-8")
        if media is None:
            return problem(406, f"the catalog is served as {JSONLD} or {TURTLE}")
        return JSONResponse(doc, media_type=JSONLD)

    async def context(self, request: Request) -> Response:
        return JSONResponse(
            ontology.context(), media_type=JSONLD, headers={"Access-Control-Allow-Origin": "*"}
        )

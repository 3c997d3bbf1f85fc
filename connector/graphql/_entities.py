"""``_entities`` with its representations checked first: each must be an object whose
``__typename`` names an entity type of this subgraph, with that type's key as a string
(an ``ID`` key may also be an integer). A malformed one is an error of its
own item naming the problem (``representations[2]: ...``) and one log line, not a
traceback; the others are resolved as usual. (Annotations are evaluated here: strawberry
reads the resolver's.)"""

import json
import logging
from typing import Any

import strawberry
from graphql import GraphQLUnionType
from strawberry.federation.schema import FederationAny

from connector.edge import current_request_id
from connector.errors import QueryError
from connector.model import ENTITIES

log = logging.getLogger("guichet.graphql")


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _problem(representation: Any, entities: frozenset[str]) -> str | None:
    if not isinstance(representation, dict):
        return f"expected an object with __typename and the key, got {_json(representation)}"
    if "__typename" not in representation:
        return "__typename is missing"
    name = representation["__typename"]
    if not isinstance(name, str):
        return f"__typename: expected the name of an entity type, got {_json(name)}"
    if name not in entities or name not in ENTITIES:
        return (
            f"__typename: {_json(name)} is not an entity type of this subgraph; "
            f"expected one of {', '.join(sorted(entities))}"
        )
    entity = ENTITIES[name]
    if entity.key not in representation:
        return f"{name} representation lacks its key {entity.key!r}"
    key = representation[entity.key]
    integer = isinstance(key, int) and not isinstance(key, bool)
    if isinstance(key, str) or (integer and entity.field(entity.key).type == "ID"):
        return None
    return f"{name}.{entity.key}: expected a string, got {_json(key)}"


class EntitySchema(strawberry.federation.Schema):
    """The federation schema, ``_entities`` checking its representations first."""

    def entities_resolver(
        self, info: strawberry.Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        union = self._schema.get_type("_Entity")
        names = (
            frozenset(t.name for t in union.types)
            if isinstance(union, GraphQLUnionType)
            else frozenset()
        )
        problems = [_problem(r, names) for r in representations]
        bad = [(i, p) for i, p in enumerate(problems) if p is not None]
        if not bad:
            return super().entities_resolver(info, representations)
        log.info(
            "request %s: _entities: %d malformed representation(s), first representations[%d]: %s",
            current_request_id() or "-",
            len(bad),
            *bad[0],
        )
        good = [r for r, p in zip(representations, problems, strict=True) if p is None]
        resolved = iter(super().entities_resolver(info, good))
        return [
            FederationAny(QueryError(f"representations[{i}]: {p}")) if p else next(resolved)
            for i, p in enumerate(problems)
        ]

"""The composed supergraph: which subgraphs resolve each field, the entities' keys, the
``@requires``/``@provides`` field sets, and the API schema (for validation, introspection
and shaping answers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graphql import GraphQLSchema

from connector.gateway._partitions import Partitions
from connector.gateway._sdl import Key, Subgraph


@dataclass(frozen=True)
class FieldOwners:
    """Where ``type.field`` can be resolved, and what it needs or gives there."""

    resolvers: tuple[str, ...]
    requires: Mapping[str, str]
    provides: Mapping[str, str]


@dataclass(frozen=True)
class Supergraph:
    """The subgraphs composed into one API. Built by :func:`compose`."""

    subgraphs: Mapping[str, Subgraph]
    fields: Mapping[tuple[str, str], FieldOwners]
    keys: Mapping[str, Mapping[str, tuple[Key, ...]]]
    schema: GraphQLSchema
    sdl: str
    api_schema: GraphQLSchema  # ``schema`` less its schema-only directives: what clients see
    partitions: Partitions = field(default_factory=Partitions)  # types held in parts

    def resolvers(self, type_name: str, field_name: str) -> tuple[str, ...]:
        owners = self.fields.get((type_name, field_name))
        return owners.resolvers if owners else ()

    def requires(self, type_name: str, field_name: str, subgraph: str) -> str | None:
        owners = self.fields.get((type_name, field_name))
        return owners.requires.get(subgraph) if owners else None

    def provides(self, type_name: str, field_name: str, subgraph: str) -> str | None:
        owners = self.fields.get((type_name, field_name))
        return owners.provides.get(subgraph) if owners else None

    def entity_keys(self, type_name: str, subgraph: str) -> tuple[Key, ...]:
        """The resolvable keys ``subgraph`` declares for ``type_name`` (empty: not an entity
        there)."""
        return tuple(k for k in self.keys.get(type_name, {}).get(subgraph, ()) if k.resolvable)

    def defines(self, type_name: str, field_name: str, subgraph: str) -> bool:
        """Whether ``subgraph`` declares the field at all (possibly ``@external``)."""
        t = self.subgraphs[subgraph].types.get(type_name)
        return t is not None and field_name in t.fields

    def urls(self) -> dict[str, str]:
        return {name: s.url for name, s in self.subgraphs.items()}

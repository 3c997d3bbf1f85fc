"""The node runtime: a configuration wired to its source adapters.

>>> node = Node.from_config(load_config("connector/demo/cda.toml"))  # doctest: +SKIP
>>> rows = await node.select(Select("Building", ("rnbId", "name"), limit=10))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from connector.config import EntityMapping, NodeConfig
from connector.errors import QueryError
from connector.model import ENTITIES, EntityType, Relation
from connector.sources import open_source
from connector.sources.base import Aggregate, Health, Row, Select, Source


@dataclass
class Node:
    """What a running node knows: its configuration and one adapter per source."""

    config: NodeConfig
    sources: dict[str, Source]
    http_client: httpx.AsyncClient | None = field(default=None, repr=False)
    """The client the node calls other nodes with (None: one per batch of calls)."""
    _mapped: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(
        cls, config: NodeConfig, *, http_client: httpx.AsyncClient | None = None
    ) -> Node:
        """Wire an adapter per source. Nothing is connected yet: a source that is down
        does not prevent the node from starting."""
        sources: dict[str, Source] = {}
        for name, src in config.sources.items():
            mappings: Sequence[EntityMapping] = [
                m for m in config.entities.values() if m.source == name
            ]
            sources[name] = open_source(src, mappings, http_client=http_client)
        return cls(config=config, sources=sources, http_client=http_client)

    @property
    def entity_types(self) -> tuple[EntityType, ...]:
        return tuple(ENTITIES[name] for name in self.config.entities)

    def mapped_fields(self, entity: str) -> tuple[str, ...]:
        """The fields of ``entity`` this node maps, in model order (asked for every row)."""
        found = self._mapped.get(entity)
        if found is None:
            mapping = self.config.entities[entity]
            found = tuple(f for f in ENTITIES[entity].field_names if f in mapping.fields)
            self._mapped[entity] = found
        return found

    def relations(self, entity: str) -> tuple[Relation, ...]:
        """The relations of ``entity`` this node can answer: the target is mapped here,
        with the field that points back to the parent."""
        return tuple(
            r
            for r in ENTITIES[entity].relations
            if r.target in self.config.entities and r.via in self.config.entities[r.target].fields
        )

    def _source(self, entity: str) -> Source:
        mapping = self.config.entities.get(entity)
        if mapping is None:
            raise QueryError(f"this node does not hold {entity} data")
        return self.sources[mapping.source]

    async def select(self, query: Select) -> list[Row]:
        return await self._source(query.entity).select(query)

    async def aggregate(self, query: Aggregate) -> list[Row]:
        return await self._source(query.entity).aggregate(query)

    async def health(self) -> list[Health]:
        return [await source.health() for source in self.sources.values()]

    async def aclose(self) -> None:
        for source in self.sources.values():
            await source.aclose()

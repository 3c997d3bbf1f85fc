"""Per-request state: the node, the request's DataLoaders and its usage decision."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from connector.identity import Identity
from connector.node import Node
from connector.sources.base import Condition, Row, Select, SortKey

if TYPE_CHECKING:
    from connector.usage import RequestDecision, UsageControl, Use


@dataclass
class RequestContext:
    """Lives for one GraphQL request: loaders batch and cache within it only."""

    node: Node
    request: Any = None
    response: Any = None
    loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict)
    identity: Identity = field(default_factory=Identity.public)
    control: UsageControl | None = None
    decision: RequestDecision | None = None
    computed: dict[int, tuple[Use, ...]] = field(default_factory=dict)
    """The aggregate and derive uses of each field instance, by its field node's identity."""

    def computed_uses(self, info: Any) -> tuple[Use, ...]:
        """The uses the analysis found for the field being resolved."""
        return self.computed.get(id(info._raw_info.field_nodes[0]), ())

    def loader(
        self, key: Hashable, load: Callable[[list[Any]], Awaitable[Sequence[Any]]]
    ) -> DataLoader[Any, Any]:
        found = self.loaders.get(key)
        if found is None:
            found = DataLoader(load_fn=load)
            self.loaders[key] = found
        return found

    def entity_loader(self, entity: str, key_field: str) -> DataLoader[Any, Row | None]:
        """Rows of ``entity`` by key: one statement per batch of keys."""

        async def load(keys: list[Any]) -> list[Row | None]:
            rows = await self.node.select(
                Select(
                    entity,
                    self.node.mapped_fields(entity),
                    where=(Condition(key_field, "in", tuple(dict.fromkeys(keys))),),
                )
            )
            by_key = {row[key_field]: row for row in rows}
            return [by_key.get(k) for k in keys]

        return self.loader(("entity", entity), load)

    def relation_loader(
        self,
        target: str,
        via: str,
        where: tuple[Condition, ...],
        order: tuple[SortKey, ...],
        limit: int,
    ) -> DataLoader[Any, list[Row]]:
        """Children of a batch of parents, the first ``limit`` of each: one statement."""

        async def load(parents: list[Any]) -> list[list[Row]]:
            rows = await self.node.select(
                Select(
                    target,
                    self.node.mapped_fields(target),
                    where=(Condition(via, "in", tuple(dict.fromkeys(parents))), *where),
                    order=order,
                    limit=limit,
                    partition=via,
                )
            )
            grouped: dict[Any, list[Row]] = {}
            for row in rows:
                grouped.setdefault(row[via], []).append(row)
            return [grouped.get(p, []) for p in parents]

        return self.loader(("relation", target, via, where, order, limit), load)

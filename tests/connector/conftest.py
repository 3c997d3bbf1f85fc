"""Fixtures for the node's tests: the tiny partner database and a node over it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from connector.config import NodeConfig, load_config
from connector.graphql import RequestContext, build_schema
from connector.node import Node
from tests.connector.tiny import make_tiny


@pytest.fixture
def tiny_config(tmp_path: Path) -> NodeConfig:
    return load_config(make_tiny(tmp_path))


@pytest.fixture
async def tiny_node(tiny_config: NodeConfig) -> AsyncIterator[Node]:
    node = Node.from_config(tiny_config)
    yield node
    await node.aclose()


class Runner:
    """Executes GraphQL against a node's schema, one request context per call."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.schema = build_schema(node)

    async def __call__(self, query: str, **variables: Any) -> Any:
        result = await self.schema.execute(
            query, variable_values=variables or None, context_value=RequestContext(node=self.node)
        )
        return result

    def statements(self) -> int:
        return sum(int(getattr(s, "statements", 0)) for s in self.node.sources.values())


@pytest.fixture
async def gql(tiny_node: Node) -> Runner:
    return Runner(tiny_node)

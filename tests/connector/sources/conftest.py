"""The contract suite's backends: the same partner data behind every adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from connector.sources import Source
from tests.connector.sources.partner import Backend, backend

BACKENDS = [
    "sql-sqlite",
    pytest.param("sql-postgres", marks=pytest.mark.postgres),
    "csv",
    "http",
]


@pytest.fixture(scope="module", params=BACKENDS)
def partner(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    kind: str = request.param
    postgres: Callable[[str], str] | None = None
    if kind == "sql-postgres":
        postgres = request.getfixturevalue("postgres_database")
    return backend(kind, tmp_path_factory.mktemp(kind), postgres)


@pytest.fixture
async def source(partner: Backend) -> AsyncIterator[Source]:
    opened = partner.open()
    yield opened
    await opened.aclose()

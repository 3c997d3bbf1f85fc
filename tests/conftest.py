"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.support.postgres"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"

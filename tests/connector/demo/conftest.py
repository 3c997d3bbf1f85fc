"""One generated demo data space shared by the demo tests (generation takes a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.demo import DemoPaths, generate


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return generate(tmp_path_factory.mktemp("demo") / "space")


@pytest.fixture(scope="session")
def demo_dir(demo: DemoPaths) -> Path:
    return demo.target_dir

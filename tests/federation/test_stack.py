"""The open configurations the federation benchmark and tests run the demo nodes under
(no token verification, no usage control) are configurations a node accepts."""

from __future__ import annotations

from pathlib import Path

from connector.config import load_config
from connector.demo.generate import NODES, generate
from tests.federation.stack import open_config


def test_open_demo_configs_load(tmp_path: Path) -> None:
    paths = generate(tmp_path, ports={"issuer": 9000, **{n: 9001 + i for i, n in enumerate(NODES)}})
    for name, path in paths.configs.items():
        config = load_config(open_config(path, max_page_size=2000))
        assert config.auth is None, name
        assert not config.usage.enforce, name
        assert config.limits.max_page_size == 2000, name

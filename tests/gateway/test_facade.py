"""The top-level ``gateway`` module is a facade over :mod:`connector.gateway` (import-linter
takes no single module as a root package, so this test keeps the rule): it imports
nothing else of the project, nothing of the node's command line, and answers
``python gateway.py --help`` as ``guichet gateway --help`` does."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import connector.gateway
import gateway

ROOT = Path(__file__).resolve().parents[2]


def _imported(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
    return found


def test_the_facade_imports_only_the_gateway_package() -> None:
    assert _imported(ROOT / "gateway.py") == {
        "__future__",
        "sys",
        "connector.gateway",
        "connector.gateway.cli",
    }
    assert set(gateway.__all__) <= {*connector.gateway.__all__, "main"}


def test_importing_the_facade_loads_no_node_command_line() -> None:
    code = "import sys, gateway; print('connector.cli' in sys.modules, 'issuer' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def test_both_commands_have_the_same_help() -> None:
    def help_of(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args, "--help"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        return done.stdout

    text = help_of("gateway.py")
    assert text.startswith("usage: guichet gateway [-h] [--subgraph NAME=URL]")
    assert text == help_of("-m", "connector.cli", "gateway")

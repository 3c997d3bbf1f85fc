"""The ``guichet`` command run as a user runs it: ``python -m connector.cli`` in a child
process, this checkout first on its path, its output captured — one recipe for every test
that reads what the command prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def guichet(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``guichet *args`` in ``cwd``; its exit status, standard output and error."""
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )

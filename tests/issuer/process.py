"""The issuer as a real process on 127.0.0.1 (``python -m issuer.cli serve``),
for the tests that talk to it over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.connector.test_node_process import wait_until_up


@contextmanager
def running_issuer(
    url: str, *, audience: str, db: str, key_dir: Path, extra: tuple[str, ...] = ()
) -> Iterator[None]:
    """Serve the issuer at ``url`` for ``audience`` until the block ends."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "issuer.cli",
            "serve",
            "--issuer",
            url,
            "--audience",
            audience,
            "--db",
            db,
            "--key-dir",
            str(key_dir),
            *extra,
            "--log-level",
            "warning",
        ],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_until_up(f"{url}/.well-known/oauth-authorization-server", proc)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)

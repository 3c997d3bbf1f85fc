"""A separate writer process for the concurrency tests.

``python -m tests.connector.audit.writer URL TABLE COUNT NAME GO_FILE``: sets the log up,
creates ``GO_FILE.NAME.ready``, waits for ``GO_FILE`` to exist (so that every process
starts at once), appends COUNT records whose reason is ``NAME-<i>``, prints ``done``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from connector.audit import AuditLog, AuditRecord


async def write(url: str, table: str, count: int, name: str, go: Path) -> None:
    log = AuditLog(url, node=name, table=table)
    await log.setup()
    Path(f"{go}.{name}.ready").touch()
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    for i in range(count):
        await log.append(
            AuditRecord(
                party="https://guichet.example/participants/atmo",
                decision="permit",
                operation_hash="cd" * 32,
                datasets=("mesures-salles",),
                reason=f"{name}-{i}",
            )
        )
    await log.aclose()


if __name__ == "__main__":
    url, table, count, name, go = sys.argv[1:6]
    asyncio.run(write(url, table, int(count), name, Path(go)))
    print("done")

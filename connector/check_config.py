"""``guichet check-config``: a node's configuration checked as the node will read it.

Without ``--probe``, what needs no server: the TOML, every dataset's policy and the
contradictions between them, and the sources held in local files (a SQLite file, CSV
files), whose tables and columns are checked against the mapping. A local file that is
not there is named with the key that points at it::

    error: atmo.toml: sources.plateforme.url: file not found: /srv/atmo/atmo.db

``--probe`` also reaches the database servers and APIs. Exit status: 0 when every file is
right, 1 when one is not.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from connector.config import NodeConfig, load_config
from connector.errors import ConfigError, SourceError
from connector.sources import Source


def check_configs(paths: Sequence[str | Path], *, probe: bool) -> int:
    """Check each file; print ``ok: ...`` or its ``error: file: key: ...`` lines."""
    status = 0
    for path in paths:
        try:
            config = load_config(path)
        except ConfigError as exc:
            for issue in exc.issues:
                print(f"error: {issue}", file=sys.stderr)
            status = 1
            continue
        problems = policy_problems(config) + asyncio.run(source_problems(config, probe=probe))
        for p in problems:
            print(f"error: {config.file}: {p}", file=sys.stderr)
        if problems:
            status = 1
        else:
            print(
                f"ok: {config.file}: node {config.name!r}, {len(config.sources)} source(s), "
                f"{len(config.entities)} entity type(s), {len(config.datasets)} dataset(s)"
            )
    return status


def policy_problems(config: NodeConfig) -> list[str]:
    """Each dataset's policy, parsed and checked as the node will at start-up, and the
    contradictions between the configuration and its policies (usage control only)."""
    from connector.usage import load_policies
    from connector.usage.consistency import check_consistency

    if not config.usage.enforce:
        return []
    policies = load_policies(config)
    out = [
        f"datasets.{ds}.policy: {p.error}"
        for ds, p in policies.items()
        if p.error and config.datasets[ds].policy is not None and "targets" not in p.error
    ]
    return out + [str(f) for f in check_consistency(config, policies, now=datetime.now(UTC))]


async def source_problems(config: NodeConfig, *, probe: bool) -> list[str]:
    """The mapping checked against each source held in local files, and with ``probe``
    against every source (tables, files and columns exist)."""
    from connector.node import Node

    node = Node.from_config(config)
    problems: list[str] = []
    try:
        for name, source in node.sources.items():
            problems += await _problems_of(name, source, probe=probe)
    finally:
        await node.aclose()
    return problems


async def _problems_of(name: str, source: Source, *, probe: bool) -> list[str]:
    own = f"source {name!r}: "
    local = getattr(source, "local_files", None)
    try:
        files: dict[str, Path] = local() if local is not None else {}
        missing = [f"{key}: file not found: {f}" for key, f in files.items() if not f.exists()]
        check = getattr(source, "check", None)
        if missing or check is None or not (probe or files):
            return missing
        return [f"sources.{name}: {p.removeprefix(own)}" for p in await check()]
    except SourceError as exc:
        return [f"sources.{name}: {str(exc).removeprefix(own)}"]

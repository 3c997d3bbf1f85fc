"""The ``[sources.*]`` tables (where a node's data is) and ``[node.references]`` (who owns
the entities it only refers to)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from connector.config._checker import Checker as _Checker
from connector.config._checker import did_you_mean
from connector.config.sections import resolve_sqlite as _resolve_sqlite
from connector.model import ENTITIES

__all__ = ["SOURCE_KINDS", "SourceConfig", "SourceKind", "parse_references", "parse_sources"]

SourceKind = Literal["sql", "csv", "http"]
SOURCE_KINDS: tuple[str, ...] = ("sql", "csv", "http")


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: SourceKind
    url: str | None = None
    path: Path | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


def parse_references(c: _Checker, table: Mapping[str, Any]) -> dict[str, str]:
    """``[node.references] Building = "https://cda.example"``: base IRI of the node that
    owns the entities of a type this node only refers to."""
    out: dict[str, str] = {}
    for name, base in table.items():
        key = f"node.references.{name}"
        if name not in ENTITIES:
            c.fail(
                key,
                f"unknown entity type, expected one of {', '.join(ENTITIES)}"
                + did_you_mean(name, ENTITIES),
            )
        elif not isinstance(base, str) or not base.startswith(("http://", "https://")):
            c.fail(key, f"expected the http(s) base IRI of the owning node, got {base!r}")
        else:
            out[name] = base.rstrip("/")
    return out


def parse_sources(c: _Checker, table: Mapping[str, Any], file: Path) -> dict[str, SourceConfig]:
    out: dict[str, SourceConfig] = {}
    for name, spec in table.items():
        key = f"sources.{name}"
        if not isinstance(spec, dict):
            c.fail(key, "expected a table")
            continue
        kind = spec.get("kind")
        if kind not in SOURCE_KINDS:
            c.fail(
                f"{key}.kind",
                f"expected one of {', '.join(SOURCE_KINDS)}, got {kind!r}"
                + (did_you_mean(kind, SOURCE_KINDS) if isinstance(kind, str) else ""),
            )
            continue
        options = {k: v for k, v in spec.items() if k not in {"kind", "url", "path"}}
        if kind == "csv":
            raw = c.string(spec, key, "path")
            path = (file.parent / raw).resolve() if raw else None
            out[name] = SourceConfig(name, "csv", path=path, options=options)
            continue
        url = c.string(spec, key, "url")
        if kind == "sql" and url:
            url = _resolve_sqlite(url, file)
            if "+" not in url.split(":", 1)[0]:
                c.fail(
                    f"{key}.url",
                    "expected an async SQLAlchemy URL such as "
                    f"'sqlite+aiosqlite:///file.db' or 'postgresql+asyncpg://...', got {url!r}",
                )
        if kind == "http" and url and not url.startswith(("http://", "https://")):
            c.fail(f"{key}.url", f"expected an http(s) URL, got {url!r}")
        out[name] = SourceConfig(name, kind, url=url, options=options)
    return out

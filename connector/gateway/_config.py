"""Where the subgraphs come from: ``NAME=URL`` arguments, or a supergraph config file in
the shape of Apollo Rover's ``supergraph.yaml``, written in TOML::

    [subgraphs.cda]
    routing_url = "http://127.0.0.1:8101/graphql"
    schema.file = "cda.graphql"      # optional: else the node's own { _service { sdl } }
    catalog_url = "http://127.0.0.1:8101/catalog"  # optional (this default); false: none
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

from connector.errors import ConfigError, ConfigIssue
from connector.gateway._gateway import SubgraphSource


def parse_subgraph_args(values: Sequence[str]) -> list[SubgraphSource]:
    """``["cda=http://127.0.0.1:8101/graphql", ...]`` as sources."""
    out: list[SubgraphSource] = []
    issues: list[ConfigIssue] = []
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not name or not url.startswith(("http://", "https://")):
            issues.append(ConfigIssue("--subgraph", value, "expected NAME=URL with an http(s) URL"))
            continue
        out.append(SubgraphSource(name=name.strip(), url=url.strip()))
    if issues:
        raise ConfigError(issues)
    return out


def load_supergraph_config(path: str | Path) -> list[SubgraphSource]:
    """Read a supergraph config file (see the module docstring)."""
    file = Path(path).resolve()
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError([ConfigIssue(str(file), "-", "file not found")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([ConfigIssue(str(file), "-", f"not valid TOML: {exc}")]) from exc
    subgraphs = data.get("subgraphs")
    if not isinstance(subgraphs, dict) or not subgraphs:
        raise ConfigError([ConfigIssue(str(file), "subgraphs", "expected a table of subgraphs")])
    out: list[SubgraphSource] = []
    issues: list[ConfigIssue] = []
    for name, entry in subgraphs.items():
        key = f"subgraphs.{name}"
        if not isinstance(entry, dict):
            issues.append(ConfigIssue(str(file), key, "expected a table"))
            continue
        url = entry.get("routing_url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            issues.append(
                ConfigIssue(
                    str(file), f"{key}.routing_url", f"expected an http(s) URL, got {url!r}"
                )
            )
            continue
        schema = entry.get("schema", {})
        sdl_file = schema.get("file") if isinstance(schema, dict) else None
        if sdl_file is not None and not isinstance(sdl_file, str):
            issues.append(ConfigIssue(str(file), f"{key}.schema.file", "expected a path"))
            continue
        catalog = entry.get("catalog_url")
        if (
            catalog is not None
            and catalog is not False
            and not (isinstance(catalog, str) and catalog.startswith(("http://", "https://")))
        ):
            issues.append(
                ConfigIssue(
                    str(file),
                    f"{key}.catalog_url",
                    f"expected an http(s) URL or false, got {catalog!r}",
                )
            )
            continue
        out.append(
            SubgraphSource(
                name=name,
                url=url,
                sdl_file=(file.parent / sdl_file) if sdl_file else None,
                catalog_url="" if catalog is False else catalog,
            )
        )
    if issues:
        raise ConfigError(issues)
    return out

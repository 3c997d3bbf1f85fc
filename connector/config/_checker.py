"""Collects every problem of a configuration file while reading it."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from connector.errors import ConfigIssue


def did_you_mean(name: str, choices: Collection[str]) -> str:
    """``"; did you mean 'participant'?"`` when one of ``choices`` is close to ``name``
    (:func:`difflib.get_close_matches`, its default similarity cutoff 0.6), else ``""``."""
    close = difflib.get_close_matches(name, sorted(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class Checker:
    """Collects issues while reading a TOML document."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.issues: list[ConfigIssue] = []

    def fail(self, key: str, message: str) -> None:
        self.issues.append(ConfigIssue(str(self.file), key, message))

    def table(
        self, data: Mapping[str, Any], key: str, name: str, *, required: bool = True
    ) -> Mapping[str, Any]:
        value = data.get(name)
        where = f"{key}.{name}" if key else name
        if value is None:
            if required:
                self.fail(where, "missing table, expected [" + where + "]")
            return {}
        if not isinstance(value, dict):
            self.fail(where, f"expected a table, got {type(value).__name__}")
            return {}
        return value

    def string(
        self,
        data: Mapping[str, Any],
        key: str,
        name: str,
        *,
        required: bool = True,
        default: str = "",
    ) -> str:
        value = data.get(name)
        where = f"{key}.{name}" if key else name
        if value is None:
            if required:
                self.fail(where, "missing, expected a string")
            return default
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"expected a non-empty string, got {value!r}")
            return default
        return value

    def unknown(self, data: Mapping[str, Any], key: str, allowed: set[str]) -> None:
        for name in data:
            if name not in allowed:
                self.fail(
                    f"{key}.{name}" if key else name,
                    f"unknown key, expected one of {', '.join(sorted(allowed))}"
                    + did_you_mean(name, allowed),
                )

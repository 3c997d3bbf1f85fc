"""The bundled data tables of the domain computations, each read once.

Every table is a CSV file in ``connector/domain/data/`` whose leading ``#`` lines state
where its numbers come from; that text is kept as the table's ``source`` so that results
can carry it. A malformed table is a :class:`~connector.errors.ConfigError` naming the
file, the line and the column.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from connector.errors import ConfigError, ConfigIssue

DATA_PACKAGE = "connector.domain.data"


@dataclass(frozen=True)
class Line:
    """One data row: its 1-based line number in the file and its cells by column."""

    number: int
    cells: Mapping[str, str]


@dataclass(frozen=True)
class Table:
    file: str
    source: str
    lines: tuple[Line, ...]

    def issue(self, line: Line | None, column: str, message: str) -> ConfigError:
        where = f"line {line.number}: {column}" if line is not None else column
        return ConfigError([ConfigIssue(self.file, where, message)])

    def text(self, line: Line, column: str) -> str:
        value = line.cells.get(column)
        if value is None or not value.strip():
            raise self.issue(line, column, "expected a value, found nothing")
        return value.strip()

    def number(self, line: Line, column: str) -> float:
        raw = self.text(line, column)
        try:
            value = float(raw)
        except ValueError:
            raise self.issue(line, column, f"expected a number, found {raw!r}") from None
        if not math.isfinite(value):
            raise self.issue(line, column, f"expected a finite number, found {raw!r}")
        return value

    def integer(self, line: Line, column: str) -> int:
        raw = self.text(line, column)
        try:
            return int(raw)
        except ValueError:
            raise self.issue(line, column, f"expected an integer, found {raw!r}") from None


@cache
def table(name: str) -> Table:
    """Read ``data/<name>`` once (see :func:`parse_table`)."""
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return parse_table(f"connector/domain/data/{name}", text)


def parse_table(file: str, text: str) -> Table:
    """A table from CSV ``text``; ``#`` lines before the header make up ``source``."""
    raw_lines = text.splitlines()
    comments: list[str] = []
    first = 0
    while first < len(raw_lines) and raw_lines[first].startswith("#"):
        comments.append(raw_lines[first].lstrip("#").strip())
        first += 1
    reader = csv.reader(raw_lines[first:])
    header = next(reader, None)
    if not header:
        raise ConfigError([ConfigIssue(file, "header", "expected a CSV header line")])
    lines: list[Line] = []
    for offset, cells in enumerate(reader):
        number = first + 2 + offset
        if not cells:
            continue
        if len(cells) != len(header):
            raise ConfigError(
                [
                    ConfigIssue(
                        file,
                        f"line {number}",
                        f"expected {len(header)} columns ({', '.join(header)}), found {len(cells)}",
                    )
                ]
            )
        lines.append(Line(number, dict(zip(header, cells, strict=True))))
    return Table(file, "\n".join(comments), tuple(lines))

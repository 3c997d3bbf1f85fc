"""CSV source adapter: a partner's exported files, read in place.

``path`` in ``[sources.<name>]`` is either

* a **folder**: each entity's ``table`` is a file name inside it (``table = "mesures.csv"``,
  or ``"mesures"`` for ``mesures.csv``; paths leaving the folder are refused), or
* a **file**: every entity of this source reads that one file (``table`` is then only a
  label).

Options: ``delimiter`` (default ``,``), ``encoding`` (default ``utf-8-sig``, which also
reads UTF-8 with a byte-order mark), ``decimal = ","`` for decimal commas, and
``datetime_format`` (a :func:`~datetime.datetime.strptime` format such as
``"%d/%m/%Y %H:%M"``; default ISO 8601). Cells are typed from the field types of
:mod:`connector.model`; an empty cell is ``None``.

Queries are evaluated by streaming the file once in a worker thread
(:mod:`connector.sources._memory`), with the semantics of the SQL adapter.

Example::

    source = CsvSource(SourceConfig("exports", "csv", path=Path("exports/")), [mapping])
    rows = await source.select(Select("EnergyUse", ("id", "kwh"), limit=10))
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

from connector.config import EntityMapping, SourceConfig
from connector.errors import SourceError
from connector.sources import _memory
from connector.sources._values import Entity, TextFormat, entity_of, source_columns
from connector.sources.base import Aggregate, Health, Row, Select

T = TypeVar("T")


class CsvSource:
    """CSV files of one folder (or one file), read-only."""

    def __init__(self, config: SourceConfig, mappings: Sequence[EntityMapping]) -> None:
        if config.path is None:
            raise SourceError(config.name, "no CSV path configured")
        self.name = config.name
        self.path = Path(config.path)
        options = dict(config.options)
        self.delimiter = str(options.get("delimiter", ","))
        self.encoding = str(options.get("encoding", "utf-8-sig"))
        fmt = options.get("datetime_format")
        self.format = TextFormat(
            decimal_comma=options.get("decimal", ".") == ",",
            datetime_format=str(fmt) if fmt else None,
        )
        self._entities = {m.entity: Entity(m) for m in mappings}

    def file_of(self, entity: Entity) -> Path:
        if not self.path.is_dir():
            return self.path
        file = (self.path / entity.mapping.table).resolve()
        if not file.is_relative_to(self.path.resolve()):
            raise SourceError(
                self.name,
                f"table {entity.mapping.table!r} of entity "
                f"{entity.name} is outside the source folder",
            )
        if not file.exists() and not file.suffix:
            return file.with_name(file.name + ".csv")
        return file

    def _records(self, entity: Entity, line: list[int]) -> Iterator[dict[str, str]]:
        file = self.file_of(entity)
        try:
            with file.open(encoding=self.encoding, newline="") as fh:
                rows = csv.reader(fh, delimiter=self.delimiter)
                header = [h.strip() for h in next(rows, [])]
                missing = [
                    f"{c!r} ({what})"
                    for c, what in source_columns(entity.mapping)
                    if c not in header
                ]
                if missing:
                    raise SourceError(
                        self.name,
                        f"file {file.name!r} has no column "
                        f"{', '.join(missing)} (entity {entity.name})",
                    )
                for number, values in enumerate(rows, start=2):
                    line[0] = number
                    yield dict(zip(header, values, strict=False))
        except FileNotFoundError as exc:
            raise SourceError(
                self.name, f"file {file.name!r} not found (entity {entity.name})"
            ) from exc
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise SourceError(
                self.name, f"cannot read file {file.name!r}: {type(exc).__name__}"
            ) from exc

    async def _run(self, entity: Entity, work: Callable[[Iterator[dict[str, str]]], T]) -> T:
        line = [1]

        def job() -> T:
            try:
                return work(self._records(entity, line))
            except _memory.RecordError as exc:
                raise SourceError(
                    self.name, f"file {self.file_of(entity).name!r}, line {line[0]}: {exc}"
                ) from exc

        return await anyio.to_thread.run_sync(job)

    async def select(self, query: Select) -> list[Row]:
        entity = entity_of(self._entities, query.entity)
        return await self._run(
            entity, lambda recs: _memory.select(entity, query, recs, self.format)
        )

    async def aggregate(self, query: Aggregate) -> list[Row]:
        entity = entity_of(self._entities, query.entity)
        return await self._run(
            entity, lambda recs: _memory.aggregate(entity, query, recs, self.format)
        )

    def local_files(self) -> dict[str, Path]:
        """The files this source reads, by the configuration key naming each: the folder
        or file (``path``), then each entity's file (``entities.<Entity>.table``)."""
        files = {f"sources.{self.name}.path": self.path}
        if not self.path.is_dir():
            return files
        for entity in self._entities.values():
            files[f"entities.{entity.name}.table"] = self.file_of(entity)
        return files

    async def check(self) -> list[str]:
        """Problems of the mappings against the files' headers; [] if none."""
        problems: list[str] = []
        for entity in self._entities.values():
            try:
                await self._run(entity, lambda recs: next(recs, None))
            except SourceError as exc:
                problems.append(str(exc))
        return problems

    async def health(self) -> Health:
        now = datetime.now(UTC)
        missing = [
            e.mapping.table
            for e in self._entities.values()
            if not os.access(self.file_of(e), os.R_OK)
        ]
        if not self.path.exists() or missing:
            what = ", ".join(missing) if missing else str(self.path.name)
            return Health(self.name, False, f"file not found or not readable: {what}", now)
        problems = await self.check()
        if problems:
            detail = "; ".join(p.removeprefix(f"source {self.name!r}: ") for p in problems)
            return Health(self.name, False, f"mapping: {detail}", now)
        return Health(self.name, True, "files readable", now)

    async def aclose(self) -> None:
        return None

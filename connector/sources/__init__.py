"""Source adapters: a partner's data read in place (ports and adapters).

The port and the query model live in :mod:`connector.sources.base` and are re-exported
here; :func:`open_source` wires the adapter named by a source's ``kind``. Nothing
registers itself at import.

Semantics shared by every adapter (one contract suite checks them on each):

* rows hold the requested fields plus the sort fields and the entity key, so that the
  caller can build the next keyset cursor (``after``);
* filters and sorts work on canonical values; ``NULL`` sorts last in both directions;
  strings sort by code point;
* time buckets are cut in the field's declared ``timezone`` (default UTC) and returned
  as the UTC instant of the bucket start (a Paris day starts at 23:00 UTC in winter);
* ``count_above`` and ``count_distinct`` are 0 and ``mean``/``sum``/``min``/``max`` are
  ``None`` without rows; an aggregate without groups always returns one row;
* with :class:`~connector.sources.base.Cells`, an aggregate is computed from the rows of
  the cells that hold enough rows and subjects, and of no other row.

Every adapter also has ``async def check() -> list[str]``: the mapping's problems against
the real schema (missing tables, files, columns), for the configuration checker.

Example::

    source = open_source(config.sources["plateforme"], list(config.entities.values()))
    rows = await source.select(Select("Observation", ("id", "value"),
                                      where=(Condition("sensorId", "eq", "S1"),), limit=10))
    await source.aclose()
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from connector.config import EntityMapping, SourceConfig
from connector.errors import SourceError
from connector.sources.base import (
    Aggregate,
    Bucket,
    Cells,
    Condition,
    Health,
    Measure,
    MeasureFn,
    Row,
    Select,
    SortKey,
    Source,
    TimeBucket,
)

__all__ = [
    "Aggregate",
    "Bucket",
    "Cells",
    "Condition",
    "Health",
    "Measure",
    "MeasureFn",
    "Row",
    "Select",
    "SortKey",
    "Source",
    "TimeBucket",
    "open_source",
]


def open_source(
    config: SourceConfig,
    mappings: Sequence[EntityMapping],
    *,
    http_client: httpx.AsyncClient | None = None,
) -> Source:
    """The adapter for ``config.kind``, serving the mappings whose ``source`` is this one.

    Nothing is connected yet: databases and APIs are reached on first use."""
    own = [m for m in mappings if m.source == config.name]
    if config.kind == "sql":
        from connector.sources.sql import SqlSource

        return SqlSource(config, own)
    if config.kind == "csv":
        from connector.sources.csv import CsvSource

        return CsvSource(config, own)
    if config.kind == "http":
        from connector.sources.http import HttpSource

        return HttpSource(config, own, client=http_client)
    raise SourceError(
        config.name, f"unknown source kind {config.kind!r}, expected sql, csv or http"
    )

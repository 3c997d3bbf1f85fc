"""Batches of keys: one statement made once, run with each batch's strings.

The entity loader, the compiled data path and its references read rows by key: a
:class:`~connector.sources.base.Select` whose only filter is ``field IN (strings)``,
without order, cursor, limit or partition. Building that statement (and SQLAlchemy's
cache key for it) cost as much as running it on a small batch. So for a text field read
from a text column as it is (each string its own source value, as
:meth:`~connector.sources._sqlbuild.RowBuilder._source_values` finds), the statement
:meth:`~connector.sources._sqlbuild.RowBuilder.select` builds is made once per entity,
fields and key field, its IN list the expanding parameter
:data:`~connector.sources._sqlbuild.BATCH`; each batch binds its distinct strings, in
their order. The SQL the database sees is the one the builder writes for that batch.

Anything else (a None, a non-string, an empty batch, a field a key lookup reads, a
value-mapped or concatenated field) is built as always.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from connector.errors import QueryError
from connector.sources._sqlbuild import BATCH, TEXT_TYPES, Decoder, RowBuilder
from connector.sources.base import Condition, Select

MADE = 256  # statements kept per source (kinds of batch: entity, fields, key field)
Made = tuple[sa.Select[Any], Decoder]


@dataclass(frozen=True)
class Batch:
    """A batch statement, with its text for a driver taking ``?`` parameters (SQLite's)
    when it has one: the SQL around the IN list and the parameters before and after it,
    fixed once. SQLAlchemy would expand and process every key on every run, which costs
    more than the driver's own work on a batch of a thousand."""

    statement: sa.Select[Any]
    decode: Decoder
    head: str | None = None
    tail: str = ""
    before: tuple[Any, ...] = ()
    after: tuple[Any, ...] = ()

    def driver_sql(self, keys: list[str]) -> tuple[str, tuple[Any, ...]] | None:
        if self.head is None:
            return None
        marks = ", ".join("?" * len(keys))
        return self.head + marks + self.tail, (*self.before, *keys, *self.after)


def _with_text(statement: sa.Select[Any], decode: Decoder, dialect: sa.Dialect) -> Batch:
    """The batch with its driver text, when every parameter is bound as it is (no type
    processing) and each other IN list is not empty; otherwise SQLAlchemy runs it."""
    plain = Batch(statement, decode)
    if dialect.paramstyle != "qmark":
        return plain
    compiled = statement.compile(dialect=dialect)
    text = compiled.string
    before: list[Any] = []
    after: list[Any] = []
    passed = False
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        if bind.literal_execute or bind.type.bind_processor(dialect) is not None:
            return plain
        if name == BATCH:
            passed = True
            continue
        value = compiled.params[name]
        into = after if passed else before
        if bind.expanding:
            if not value:
                return plain
            text = text.replace(f"__[POSTCOMPILE_{name}]", ", ".join("?" * len(value)), 1)
            into.extend(value)
        else:
            into.append(value)
    parts = text.split(f"__[POSTCOMPILE_{BATCH}]")
    if len(parts) != 2 or "__[POSTCOMPILE_" in text.replace(f"__[POSTCOMPILE_{BATCH}]", ""):
        return plain
    return Batch(statement, decode, parts[0], parts[1], tuple(before), tuple(after))


def batch_keys(query: Select) -> tuple[str, list[str]] | None:
    """``(field, distinct strings)`` when ``query`` is a batch of string keys, else None."""
    if (
        len(query.where) != 1
        or query.order
        or query.after is not None
        or query.limit is not None
        or query.partition is not None
    ):
        return None
    (cond,) = query.where
    if cond.op != "in" or not isinstance(cond.value, tuple | list) or not cond.value:
        return None
    if not all(v.__class__ is str for v in cond.value):
        return None
    return cond.field, list(dict.fromkeys(cond.value))


def batch_statement(builder: RowBuilder, query: Select, field: str) -> Made | None:
    """The statement of every batch like ``query``, or None when its field does not allow
    binding the strings as they are."""
    try:
        m = builder.entity.field(field)
    except QueryError:
        return None  # the builder says what is wrong
    if not (builder.simple(m) and m.field.type in TEXT_TYPES and builder.colinfo(m).kind == "str"):
        return None
    if any(field in lk.fields for lk in builder.lookups):
        return None  # the lookup's subquery would hold the strings too
    builder.batch = field
    try:
        return builder.select(replace(query, where=(Condition(field, "in", ("",)),)))
    except QueryError:
        return None
    finally:
        builder.batch = None


class Batches:
    """The batch statements of one source, made on first use."""

    def __init__(self, dialect: sa.Dialect) -> None:
        self.dialect = dialect
        self.made: dict[tuple[str, tuple[str, ...], str], Batch | None] = {}

    async def find(
        self, query: Select, field: str, builder: Callable[[], Awaitable[RowBuilder]]
    ) -> Batch | None:
        key = (query.entity, query.fields, field)
        if key in self.made:
            return self.made[key]
        made = batch_statement(await builder(), query, field)
        found = None if made is None else _with_text(*made, self.dialect)
        if len(self.made) >= MADE:
            self.made.pop(next(iter(self.made)))
        self.made[key] = found
        return found

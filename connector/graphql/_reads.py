"""What each field of the schema reads, attached by the schema builder like ``@term``.

Every field of every object type carries a :class:`Reads` in its GraphQL definition's
``extensions`` (graphql-core's place for such facts): the datasets it reads, the
datasets its filter and ordering arguments read, and, for a computed field, what it
aggregates or derives and at which granularity. The request analysis
(:mod:`connector.graphql._analysis`) reads these annotations and nothing else; a schema
with a field nobody annotated is refused when it is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema

from connector.errors import ConfigError, ConfigIssue
from connector.usage import Action, Bucket

KEY = "guichet.reads"


@dataclass(frozen=True, kw_only=True)
class Computation:
    """A field that aggregates or derives: its inputs and the shape of its groups.

    ``inputs`` maps every input field (of the entity computed over) to its dataset;
    ``used`` lists those always used (a derived value's inputs), the others are used
    when the arguments name them (a statistic's measured, grouped, filtered fields).
    ``dims`` are the fields groups are made of: a filter on any other field cuts
    groups. ``time_field`` and ``zone`` say how windows are cut; ``period`` that the
    window comes from ``from``/``to`` arguments, those of the enclosing field when
    ``outer`` (a part of a computed result, such as a report's weeks); ``level`` a time
    step fixed by the computation itself, ``bucket`` the calendar unit it cuts its
    results in."""

    action: Action
    inputs: Mapping[str, str]
    used: tuple[str, ...] = ()
    dims: tuple[str, ...] = ()
    time_field: str | None = None
    zone: str = "UTC"
    period: bool = False
    outer: bool = False
    level: str | None = None
    bucket: Bucket | None = None


@dataclass(frozen=True, kw_only=True)
class Reads:
    """What one field reads whenever it is asked."""

    read: tuple[str, ...] = ()
    """Datasets whose rows the field reads (ids)."""
    arguments: Mapping[str, str] = field(default_factory=dict)
    """For a list: the datasets of the fields its ``filter`` and ``orderBy`` name."""
    computes: tuple[Computation, ...] = ()
    representations: Mapping[str, tuple[str, ...]] | None = None
    """For ``_entities``: the datasets read for each ``__typename`` given."""


NOTHING = Reads()
"""What a field of a value type reads (a page's info, a statistic's count...): nothing
beyond what its parent field read."""


def attach(
    schema: GraphQLSchema,
    declared: Mapping[tuple[str, str], Reads],
    value_types: frozenset[str] = frozenset(),
) -> None:
    """Put each field's :class:`Reads` in its definition; refuse an undeclared field.
    ``(type, "*")`` declares every field of a type; so does naming it in ``value_types``
    (fields reading nothing of their own), unless a field is declared by name."""
    missing = []
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        whole = declared.get((type_.name, "*"))
        if whole is None and type_.name in value_types:
            whole = NOTHING
        for name, f in type_.fields.items():
            reads = declared.get((type_.name, name), whole)
            if reads is None:
                missing.append(f"{type_.name}.{name}")
                continue
            f.extensions = {**(f.extensions or {}), KEY: reads}
    if missing:
        raise ConfigError(
            [
                ConfigIssue(
                    "<schema>",
                    m,
                    "no declaration of what this field reads: usage control cannot decide it",
                )
                for m in missing
            ]
        )


def reads_of(f: GraphQLField) -> Reads | None:
    found: Any = (f.extensions or {}).get(KEY)
    return found if isinstance(found, Reads) else None

"""The query plan: a tree of fetches. Roots run concurrently; a fetch's children run,
concurrently, once it has answered. Entity fetches carry the absolute response path of
the objects they extend; one fetch is one request whatever the number of objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import SelectionSetNode, print_ast

from connector.gateway._partitions import FanOut


@dataclass(frozen=True)
class Condition:
    """``@include(if: $var)`` (``include`` true) or ``@skip(if: $var)`` on the way to a
    fetch; a literal is resolved at planning time and never stored."""

    variable: str
    include: bool


@dataclass(frozen=True)
class Fetch:
    """One request to one subgraph.

    ``type_name`` is ``None`` for a root fetch, else the entity type extended through
    ``_entities`` at ``path`` (response keys from the root; lists are walked through).
    ``representation`` is the field set sent for each object (keys, then ``@requires``).
    ``matches``: the object types, besides ``type_name``, whose objects it extends (the
    implementations of an interface extended by a subgraph's ``@interfaceObject``).
    """

    subgraph: str
    operation: str
    name: str = ""
    body: str = ""  # entity fetches: the selection on each entity, to batch with siblings
    variable_definitions: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    type_name: str | None = None
    representation: SelectionSetNode | None = None
    conditions: tuple[Condition, ...] = ()
    children: tuple[Fetch, ...] = ()
    fields: tuple[str, ...] = ()  # the response keys this fetch fills (for error paths)
    idempotent: bool = True  # false for mutations: never retried
    matches: tuple[str, ...] = ()
    fanout: FanOut | None = None  # a root field of a partitioned type: every holder asked

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "Fetch" if self.type_name is None else "EntityFetch"}
        out["subgraph"] = self.subgraph
        if self.type_name is not None:
            out["path"] = list(self.path)
            out["type"] = self.type_name
            if self.representation is not None:
                text = " ".join(print_ast(s) for s in self.representation.selections)
                out["representation"] = " ".join(text.split())
        if self.conditions:
            out["conditions"] = [
                ("" if c.include else "!") + "$" + c.variable for c in self.conditions
            ]
        if self.fanout is not None:
            if self.type_name is None:
                out["kind"] = "PartitionedFetch"
            out["holders"] = [h.subgraph for h in self.fanout.holders]
        out["operation"] = self.operation
        if self.children:
            out["then"] = [c.describe() for c in self.children]
        return out

    def walk(self) -> list[Fetch]:
        return [self, *(f for c in self.children for f in c.walk())]


@dataclass(frozen=True)
class QueryPlan:
    """The fetches answering one operation; ``describe()`` is what ``extensions.queryPlan``
    shows."""

    operation_name: str | None
    roots: tuple[Fetch, ...]
    sequential: bool = False  # mutations: roots one after the other, in order

    def describe(self) -> dict[str, Any]:
        kind = "Sequence" if self.sequential else "Parallel"
        return {"kind": kind, "nodes": [r.describe() for r in self.roots]}

    def fetches(self) -> list[Fetch]:
        return [f for r in self.roots for f in r.walk()]

    def depth(self) -> int:
        def d(f: Fetch) -> int:
            return 1 + max((d(c) for c in f.children), default=0)

        return max((d(r) for r in self.roots), default=0)

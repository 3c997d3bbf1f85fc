"""Partitioned entity types: several subgraphs hold disjoint instances of one entity type
(each commune's node its own buildings), each declaring which with
``@partition(communes: [...], keyPrefixes: [...])`` on the type.

Before composition, :func:`partition_subgraphs` checks the holders of each partitioned
type and leaves out a bad holder (not the whole supergraph), naming why:

* a declaration that names nothing (no commune, no usage, no key prefix);
* two holders claiming the same instances (the later holder, in the gateway's order, is
  left out); a subgraph holding the type without ``@partition`` claims every instance.
  A declaration is a box: an instance is held when it is inside every dimension declared
  (communes, usages, key prefixes), a dimension left out being any value. Two boxes
  overlap iff, on every dimension both declare, their values meet (a commune or a usage in
  both; a key prefix of one starting a key prefix of the other); so ``communes: ["17200"]``
  and ``usages: ["collective_housing"]`` overlap (collective housing in 17200), and
  ``communes: ["17200"], usages: ["school"]`` and ``usages: ["collective_housing"]`` do not;
* a holder whose type disagrees with the first holder's: another key, or a field both
  resolve (``@external`` ones aside) with another type or other arguments, printed
  exactly. A field only some holders resolve is theirs: the planner asks it, by key, of
  those holders only, and it is null on the other holders' rows.

The holders' root list and look-up fields (and their value types) are ``@shareable``
in their SDL, so the rest of composition accepts them as any shared field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DirectiveNode,
    FieldDefinitionNode,
    FieldNode,
    ListValueNode,
    StringValueNode,
    print_ast,
)
from graphql.language import NamedTypeNode, TypeNode

from connector.gateway._sdl import Subgraph, SubgraphType, directive_name

DIRECTIVE = "partition"
COMMUNE_FIELD = "inseeCode"
USAGE_FIELD = "usage"


@dataclass(frozen=True)
class Holder:
    """One subgraph's share of a partitioned type: a box of up to three dimensions (an
    empty one is any value)."""

    subgraph: str
    communes: tuple[str, ...] = ()
    key_prefixes: tuple[str, ...] = ()
    usages: tuple[str, ...] = ()

    def describe(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if self.communes:
            out["communes"] = list(self.communes)
        if self.usages:
            out["usages"] = list(self.usages)
        if self.key_prefixes:
            out["keyPrefixes"] = list(self.key_prefixes)
        return out

    def text(self) -> str:
        parts = []
        if self.communes:
            parts.append("communes " + ", ".join(self.communes))
        if self.usages:
            parts.append("usages " + ", ".join(self.usages))
        if self.key_prefixes:
            parts.append("key prefixes " + ", ".join(self.key_prefixes))
        return "; ".join(parts)

    def may_hold(self, wanted: Mapping[str, frozenset[str]]) -> bool:
        """Whether rows whose field (``inseeCode``, ``usage``) is one of ``wanted[field]``
        may be here: on each dimension the filter and this declaration both name, they
        must meet."""
        mine = {COMMUNE_FIELD: self.communes, USAGE_FIELD: self.usages}
        return all(not mine.get(f) or bool(values & set(mine[f])) for f, values in wanted.items())

    def claims_key(self, key: str) -> bool:
        return any(key.startswith(p) for p in self.key_prefixes)

    def may_hold_key(self, key: str) -> bool:
        return not self.key_prefixes or self.claims_key(key)


@dataclass(frozen=True)
class PartitionedType:
    """An entity type held in parts, its key field and its holders (gateway order)."""

    name: str
    key: str
    holders: tuple[Holder, ...]

    def holder(self, subgraph: str) -> Holder | None:
        return next((h for h in self.holders if h.subgraph == subgraph), None)

    def route(self, key: object) -> tuple[Holder, ...]:
        """The holders to ask for the instance with ``key``: those whose key prefixes
        admit it (a holder declaring none admits every key: an RNB id says nothing of its
        commune), so the one whose prefix it has when every holder declares some."""
        if isinstance(key, str):
            return tuple(h for h in self.holders if h.may_hold_key(key))
        return self.holders


@dataclass(frozen=True)
class Partitions:
    """Every partitioned type of a supergraph, and the holders left out, with why."""

    types: Mapping[str, PartitionedType] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def of(self, type_name: str) -> PartitionedType | None:
        return self.types.get(type_name)


def _strings(arg: ArgumentNode) -> tuple[str, ...] | None:
    value = arg.value
    if isinstance(value, ListValueNode):
        return tuple(v.value for v in value.values if isinstance(v, StringValueNode))
    if isinstance(value, StringValueNode):
        return (value.value,)
    return None


def declared(s: Subgraph, t: SubgraphType) -> Holder | None:
    """The ``@partition`` of ``t`` in ``s``, if any (an empty one: no commune, no prefix)."""
    for d in getattr(t.node, "directives", None) or ():
        if isinstance(d, DirectiveNode) and directive_name(d) == DIRECTIVE:
            found: dict[str, tuple[str, ...]] = {}
            for arg in d.arguments or ():
                values = _strings(arg)
                if values is not None:
                    found[arg.name.value] = values
            return Holder(
                s.name,
                found.get("communes", ()),
                found.get("keyPrefixes", ()),
                found.get("usages", ()),
            )
    return None


def _named(t: TypeNode) -> str:
    inner = t
    while not isinstance(inner, NamedTypeNode):
        inner = inner.type  # type: ignore[attr-defined]
    return inner.name.value


def _holds(s: Subgraph, t: SubgraphType) -> bool:
    """Whether ``s`` serves instances of ``t`` itself: a root field returns it or its
    ``Connection`` (a key-only stub or a contributor of computed fields does not)."""
    query = s.types.get("Query")
    if query is None or not t.keys:
        return False
    wanted = {t.name, f"{t.name}Connection"}
    return any(_named(f.type) in wanted for f in query.fields.values())


def _shape(t: SubgraphType) -> dict[str, str]:
    """The fields ``t`` resolves itself, each as ``type(arguments)``."""
    out: dict[str, str] = {}
    for f in t.fields.values():
        if f.external:
            continue
        args = ""
        if isinstance(f.node, FieldDefinitionNode) and f.node.arguments:
            args = (
                "("
                + ", ".join(f"{a.name.value}: {print_ast(a.type)}" for a in f.node.arguments)
                + ")"
            )
        out[f.name] = args + ": " + print_ast(f.type)
    return out


def _disagreement(first: tuple[str, SubgraphType], other: SubgraphType) -> list[str]:
    name, t = first
    a, b = _shape(t), _shape(other)
    out = []
    if {k.fields for k in t.keys} != {k.fields for k in other.keys}:
        out.append(
            f"keys {sorted(k.fields for k in other.keys)} where {name!r} has "
            f"{sorted(k.fields for k in t.keys)}"
        )
    for f in sorted(set(a) & set(b)):
        if a[f] != b[f]:
            out.append(f"{t.name}.{f}{b[f]} where {name!r} has {t.name}.{f}{a[f]}")
    return out


def _overlap(a: Holder, b: Holder) -> list[str]:
    """Where the boxes of ``a`` and ``b`` meet, one phrase per dimension both declare
    (any dimension one leaves out is any value); [] when they are disjoint."""
    out = []
    for what, mine, theirs in (
        ("communes", a.communes, b.communes),
        ("usages", a.usages, b.usages),
    ):
        if mine and theirs:
            both = sorted(set(mine) & set(theirs))
            if not both:
                return []
            out.append(f"{what} " + ", ".join(both))
    if a.key_prefixes and b.key_prefixes:
        pairs = [
            f"{p!r} and {q!r}"
            for p in a.key_prefixes
            for q in b.key_prefixes
            if p.startswith(q) or q.startswith(p)
        ]
        if not pairs:
            return []
        out.append("key prefixes " + "; ".join(pairs))
    if not out:  # no dimension in common: each is any value on the other's
        return [f"{a.text()} and {b.text()}, no dimension in common"]
    return out


def _type_problems(
    name: str, decls: Sequence[tuple[Subgraph, SubgraphType]]
) -> tuple[dict[str, str], list[Holder], str]:
    """The holders of one type left out (subgraph -> why) and those kept."""
    left: dict[str, str] = {}
    kept: list[Holder] = []
    first: tuple[str, SubgraphType] | None = None
    key = ""
    whole = [s.name for s, t in decls if declared(s, t) is None and _holds(s, t)]
    for s, t in decls:
        holder = declared(s, t)
        if holder is None:
            continue
        if whole:
            left[s.name] = (
                f"subgraph {s.name!r} declares a partition of {name} but "
                f"{', '.join(map(repr, whole))} holds {name} without @partition, so claims "
                "every instance"
            )
            continue
        if not holder.describe():
            left[s.name] = (
                f"subgraph {s.name!r}: @partition on {name} names nothing "
                "(no communes, no usages, no keyPrefixes)"
            )
            continue
        missing = [
            (arg, f)
            for arg, values, f in (
                ("communes", holder.communes, COMMUNE_FIELD),
                ("usages", holder.usages, USAGE_FIELD),
            )
            if values and f not in t.fields
        ]
        if missing:
            arg, f = missing[0]
            left[s.name] = (
                f"subgraph {s.name!r}: @partition({arg}) on {name}, which has no field {f}"
            )
            continue
        if first is None:
            first, key = (s.name, t), (t.keys[0].fields if t.keys else "")
        else:
            differs = _disagreement(first, t)
            if differs:
                left[s.name] = (
                    f"subgraph {s.name!r} holds a partition of {name} whose shape disagrees "
                    f"with {first[0]!r}'s: " + "; ".join(differs)
                )
                continue
        clash = [(h, o) for h in kept if (o := _overlap(h, holder))]
        if clash:
            h, o = clash[0]
            left[s.name] = (
                f"subgraphs {h.subgraph!r} and {s.name!r} both claim {name} "
                f"instances ({'; '.join(o)}); {s.name!r} is left out"
            )
            continue
        kept.append(holder)
    return left, kept, key


def partition_subgraphs(
    subgraphs: Sequence[Subgraph],
) -> tuple[list[Subgraph], Partitions]:
    """The subgraphs to compose (bad holders left out) and the partitioned types, with a
    problem line naming each holder left out and why."""
    by_type: dict[str, list[tuple[Subgraph, SubgraphType]]] = {}
    for s in subgraphs:
        for name, t in s.types.items():
            by_type.setdefault(name, []).append((s, t))
    left: dict[str, str] = {}
    types: dict[str, PartitionedType] = {}
    for name, decls in by_type.items():
        if not any(declared(s, t) is not None for s, t in decls):
            continue
        out, kept, key = _type_problems(name, decls)
        for sub, why in out.items():
            left.setdefault(sub, why)
        if kept:
            types[name] = PartitionedType(name=name, key=key, holders=tuple(kept))
    if left:  # a holder left out of one type is out of every type
        types = {
            n: PartitionedType(n, p.key, tuple(h for h in p.holders if h.subgraph not in left))
            for n, p in types.items()
        }
        types = {n: p for n, p in types.items() if p.holders}
    kept_subgraphs = [s for s in subgraphs if s.name not in left]
    return kept_subgraphs, Partitions(types=types, problems=tuple(left.values()))


@dataclass(frozen=True)
class FanOut:
    """A root field of a partitioned type, asked of every holder (at most one request
    each) and merged: ``list`` (a connection: merged in order, a composite cursor,
    ``totalCount`` summed) or ``lookup`` (by key: the holder that has it).

    ``asked`` is the client's root field (its arguments: filter, order, page, cursor);
    ``sort_fields`` maps the order enum's values to the type's fields."""

    type_name: str
    kind: str  # list | lookup | entities (an ``_entities`` fetch, routed by key)
    key: str
    holders: tuple[Holder, ...]
    asked: FieldNode | None = None
    sort_fields: Mapping[str, str] = field(default_factory=dict)
    only: tuple[str, ...] = ()  # entities: the holders resolving every field asked

    def asked_of(self) -> tuple[str, ...]:
        """The holders this fetch may be sent to."""
        return self.only or tuple(h.subgraph for h in self.holders)

"""Satisfiability: can every field of the supergraph be fetched along every path a client
may query, starting from the root fields (Apollo composition's ``SATISFIABILITY_ERROR``)?

A path reaches an object type in one subgraph. From there a field is served by that
subgraph, or by another one the gateway can jump to: a subgraph declaring a resolvable
``@key`` of the type whose fields the subgraphs already reached can resolve. This is a
simplified reading of Apollo's query-graph validation: ``@requires``, ``@provides`` and
``@interfaceObject`` paths are taken as satisfiable (their own rules are checked by
composition), and only object types are walked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from graphql import FieldNode, GraphQLError, NamedTypeNode, OperationDefinitionNode, TypeNode, parse

from connector.gateway._sdl import FEDERATION_FIELDS, Key, Subgraph, SubgraphType

ROOTS = ("Query", "Mutation")
Declarations = Mapping[str, Sequence[tuple[Subgraph, SubgraphType]]]


def _named(t: TypeNode) -> str:
    while not isinstance(t, NamedTypeNode):
        t = t.type  # type: ignore[attr-defined]
    return t.name.value


def _top_fields(key: Key) -> set[str] | None:
    try:
        op = parse("{" + key.fields + "}").definitions[0]
    except GraphQLError:
        return None
    if not isinstance(op, OperationDefinitionNode):  # pragma: no cover - parse guarantees it
        return None
    return {s.name.value for s in op.selection_set.selections if isinstance(s, FieldNode)}


class _Walk:
    def __init__(self, by_type: Declarations) -> None:
        self.by_type = by_type
        self.overridden = {
            (name, f.name, f.override)
            for name, decls in by_type.items()
            for s, t in decls
            for f in t.fields.values()
            if f.override and f.override != s.name
        }

    def decl(self, subgraph: str, type_name: str) -> SubgraphType | None:
        for s, t in self.by_type.get(type_name, ()):
            if s.name == subgraph:
                return t
        return None

    def local(self, subgraph: str, type_name: str, field: str) -> bool:
        t = self.decl(subgraph, type_name)
        f = t.fields.get(field) if t else None
        return (
            f is not None and not f.external and (type_name, field, subgraph) not in self.overridden
        )

    def reachable(self, start: str, type_name: str) -> list[str]:
        """The subgraphs a fetch of ``type_name`` in ``start`` can continue in, by keys."""
        reached = [start]
        grew = True
        while grew:
            grew = False
            for s, t in self.by_type.get(type_name, ()):
                if s.name in reached or t.interface_object:
                    continue
                for key in t.keys:
                    needed = _top_fields(key) if key.resolvable else None
                    if needed is not None and all(
                        any(self.local(r, type_name, f) for r in reached) for f in needed
                    ):
                        reached.append(s.name)
                        grew = True
                        break
        return reached

    def next_states(self, subgraph: str, type_name: str) -> Iterator[tuple[str, str]]:
        """The object types a field returning ``type_name`` in ``subgraph`` may hold."""
        t = self.decl(subgraph, type_name)
        if t is None or t.kind == "object":
            yield subgraph, type_name
        elif t.kind == "union":
            for member in t.values:
                yield subgraph, member
        elif t.kind == "interface":
            s = next(s for s, d in self.by_type[type_name] if s.name == subgraph)
            for name, other in s.types.items():
                if type_name in other.interfaces and other.kind == "object":
                    yield subgraph, name


def _skipped(by_type: Declarations, type_name: str) -> bool:
    decls = by_type.get(type_name, ())
    if not decls or any(t.interface_object or t.kind != "object" for _, t in decls):
        return True
    interfaces = {i for _, t in decls for i in t.interfaces}
    return any(t.interface_object for i in interfaces for _, t in by_type.get(i, ()))


def unsatisfiable(by_type: Declarations) -> list[str]:
    """One message per field no path can fetch, with a query reaching it.

    As in Apollo's validation, a query path is followed with the set of subgraph states
    it may be in (a root field several subgraphs resolve, a field served by several
    subgraphs, starts or continues in each of them): the path fails only when no state
    can serve the next field."""
    walk = _Walk(by_type)
    problems: list[str] = []
    starts: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for root in ROOTS:
        for s, t in by_type.get(root, ()):
            for f in t.fields.values():
                if f.name not in FEDERATION_FIELDS and walk.local(s.name, root, f.name):
                    starts.setdefault((f.name,), []).extend(
                        walk.next_states(s.name, _named(f.type))
                    )
    queue = [(path, tuple(dict.fromkeys(states))) for path, states in starts.items()]
    seen: set[tuple[str, frozenset[tuple[str, str]]]] = set()
    while queue:
        path, states = queue.pop(0)
        by_name: dict[str, list[str]] = {}
        for subgraph, type_name in states:
            if not _skipped(by_type, type_name):
                by_name.setdefault(type_name, []).append(subgraph)
        for type_name, subgraphs in by_name.items():
            mark = (type_name, frozenset((g, type_name) for g in subgraphs))
            if mark in seen:
                continue
            seen.add(mark)
            reached = {g: walk.reachable(g, type_name) for g in subgraphs}
            names = dict.fromkeys(f for _, t in by_type[type_name] for f in t.fields)
            for field in names:
                servers = list(
                    dict.fromkeys(
                        r for g in subgraphs for r in reached[g] if walk.local(r, type_name, field)
                    )
                )
                if not servers:
                    query = "{ " + " { ".join((*path, field)) + " }" * len(path) + " }"
                    froms = ", ".join(repr(g) for g in subgraphs)
                    plural = "s" if len(subgraphs) > 1 else ""
                    problems.append(
                        f"the query {query} cannot be satisfied: from subgraph{plural} "
                        f"{froms}, field {type_name}.{field} is neither resolved there nor in a "
                        f"subgraph reachable through a resolvable @key whose fields it can resolve"
                    )
                    continue
                following: list[tuple[str, str]] = []
                for r in servers:
                    decl = walk.decl(r, type_name)
                    if decl is not None:
                        following += walk.next_states(r, _named(decl.fields[field].type))
                if following:
                    queue.append(((*path, field), tuple(dict.fromkeys(following))))
    return problems

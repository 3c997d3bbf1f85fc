"""The merge of a type's fields across subgraphs, with Apollo composition's rules.

For each field: who resolves it (ownership, ``@shareable``, ``@override``, ``@external``
and ``@provides``), its common type (the most nullable), the arguments every subgraph
declares, and the directives the supergraph keeps. :mod:`._compose` builds the type
definitions around these, kind by kind, and decides when to refuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    ConstDirectiveNode,
    DirectiveNode,
    FieldDefinitionNode,
    FieldNode,
    InputValueDefinitionNode,
    ListTypeNode,
    NameNode,
    NonNullTypeNode,
    TypeNode,
    print_ast,
)

from connector.errors import GatewayError
from connector.gateway._interface_object import strip_argument as _strip
from connector.gateway._sdl import (
    FEDERATION_DIRECTIVES,
    FEDERATION_FIELDS,
    FEDERATION_NAMES,
    Subgraph,
    SubgraphField,
    SubgraphType,
    directive_name,
    parse_field_set,
)
from connector.gateway._supergraph import FieldOwners

ROOTS = ("Query", "Mutation")


@dataclass
class FieldMerge:
    """The composition's state (the problems found, the fields' owners, the types by
    name) and the merge of fields across the subgraphs declaring a type."""

    subgraphs: Sequence[Subgraph]

    def __post_init__(self) -> None:
        self.problems: list[tuple[str, str]] = []  # (Apollo's error code, message)
        self.provided: set[tuple[str, str, str]] = set()  # (subgraph, type, field) @provides
        self.owners: dict[tuple[str, str], FieldOwners] = {}
        self.tagged = False
        self.by_type: dict[str, list[tuple[Subgraph, SubgraphType]]] = {}
        for s in self.subgraphs:
            for name, t in s.types.items():
                if name not in FEDERATION_NAMES:
                    self.by_type.setdefault(name, []).append((s, t))

    def problem(self, code: str, message: str) -> None:
        self.problems.append((code, message))

    def key_fields(self, s: Subgraph, t: SubgraphType) -> set[str]:
        out: set[str] = set()
        for k in t.keys:
            try:
                selection = parse_field_set(k.fields, where=t.name)
            except GatewayError:
                continue  # reported by check_subgraph
            out |= {sel.name.value for sel in selection.selections if isinstance(sel, FieldNode)}
        return out

    def object_fields(
        self, name: str, *, interface: bool = False
    ) -> tuple[dict[str, FieldOwners], list[FieldDefinitionNode]]:
        owners: dict[str, FieldOwners] = {}
        nodes: list[FieldDefinitionNode] = []
        decl: dict[str, list[tuple[Subgraph, SubgraphField, bool]]] = {}
        for s, t in self.by_type[name]:
            keyed = self.key_fields(s, t)
            for f in t.fields.values():
                if name in ROOTS and f.name in FEDERATION_FIELDS:
                    continue
                decl.setdefault(f.name, []).append((s, f, f.name in keyed))
        for field_name, defs in decl.items():
            where = f"{name}.{field_name}"
            overridden = {f.override for s, f, _ in defs if f.override and f.override != s.name}
            for s, f, _ in defs:
                if f.override == s.name:
                    self.problem(
                        "OVERRIDE_FROM_SELF_ERROR",
                        f"field {where} in subgraph {s.name!r} overrides its own subgraph",
                    )
            resolving = [
                (s, f, k) for s, f, k in defs if not f.external and s.name not in overridden
            ]
            provided = [d for d in defs if (d[0].name, name, field_name) in self.provided]
            if not resolving:
                subs = ", ".join(repr(s.name) for s, _, _ in defs)
                self.problem(
                    "EXTERNAL_MISSING_ON_BASE",
                    f"field {where} is @external in subgraph(s) {subs} but no subgraph resolves it",
                )
                continue
            sharing = resolving + provided  # a provided @external field is resolved there too
            if len(sharing) > 1 and not interface:
                lonely = [s.name for s, f, k in resolving if not (f.shareable or k)]
                if lonely:
                    subs = ", ".join(repr(s.name) for s, _, _ in sharing)
                    self.problem(
                        "INVALID_FIELD_SHARING",
                        f"non-shareable field {where} is resolved by subgraphs {subs}; "
                        f"not marked @shareable in {', '.join(map(repr, lonely))}",
                    )
            merged = self.merge_types(
                where, [(s.name, f.type) for s, f, _ in defs if not f.external]
            )
            if merged is None:
                continue
            for s, f, _ in defs:
                if f.external and _shape(f.type) != _shape(merged):
                    self.problem(
                        "EXTERNAL_TYPE_MISMATCH",
                        f"field {where} is {print_ast(merged)} where resolved but "
                        f"{print_ast(f.type)} where @external in {s.name!r}",
                    )
            common = self.check_arguments(where, [(s.name, f) for s, f, _ in defs])
            first = resolving[0][1].node
            if not any(f.inaccessible for _, f, _ in defs) and isinstance(
                first, FieldDefinitionNode
            ):
                nodes.append(
                    FieldDefinitionNode(
                        name=first.name,
                        description=first.description,
                        arguments=tuple(
                            _strip(a) for a in first.arguments or () if a.name.value in common
                        ),
                        type=merged,
                        directives=self.kept(first.directives),
                    )
                )
            owners[field_name] = FieldOwners(
                resolvers=tuple(s.name for s, _, _ in resolving),
                requires={s.name: f.requires for s, f, _ in resolving if f.requires},
                provides={s.name: f.provides for s, f, _ in resolving if f.provides},
            )
        return owners, nodes

    def check_arguments(self, where: str, defs: Sequence[tuple[str, SubgraphField]]) -> set[str]:
        """The arguments every subgraph declares (the supergraph keeps those); an argument
        required in one subgraph must be in all, with one type."""
        args: dict[str, list[tuple[str, TypeNode]]] = {}
        required: set[str] = set()
        for s, f in defs:
            if isinstance(f.node, FieldDefinitionNode):
                for a in f.node.arguments or ():
                    args.setdefault(a.name.value, []).append((s, a.type))
                    if isinstance(a.type, NonNullTypeNode) and a.default_value is None:
                        required.add(a.name.value)
        common = {arg for arg, types in args.items() if len(types) == len(defs)}
        for arg in sorted(required - common):
            self.problem(
                "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                f"argument {where}({arg}:) is required in some subgraphs but not declared in all",
            )
        for arg, types in args.items():
            if len({_shape(t) for _, t in types}) > 1:
                listed = ", ".join(f"{print_ast(t)} in {s!r}" for s, t in types)
                self.problem(
                    "FIELD_ARGUMENT_TYPE_MISMATCH",
                    f"argument {where}({arg}:) has conflicting types: {listed}",
                )
        return common

    def merge_types(self, where: str, types: Sequence[tuple[str, TypeNode]]) -> TypeNode | None:
        """The common type of a field across subgraphs (nullable if any is nullable)."""
        shapes = {_shape(t) for _, t in types}
        if len(shapes) > 1:
            listed = ", ".join(f"{print_ast(t)} in {s!r}" for s, t in types)
            self.problem("FIELD_TYPE_MISMATCH", f"field {where} has conflicting types: {listed}")
            return None
        return min((t for _, t in types), key=lambda t: print_ast(t).count("!"))

    def kept(self, directives: Iterable[Any] | None) -> tuple[ConstDirectiveNode, ...]:
        """The directives the supergraph keeps: composed ones (``@composeDirective``),
        ``@tag`` and ``@deprecated``; SDL directives carry constant arguments only."""
        composed = {c for s in self.subgraphs for c in s.composed_directives}
        out: list[ConstDirectiveNode] = []
        for d in directives or ():
            if not isinstance(d, DirectiveNode):
                continue
            if directive_name(d) == "tag":
                self.tagged = True
                tag = DirectiveNode(name=NameNode(value="tag"), arguments=d.arguments)
                out.append(cast(ConstDirectiveNode, tag))
            elif d.name.value == "deprecated" or (
                d.name.value in composed and d.name.value not in FEDERATION_DIRECTIVES
            ):
                out.append(cast(ConstDirectiveNode, d))
        return tuple(out)

    def input_fields(self, name: str) -> list[InputValueDefinitionNode]:
        decls = self.by_type[name]
        common = set.intersection(*(set(t.fields) for _, t in decls))
        out: list[InputValueDefinitionNode] = []
        for field_name, f in decls[0][1].fields.items():
            defs = [(s.name, t.fields[field_name]) for s, t in decls if field_name in t.fields]
            if field_name not in common:
                node = f.node
                if isinstance(f.type, NonNullTypeNode) and (
                    isinstance(node, InputValueDefinitionNode) and node.default_value is None
                ):
                    self.problem(
                        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                        f"required input field {name}.{field_name} is not defined in every "
                        f"subgraph defining {name}",
                    )
                continue
            merged = self.merge_types(f"{name}.{field_name}", [(s, d.type) for s, d in defs])
            if merged is not None and isinstance(f.node, InputValueDefinitionNode):
                out.append(_strip(f.node))
        return out


def _shape(t: TypeNode) -> str:
    """A type without its non-nulls: ``[Int!]!`` and ``[Int]`` agree (the supergraph keeps
    the most nullable)."""
    if isinstance(t, NonNullTypeNode):
        return _shape(t.type)
    if isinstance(t, ListTypeNode):
        return f"[{_shape(t.type)}]"
    return print_ast(t)

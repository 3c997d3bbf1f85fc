"""Composition: several subgraphs into one :class:`Supergraph`, with Apollo composition's
rules, in its order: each subgraph's own rules first (:mod:`._subgraph_rules`), then the
merge (ownership and ``@shareable``, field, argument and enum types, kinds, extensions
without a base, ``@external`` without an owner), then satisfiability
(:mod:`._satisfiability`).

Every conflict found is reported in one :class:`~connector.errors.GatewayError` naming
the subgraphs, types and fields, each line with the code Apollo composition gives the same
conflict (``- [INVALID_FIELD_SHARING] non-shareable field ...``), the codes also in
``GatewayError.codes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    ConstDirectiveNode,
    DefinitionNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    FieldNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    parse,
    print_ast,
)

from connector.errors import GatewayError
from connector.gateway._api import api_schema
from connector.gateway._interface_object import interface_object_fields
from connector.gateway._interface_object import strip_argument as _strip
from connector.gateway._partitions import partition_subgraphs
from connector.gateway._satisfiability import unsatisfiable
from connector.gateway._sdl import (
    FEDERATION_DIRECTIVES,
    FEDERATION_FIELDS,
    FEDERATION_NAMES,
    Key,
    Subgraph,
    SubgraphField,
    SubgraphType,
    directive_name,
    parse_field_set,
)
from connector.gateway._subgraph_rules import check_subgraph
from connector.gateway._supergraph import FieldOwners, Supergraph

ROOTS = ("Query", "Mutation")
TAG_DEFINITION = (
    "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION"
    " | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)


@dataclass
class _Composer:
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

    def definitions(self) -> list[DefinitionNode]:
        defs: list[DefinitionNode] = []
        for name, decls in sorted(self.by_type.items()):
            if any(t.interface_object for _, t in decls):  # the interface's own first
                decls = sorted(decls, key=lambda d: d[1].kind != "interface")
            first = next((t for _, t in decls if not t.extension), decls[0][1])
            if name not in (*ROOTS, "Subscription") and first.extension:
                for s, _ in decls:
                    self.problem(
                        "EXTENSION_WITH_NO_BASE",
                        f"subgraph {s.name!r}: type {name} is extended but no subgraph defines it",
                    )
            if first.inaccessible:
                continue
            kinds = {t.kind for _, t in decls if not t.interface_object}
            if len(kinds) > 1:
                listed = ", ".join(f"{t.kind} in {s.name!r}" for s, t in decls)
                self.problem("TYPE_KIND_MISMATCH", f"type {name} has conflicting kinds: {listed}")
                continue
            if kinds != {"interface"} and any(t.interface_object for _, t in decls):
                subs = ", ".join(repr(s.name) for s, t in decls if t.interface_object)
                self.problem(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    f"type {name} is an @interfaceObject in {subs} but no subgraph defines "
                    f"interface {name}",
                )
                continue
            node = first.node
            description = getattr(node, "description", None)
            directives = self.kept(getattr(node, "directives", None))
            if first.kind in ("object", "interface"):
                owners, fields = self.object_fields(name, interface=first.kind == "interface")
                names = dict.fromkeys(i for _, t in decls for i in t.interfaces)
                interfaces = tuple(
                    NamedTypeNode(name=NameNode(value=i))
                    for i in names
                    if i in self.by_type and not self.by_type[i][0][1].inaccessible
                )
                more, more_owners = interface_object_fields(
                    self.by_type, names, {f.name.value for f in fields}, kept=self.kept
                )
                fields += more
                owners.update(more_owners)
                self.owners.update({(name, f): o for f, o in owners.items()})
                kind = (
                    ObjectTypeDefinitionNode
                    if first.kind == "object"
                    else InterfaceTypeDefinitionNode
                )
                defs.append(
                    kind(
                        name=NameNode(value=name),
                        description=description,
                        fields=tuple(fields),
                        directives=directives,
                        interfaces=interfaces,
                    )
                )
            elif first.kind == "input":
                defs.append(
                    InputObjectTypeDefinitionNode(
                        name=NameNode(value=name),
                        description=description,
                        fields=tuple(self.input_fields(name)),
                        directives=(),
                    )
                )
            elif first.kind == "enum":
                values = _enum_values([t.values for _, t in decls])
                self.check_enum(name, decls, values)
                defs.append(
                    EnumTypeDefinitionNode(
                        name=NameNode(value=name),
                        description=description,
                        values=tuple(
                            EnumValueDefinitionNode(name=NameNode(value=v), directives=())
                            for v in values
                        ),
                        directives=(),
                    )
                )
            elif first.kind == "scalar":
                defs.append(
                    ScalarTypeDefinitionNode(
                        name=NameNode(value=name), description=description, directives=()
                    )
                )
            elif first.kind == "union":
                members = sorted({v for _, t in decls for v in t.values})
                defs.append(
                    UnionTypeDefinitionNode(
                        name=NameNode(value=name),
                        types=tuple(NamedTypeNode(name=NameNode(value=m)) for m in members),
                        directives=(),
                    )
                )
            else:
                self.problem(
                    "UNSUPPORTED_FEATURE",
                    f"type {name}: {first.kind} types are not supported by this gateway yet",
                )
        return defs

    def check_enum(
        self, name: str, decls: Sequence[tuple[Subgraph, SubgraphType]], values: Sequence[str]
    ) -> None:
        """An enum both read and returned must have the same values everywhere."""
        read = returned = False
        for s in self.subgraphs:
            for t in s.types.values():
                for f in t.fields.values():
                    read = (
                        read
                        or _named_arg(f, name)
                        or (t.kind == "input" and _named(f.type) == name)
                    )
                    returned = returned or (t.kind != "input" and _named(f.type) == name)
        if read and returned:
            for s, t in decls:
                missing = [v for v in values if v not in t.values]
                if missing:
                    self.problem(
                        "ENUM_VALUE_MISMATCH",
                        f"enum {name} is both an input and an output type but subgraph "
                        f"{s.name!r} lacks {', '.join(missing)}",
                    )

    def directive_definitions(self) -> list[DirectiveDefinitionNode]:
        seen: dict[str, DirectiveDefinitionNode] = {}
        composed = {c for s in self.subgraphs for c in s.composed_directives}
        for s in self.subgraphs:
            for d in s.document.definitions if s.document else ():
                if isinstance(d, DirectiveDefinitionNode) and d.name.value in composed:
                    seen.setdefault(d.name.value, d)
        if self.tagged:
            (tag,) = parse(TAG_DEFINITION).definitions
            seen["tag"] = cast(DirectiveDefinitionNode, tag)
        return list(seen.values())


def _shape(t: TypeNode) -> str:
    """A type without its non-nulls: ``[Int!]!`` and ``[Int]`` agree (the supergraph keeps
    the most nullable)."""
    if isinstance(t, NonNullTypeNode):
        return _shape(t.type)
    if isinstance(t, ListTypeNode):
        return f"[{_shape(t.type)}]"
    return print_ast(t)


def _named_arg(f: SubgraphField, type_name: str) -> bool:
    node = f.node
    args = node.arguments or () if isinstance(node, FieldDefinitionNode) else ()
    return any(_named(a.type) == type_name for a in args)


def _named(t: TypeNode) -> str:
    while isinstance(t, NonNullTypeNode | ListTypeNode):
        t = t.type
    return print_ast(t)


def _enum_values(per_subgraph: Sequence[tuple[str, ...]]) -> list[str]:
    out: list[str] = []
    for values in per_subgraph:
        out += [v for v in values if v not in out]
    return out


def _refuse_on_problems(composer: _Composer) -> None:
    if composer.problems:
        lines = dict.fromkeys(f"- [{code}] {p}" for code, p in composer.problems)
        raise GatewayError(
            "composition failed:\n" + "\n".join(lines),
            codes=tuple(sorted({code for code, _ in composer.problems})),
        )


def compose(subgraphs: Sequence[Subgraph]) -> Supergraph:
    """Compose subgraphs into one supergraph, or raise ``GatewayError`` listing every
    conflict (subgraphs, types and fields named).

    >>> supergraph = compose([parse_subgraph("cda", url, sdl), ...])  # doctest: +SKIP
    """
    if not subgraphs:
        raise GatewayError("no subgraph to compose")
    names = [s.name for s in subgraphs]
    if len(set(names)) != len(names):
        raise GatewayError(f"subgraph names must be unique, got {names}")
    subgraphs, partitions = partition_subgraphs(subgraphs)  # bad holders left out, named
    composer = _Composer(subgraphs)
    for s in subgraphs:
        rules = check_subgraph(s)
        composer.problems += rules.problems
        composer.provided |= rules.provided
    _refuse_on_problems(composer)  # Apollo merges only valid subgraphs
    definitions = composer.definitions()
    query = composer.by_type.get("Query", ())
    if not any(set(t.fields) - FEDERATION_FIELDS for _, t in query):
        composer.problem("NO_QUERIES", "no subgraph defines a query root field")
    if not composer.problems:
        for p in unsatisfiable(composer.by_type):
            composer.problem("SATISFIABILITY_ERROR", p)
    keys: dict[str, dict[str, tuple[Key, ...]]] = {}
    for name, decls in composer.by_type.items():
        for s, t in decls:
            if t.keys:
                keys.setdefault(name, {})[s.name] = t.keys
    _refuse_on_problems(composer)
    document = DocumentNode(definitions=(*composer.directive_definitions(), *definitions))
    try:
        schema = build_ast_schema(document)
    except (GraphQLError, TypeError) as exc:
        raise GatewayError(
            f"composition failed: the supergraph is not a valid schema: {exc}"
        ) from exc
    return Supergraph(
        subgraphs={s.name: s for s in subgraphs},
        fields=composer.owners,
        keys=keys,
        schema=schema,
        api_schema=api_schema(schema),
        sdl=print_ast(document),
        partitions=partitions,
    )

"""Composition: several subgraphs into one :class:`Supergraph`, with Apollo composition's
rules, in its order: each subgraph's own rules first (:mod:`._subgraph_rules`), then the
merge (ownership and ``@shareable``, field and argument types in :mod:`._field_merge`; enum
types, kinds, extensions without a base here), then satisfiability
(:mod:`._satisfiability`).

Every conflict found is reported in one :class:`~connector.errors.GatewayError` naming
the subgraphs, types and fields, each line with the code Apollo composition gives the same
conflict (``- [INVALID_FIELD_SHARING] non-shareable field ...``), the codes also in
``GatewayError.codes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumValueDefinitionNode,
    FieldDefinitionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
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
from connector.gateway._field_merge import ROOTS, FieldMerge
from connector.gateway._interface_object import interface_object_fields
from connector.gateway._partitions import partition_subgraphs
from connector.gateway._satisfiability import unsatisfiable
from connector.gateway._sdl import (
    FEDERATION_FIELDS,
    Key,
    Subgraph,
    SubgraphField,
    SubgraphType,
)
from connector.gateway._subgraph_rules import check_subgraph
from connector.gateway._supergraph import Supergraph

TAG_DEFINITION = (
    "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION"
    " | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)


class _Composer(FieldMerge):
    """The supergraph's definitions, type by type, over the merged fields."""

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

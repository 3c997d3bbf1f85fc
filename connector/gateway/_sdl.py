"""One subgraph's SDL, parsed into what composition needs: types, fields, keys and the
Federation v2 directives on them (``@key``, ``@external``, ``@requires``, ``@provides``,
``@shareable``, ``@override``, ``@inaccessible``).

Federation 1 SDL is read as Apollo composition reads it: types extended but not defined
here (``extend type Product @key(fields: "id") { id: ID! @external ... }``, or
``@extends``), their ``@external`` key fields resolvable (Apollo's "fake externals"), and
in a subgraph without a Federation v2 ``@link`` every field shareable.

Federation's own names and the checks an SDL passes first are :mod:`._federation`'s."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from graphql import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    FieldNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    OperationDefinitionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    SelectionSetNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    parse,
    print_ast,
)

from connector.errors import GatewayError
from connector.gateway._federation import (
    FEDERATION_DIRECTIVES,
    FEDERATION_FIELDS,
    FEDERATION_NAMES,
    check_buildable,
    check_imports,
    directive_args,
    directive_name,
    federation_link,
    name_of,
)

__all__ = [
    "FEDERATION_DIRECTIVES",
    "FEDERATION_FIELDS",
    "FEDERATION_NAMES",
    "Key",
    "Subgraph",
    "SubgraphField",
    "SubgraphType",
    "directive_args",
    "directive_name",
    "parse_field_set",
    "parse_subgraph",
]


def parse_field_set(fields: str, *, where: str) -> SelectionSetNode:
    """A ``FieldSet`` string (``"id org { id }"``) as a selection set."""
    try:
        doc = parse("{" + fields + "}")
    except GraphQLError as exc:
        raise GatewayError(f"{where}: field set {fields!r} is not valid: {exc.message}") from exc
    op = doc.definitions[0]
    if not isinstance(op, OperationDefinitionNode):  # pragma: no cover - parse guarantees it
        raise GatewayError(f"{where}: field set {fields!r} is not a selection")
    return op.selection_set


@dataclass(frozen=True)
class SubgraphField:
    """A field as one subgraph declares it."""

    name: str
    type: TypeNode
    node: FieldDefinitionNode | InputValueDefinitionNode
    external: bool = False
    shareable: bool = False
    inaccessible: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None

    @property
    def type_str(self) -> str:
        return print_ast(self.type)


@dataclass(frozen=True)
class Key:
    """One ``@key`` of an entity in one subgraph."""

    fields: str
    resolvable: bool = True


@dataclass(frozen=True)
class SubgraphType:
    """A named type as one subgraph declares it (``kind``: object, input, enum, scalar...)."""

    name: str
    kind: str
    fields: Mapping[str, SubgraphField] = field(default_factory=dict)
    keys: tuple[Key, ...] = ()
    values: tuple[str, ...] = ()  # enum values, union members
    interfaces: tuple[str, ...] = ()  # the interfaces an object or interface implements
    shareable: bool = False
    inaccessible: bool = False
    interface_object: bool = False  # an object standing for an interface of another subgraph
    extension: bool = False  # only extended here (``extend type``/``@extends``), never defined
    extended: bool = False  # extended here at least once
    node: object = None


@dataclass(frozen=True)
class Subgraph:
    """A parsed subgraph: its name, where it answers, its SDL and its types."""

    name: str
    url: str
    sdl: str
    types: Mapping[str, SubgraphType]
    composed_directives: tuple[str, ...] = ()
    document: DocumentNode | None = None
    federation2: bool = True  # False: no Federation v2 ``@link`` (Federation 1 semantics)


def _field(
    node: FieldDefinitionNode | InputValueDefinitionNode, type_shareable: bool
) -> SubgraphField:
    flags: dict[str, object] = {}
    for d in node.directives or ():
        name = directive_name(d)
        args = directive_args(d)
        if name in ("requires", "provides"):
            flags[name] = args.get("fields")
        elif name == "override":
            flags[name] = args.get("from")
        elif name in ("external", "shareable", "inaccessible"):
            flags[name] = True
    return SubgraphField(
        name=node.name.value,
        type=node.type,
        node=node,
        external=bool(flags.get("external")),
        shareable=type_shareable or bool(flags.get("shareable")),
        inaccessible=bool(flags.get("inaccessible")),
        requires=_str(flags.get("requires")),
        provides=_str(flags.get("provides")),
        override=_str(flags.get("override")),
    )


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _type(node: object, previous: SubgraphType | None) -> SubgraphType | None:
    directives: tuple[DirectiveNode, ...] = tuple(getattr(node, "directives", None) or ())
    names = {directive_name(d) for d in directives}
    shareable = "shareable" in names
    type_external = "external" in names
    name: str = node.name.value  # type: ignore[attr-defined]
    is_extension = isinstance(node, TypeExtensionNode) or "extends" in names
    kind: str
    fields: dict[str, SubgraphField] = dict(previous.fields) if previous else {}
    values: tuple[str, ...] = previous.values if previous else ()
    if isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
        kind = "object"
        for f in node.fields or ():
            sf = _field(f, shareable)
            if type_external:
                sf = replace(sf, external=True)
            fields[sf.name] = sf
    elif isinstance(node, InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode):
        kind = "interface"
        for f in node.fields or ():
            fields[f.name.value] = _field(f, shareable)
    elif isinstance(node, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
        kind = "input"
        for iv in node.fields or ():
            fields[iv.name.value] = _field(iv, False)
    elif isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
        kind = "enum"
        values = values + tuple(v.name.value for v in node.values or ())
    elif isinstance(node, UnionTypeDefinitionNode | UnionTypeExtensionNode):
        kind = "union"
        values = values + tuple(t.name.value for t in node.types or ())
    elif isinstance(node, ScalarTypeDefinitionNode | ScalarTypeExtensionNode):
        kind = "scalar"
    else:
        return None
    interfaces = tuple(
        dict.fromkeys(
            [
                *(previous.interfaces if previous else ()),
                *(i.name.value for i in getattr(node, "interfaces", None) or ()),
            ]
        )
    )
    keys = list(previous.keys) if previous else []
    for d in directives:
        if directive_name(d) == "key":
            args = directive_args(d)
            keys.append(
                Key(
                    fields=str(args.get("fields", "")),
                    resolvable=args.get("resolvable", True) is not False,
                )
            )
    return SubgraphType(
        name=name,
        kind=kind,
        fields=fields,
        keys=tuple(keys),
        values=values,
        interfaces=interfaces,
        shareable=shareable or bool(previous and previous.shareable),
        inaccessible="inaccessible" in names,
        interface_object="interfaceObject" in names or bool(previous and previous.interface_object),
        extension=is_extension and (previous is None or previous.extension),
        extended=is_extension or bool(previous and previous.extended),
        node=previous.node if previous and not previous.extension else node,
    )


def _settle(t: SubgraphType, *, federation2: bool) -> SubgraphType:
    """Federation's reading of a parsed type: the ``@external`` key fields of an extension
    are resolvable here; without Federation v2 every field is shareable."""
    if t.kind != "object" or (federation2 and not t.extended):
        return t
    keyed: set[str] = set()
    if t.extended:
        for k in t.keys:
            try:
                selection = parse_field_set(k.fields, where=t.name)
            except GatewayError:
                continue
            keyed |= {s.name.value for s in selection.selections if isinstance(s, FieldNode)}
    fields = {}
    for name, f in t.fields.items():
        if f.external and name in keyed:
            f = replace(f, external=False)
        if not federation2:
            f = replace(f, shareable=True)
        fields[name] = f
    return replace(t, fields=fields)


def parse_subgraph(name: str, url: str, sdl: str) -> Subgraph:
    """Parse and check one subgraph's SDL; a malformed one is a ``GatewayError`` naming it."""
    try:
        document = parse(sdl)
    except GraphQLError as exc:
        raise GatewayError(
            f"subgraph {name!r}: SDL does not parse: {exc.message}", codes=("INVALID_GRAPHQL",)
        ) from exc
    check_buildable(name, document)
    link = federation_link(document)
    if link is not None:
        check_imports(name, document, link)
    types: dict[str, SubgraphType] = {}
    composed: list[str] = []
    roots: dict[str, str] = {}  # a subgraph's own root type names -> Query, Mutation
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            for op in node.operation_types or ():
                roots[op.type.name.value] = op.operation.value.capitalize()
            for d in node.directives or ():
                if directive_name(d) == "composeDirective":
                    composed.append(str(directive_args(d).get("name", "")).lstrip("@"))
    for node in document.definitions:
        type_name = name_of(node)
        if type_name is None or isinstance(node, DirectiveDefinitionNode):
            continue
        type_name = roots.get(type_name, type_name)
        parsed = _type(node, types.get(type_name))
        if parsed is not None:
            types[type_name] = replace(parsed, name=type_name)
    federation2 = link is not None
    return Subgraph(
        name=name,
        url=url,
        sdl=sdl,
        types={n: _settle(t, federation2=federation2) for n, t in types.items()},
        composed_directives=tuple(composed),
        document=document,
        federation2=federation2,
    )

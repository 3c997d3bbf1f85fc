"""One subgraph's SDL, parsed into what composition needs: types, fields, keys and the
Federation v2 directives on them (``@key``, ``@external``, ``@requires``, ``@provides``,
``@shareable``, ``@override``, ``@inaccessible``).

Federation 1 SDL is read as Apollo composition reads it: types extended but not defined
here (``extend type Product @key(fields: "id") { id: ID! @external ... }``, or
``@extends``), their ``@external`` key fields resolvable (Apollo's "fake externals"), and
in a subgraph without a Federation v2 ``@link`` every field shareable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DefinitionNode,
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
    ListValueNode,
    NameNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ObjectValueNode,
    OperationDefinitionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    SelectionSetNode,
    StringValueNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    Visitor,
    build_ast_schema,
    parse,
    print_ast,
    visit,
)

from connector.errors import GatewayError

FEDERATION_NAMES = frozenset(
    {"_Any", "_Entity", "_Service", "FieldSet", "link__Import", "link__Purpose"}
)
FEDERATION_FIELDS = frozenset({"_entities", "_service"})
FEDERATION_DIRECTIVES = frozenset(
    {
        "key",
        "requires",
        "provides",
        "external",
        "shareable",
        "extends",
        "override",
        "inaccessible",
        "tag",
        "link",
        "composeDirective",
        "interfaceObject",
        "authenticated",
        "requiresScopes",
        "policy",
        "context",
        "fromContext",
        "cost",
        "listSize",
    }
)

_DEFINITIONS = """
scalar FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @external(reason: String) on OBJECT | FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @extends on OBJECT | INTERFACE
directive @override(from: String!, label: String) on FIELD_DEFINITION
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION \
| SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION \
| ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA
directive @link(url: String!, as: String, import: [link__Import], for: link__Purpose) \
repeatable on SCHEMA
directive @composeDirective(name: String!) repeatable on SCHEMA
directive @interfaceObject on OBJECT
"""


def directive_name(node: DirectiveNode) -> str:
    """A directive's name without the ``federation__`` namespace prefix."""
    return node.name.value.removeprefix("federation__")


def directive_args(node: DirectiveNode) -> dict[str, object]:
    out: dict[str, object] = {}
    for arg in node.arguments or ():
        if isinstance(arg, ArgumentNode):
            value = arg.value
            if isinstance(value, StringValueNode | BooleanValueNode):
                out[arg.name.value] = value.value
    return out


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


def _name_of(node: object) -> str | None:
    name = getattr(node, "name", None)
    value = getattr(name, "value", None)
    return value if isinstance(value, str) else None


_DEFINITION_OF = {
    ObjectTypeExtensionNode: ObjectTypeDefinitionNode,
    InterfaceTypeExtensionNode: InterfaceTypeDefinitionNode,
    UnionTypeExtensionNode: UnionTypeDefinitionNode,
    EnumTypeExtensionNode: EnumTypeDefinitionNode,
    InputObjectTypeExtensionNode: InputObjectTypeDefinitionNode,
    ScalarTypeExtensionNode: ScalarTypeDefinitionNode,
}


def _with_bases(definitions: tuple[DefinitionNode, ...]) -> list[DefinitionNode]:
    """The definitions, the first extension of a type defined nowhere here turned into its
    definition (Federation allows extending a type another subgraph defines)."""
    defined = {_name_of(d) for d in definitions if not isinstance(d, TypeExtensionNode)}
    out: list[DefinitionNode] = []
    for d in definitions:
        kind = _DEFINITION_OF.get(type(d))
        if kind is not None and _name_of(d) not in defined:
            defined.add(_name_of(d))
            d = kind(**{k: getattr(d, k) for k in d.keys if k != "loc"})
        out.append(d)
    return out


def _check_buildable(name: str, document: DocumentNode) -> None:
    defined = {_name_of(d) for d in document.definitions}
    known = parse(_DEFINITIONS).definitions
    prefixed = [
        DirectiveDefinitionNode(**{**{k: getattr(d, k) for k in d.keys}, "name": NameNode(value=n)})
        for d in known
        if isinstance(d, DirectiveDefinitionNode) and d.name.value != "link"
        for n in [f"federation__{d.name.value}"]
    ]
    missing = [d for d in (*known, *prefixed) if _name_of(d) not in defined]
    definitions = _with_bases((*missing, *document.definitions))
    try:
        build_ast_schema(DocumentNode(definitions=tuple(definitions)))
    except (GraphQLError, TypeError) as exc:
        raise GatewayError(
            f"subgraph {name!r}: SDL is not a valid schema: {exc}", codes=("INVALID_GRAPHQL",)
        ) from exc


def _federation_link(document: DocumentNode) -> DirectiveNode | None:
    """The schema's ``@link`` to Federation v2, None in a Federation 1 subgraph."""
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            for d in node.directives or ():
                url = directive_args(d).get("url")
                if d.name.value == "link" and "specs.apollo.dev/federation/v2" in str(url):
                    return d
    return None


class _DirectiveNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        self.names.add(node.name.value)


def _check_imports(name: str, document: DocumentNode, link: DirectiveNode) -> None:
    """A Federation v2 subgraph uses a federation directive by its short name only if its
    ``@link`` imports it (else ``@federation__name``), as Apollo requires."""
    imported = {"link"}
    for arg in link.arguments or ():
        if arg.name.value == "import" and isinstance(arg.value, ListValueNode):
            for v in arg.value.values:
                if isinstance(v, StringValueNode):
                    imported.add(v.value.lstrip("@"))
                elif isinstance(v, ObjectValueNode):
                    imported |= {
                        f.value.value.lstrip("@")
                        for f in v.fields
                        if isinstance(f.value, StringValueNode) and f.name.value == "name"
                    }
    defined = {d.name.value for d in document.definitions if isinstance(d, DirectiveDefinitionNode)}
    used = _DirectiveNames()
    visit(document, used)
    unknown = sorted((used.names & FEDERATION_DIRECTIVES) - imported - defined)
    if unknown:
        listed = ", ".join(f"@{u}" for u in unknown)
        raise GatewayError(
            f"subgraph {name!r}: {listed} used but not imported by its federation @link "
            "(import it, or write @federation__name)",
            codes=("INVALID_GRAPHQL",),
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
    _check_buildable(name, document)
    link = _federation_link(document)
    if link is not None:
        _check_imports(name, document, link)
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
        type_name = _name_of(node)
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

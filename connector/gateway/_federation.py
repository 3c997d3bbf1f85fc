"""Federation v2 as the gateway knows it, and the checks a subgraph's SDL passes against it.

The names Federation adds to a subgraph (types, fields, directives) and its directive
definitions; a subgraph's SDL must build as a schema with those it leaves out, and use a
directive by its short name only if its ``@link`` imports it. :mod:`._sdl` runs these
checks, then reads the SDL into the types composition needs.
"""

from __future__ import annotations

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DefinitionNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListValueNode,
    NameNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ObjectValueNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    Visitor,
    build_ast_schema,
    parse,
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


def name_of(node: object) -> str | None:
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
    defined = {name_of(d) for d in definitions if not isinstance(d, TypeExtensionNode)}
    out: list[DefinitionNode] = []
    for d in definitions:
        kind = _DEFINITION_OF.get(type(d))
        if kind is not None and name_of(d) not in defined:
            defined.add(name_of(d))
            d = kind(**{k: getattr(d, k) for k in d.keys if k != "loc"})
        out.append(d)
    return out


def check_buildable(name: str, document: DocumentNode) -> None:
    defined = {name_of(d) for d in document.definitions}
    known = parse(_DEFINITIONS).definitions
    prefixed = [
        DirectiveDefinitionNode(**{**{k: getattr(d, k) for k in d.keys}, "name": NameNode(value=n)})
        for d in known
        if isinstance(d, DirectiveDefinitionNode) and d.name.value != "link"
        for n in [f"federation__{d.name.value}"]
    ]
    missing = [d for d in (*known, *prefixed) if name_of(d) not in defined]
    definitions = _with_bases((*missing, *document.definitions))
    try:
        build_ast_schema(DocumentNode(definitions=tuple(definitions)))
    except (GraphQLError, TypeError) as exc:
        raise GatewayError(
            f"subgraph {name!r}: SDL is not a valid schema: {exc}", codes=("INVALID_GRAPHQL",)
        ) from exc


def federation_link(document: DocumentNode) -> DirectiveNode | None:
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


def check_imports(name: str, document: DocumentNode, link: DirectiveNode) -> None:
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

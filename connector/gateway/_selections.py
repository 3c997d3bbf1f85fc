"""Selection helpers of the planner: the operation, ``@include``/``@skip`` conditions,
the fields a ``@provides`` hands down, and the operation's fragments inlined."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from connector.errors import GatewayError
from connector.gateway._plan import Condition
from connector.gateway._sdl import parse_field_set
from connector.gateway._supergraph import Supergraph


def operation_of(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        ops = [o for o in ops if o.name is not None and o.name.value == operation_name]
        if not ops:
            raise GatewayError(f"unknown operation named {operation_name!r}")
    elif len(ops) != 1:
        raise GatewayError("the document holds several operations: give an operationName")
    return ops[0]


def _conditions(directives: Sequence[DirectiveNode]) -> tuple[Condition, ...] | None:
    """The variable conditions of ``@include``/``@skip``; ``None`` when statically out."""
    out: list[Condition] = []
    for d in directives:
        if d.name.value not in ("include", "skip"):
            continue
        include = d.name.value == "include"
        value = next((a.value for a in d.arguments or () if a.name.value == "if"), None)
        if isinstance(value, BooleanValueNode):
            if value.value != include:
                return None
        elif isinstance(value, VariableNode):
            out.append(Condition(variable=value.name.value, include=include))
    return tuple(out)


def _wrap(node: SelectionNode, extra: Sequence[DirectiveNode]) -> SelectionNode:
    for d in reversed(extra):
        node = InlineFragmentNode(
            type_condition=None, directives=(d,), selection_set=SelectionSetNode(selections=(node,))
        )
    return node


def provided_by(
    sg: Supergraph, subgraph: str, type_name: str, name: str, child_type: str
) -> frozenset[str]:
    """The ``Type.field`` names ``subgraph`` @provides under ``type_name.name``."""
    fields = sg.provides(type_name, name, subgraph)
    if not fields:
        return frozenset()
    selection = parse_field_set(fields, where=f"@provides on {type_name}.{name}")
    out: set[str] = set()

    def walk(t: str, s: SelectionSetNode) -> None:
        for f in s.selections:
            if isinstance(f, FieldNode):
                out.add(f"{t}.{f.name.value}")
                if f.selection_set is not None:
                    inner = get_named_type(_object(sg, t).fields[f.name.value].type)
                    walk(inner.name, f.selection_set)

    walk(child_type, selection)
    return frozenset(out)


def _object(sg: Supergraph, name: str) -> GraphQLObjectType:
    t = sg.schema.get_type(name)
    if not isinstance(t, GraphQLObjectType):
        raise GatewayError(f"type {name}: @provides through an abstract type is not supported")
    return t


Flat = tuple[FieldNode, tuple[DirectiveNode, ...]]
"""A field of a selection set, with the directives of the fragments it was inlined from."""


@dataclass(frozen=True)
class Fragments:
    """An operation's fragments, inlined: the fields a selection set gives an object type
    (a fragment on another type left out), each with the ``@include``/``@skip`` of the
    fragments around it."""

    schema: GraphQLSchema
    named: Mapping[str, FragmentDefinitionNode]

    def flatten(
        self, type_name: str, selection_set: SelectionSetNode, extra: tuple[DirectiveNode, ...] = ()
    ) -> Iterator[Flat]:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                yield sel, extra
                continue
            condition, inner = self.fragment(sel)
            if condition is not None and not self.applies(condition.name.value, type_name):
                continue  # a fragment on another type never applies to this object
            yield from self.flatten(type_name, inner, (*extra, *(sel.directives or ())))

    def fragment(self, sel: SelectionNode) -> tuple[NamedTypeNode | None, SelectionSetNode]:
        """The type condition and selections of a fragment spread or inline fragment."""
        if isinstance(sel, FragmentSpreadNode):
            frag = self.named.get(sel.name.value)
            if frag is None:
                raise GatewayError(f"unknown fragment {sel.name.value!r}")
            return frag.type_condition, frag.selection_set
        if isinstance(sel, InlineFragmentNode):
            return sel.type_condition, sel.selection_set
        raise GatewayError(f"unexpected selection {sel.kind}")  # pragma: no cover

    def applies(self, condition: str, type_name: str) -> bool:
        if condition == type_name:
            return True
        abstract, obj = self.schema.get_type(condition), self.schema.get_type(type_name)
        return (
            isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType)
            and isinstance(obj, GraphQLObjectType)
            and self.schema.is_sub_type(abstract, obj)
        )

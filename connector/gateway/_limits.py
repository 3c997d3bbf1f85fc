"""Edge limits on a client operation, checked before it is planned and before any
subgraph is asked: its tokens (while parsing), its aliases (before validation), the
depth of its selection and its cost (one per field, a list field's subtree multiplied by
its literal ``first`` argument, or by ``list_size`` without one). The depth, alias and
token limits default to a node's (``[limits]`` in :mod:`connector.config.sections`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)

from connector.config.sections import Limits as NodeLimits

_NODE = NodeLimits()


@dataclass(frozen=True)
class Limits:
    """``max_depth`` nested fields, ``max_aliases`` aliases, ``max_tokens`` lexical tokens,
    ``max_cost`` weighted fields (see module docstring)."""

    max_depth: int = _NODE.max_depth
    max_aliases: int = _NODE.max_aliases
    max_tokens: int = _NODE.max_tokens
    max_cost: int = 1_000_000
    list_size: int = 20


def alias_count(document: DocumentNode) -> int:
    """The aliases of every operation and fragment of ``document`` (what a node's
    ``MaxAliasesLimiter`` counts), without validating it first."""

    def count(s: SelectionSetNode | None) -> int:
        n = 0
        for sel in s.selections if s is not None else ():
            if isinstance(sel, FieldNode):
                n += (sel.alias is not None) + count(sel.selection_set)
            elif isinstance(sel, InlineFragmentNode):
                n += count(sel.selection_set)
        return n

    return sum(
        count(d.selection_set)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    )


Composite = GraphQLObjectType | GraphQLInterfaceType


def _is_list(t: GraphQLOutputType) -> bool:
    if isinstance(t, GraphQLNonNull):
        return _is_list(t.of_type)
    return isinstance(t, GraphQLList)


def _first(sel: FieldNode) -> int | None:
    value = next((a.value for a in sel.arguments or () if a.name.value == "first"), None)
    return int(value.value) if isinstance(value, IntValueNode) else None


def measure(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    *,
    list_size: int,
) -> tuple[int, int]:
    """(depth, cost) of an operation already validated against ``schema``. A field costs
    one plus its subtree's cost times its list size: its literal ``first``, or the
    ``first`` of the connection field just above it, or ``list_size``."""

    def _on(condition: NamedTypeNode | None, parent: Composite | None) -> Composite | None:
        if condition is None:
            return parent
        t = schema.get_type(condition.name.value)
        return t if isinstance(t, GraphQLObjectType | GraphQLInterfaceType) else None

    def walk(
        parent: Composite | None,
        s: SelectionSetNode,
        seen: frozenset[str],
        pending: int | None,
    ) -> tuple[int, int]:
        depth, cost = 0, 0
        for sel in s.selections:
            if isinstance(sel, FieldNode):
                field = parent.fields.get(sel.name.value) if parent else None
                d, c = 0, 0
                if sel.selection_set is not None and field is not None:
                    inner = get_named_type(field.type)
                    first = _first(sel)
                    is_list = _is_list(field.type)
                    d, c = walk(
                        inner
                        if isinstance(inner, GraphQLObjectType | GraphQLInterfaceType)
                        else None,
                        sel.selection_set,
                        seen,
                        None if is_list else (first or pending),
                    )
                    if is_list:
                        c *= first or pending or list_size
                depth, cost = max(depth, d + 1), cost + c + 1
            elif isinstance(sel, InlineFragmentNode):
                d, c = walk(_on(sel.type_condition, parent), sel.selection_set, seen, pending)
                depth, cost = max(depth, d), cost + c
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    inner_parent = _on(frag.type_condition, parent)
                    d, c = walk(inner_parent, frag.selection_set, seen | {sel.name.value}, pending)
                    depth, cost = max(depth, d), cost + c
        return depth, cost

    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    return walk(root, operation.selection_set, frozenset(), None)

"""Shaping the merged data into exactly the client's answer without graphql-core's executor.

graphql-core's ``execute_sync`` over the merged data (one resolver call, argument
coercion and resolve-info per field) was the gateway's largest cost on large answers: 60%
of its CPU time at 1,000 buildings (``bench.federation``). A :class:`Shaper` walks the same
selections the way the executor does (fields collected per runtime type in document order,
``@include``/``@skip``, fragments and their type conditions, ``__typename``, leaves
serialised by their type's ``serialize``) and caches each collection per runtime type,
selection and set of ``@include``/``@skip`` values, so a repeated query only copies values.

It answers only when the executor would have answered the same without an error: any
null in a non-null position, a value of the wrong kind, an unknown ``__typename`` or a
leaf its type refuses makes :meth:`Shaper.shape` return ``None``, and the caller runs the
executor, which nulls and reports as the specification says. Documents with introspection
fields other than ``__typename`` always take the executor."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLBoolean,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    VariableNode,
)
from graphql.execution.values import VariableValues, get_directive_values
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective

# One collected field: response key, field name (``__typename`` included), its type (None
# for ``__typename``) and the selection sets of its nodes.
_Collected = tuple[str, str, GraphQLOutputType | None, tuple[SelectionSetNode, ...]]
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1  # GraphQL's Int is 32-bit


def _builtin_value(type_: object, value: Any) -> bool:
    """Whether ``value`` is already what a built-in scalar's ``serialize`` makes of it."""
    kind = type(value)
    if type_ is GraphQLString or type_ is GraphQLID:
        return kind is str
    if type_ is GraphQLInt:
        return kind is int and _INT_MIN <= value <= _INT_MAX
    if type_ is GraphQLFloat:
        return kind is float and math.isfinite(value)
    return type_ is GraphQLBoolean and kind is bool


class _Fallback(Exception):
    """The executor must answer (it reports an error the shaper does not reproduce)."""


def _introspects(selection_set: SelectionSetNode | None) -> bool:
    for s in selection_set.selections if selection_set else ():
        if isinstance(s, FieldNode):
            name = s.name.value
            if name.startswith("__") and name != "__typename":
                return True
            if _introspects(s.selection_set):
                return True
        elif isinstance(s, InlineFragmentNode) and _introspects(s.selection_set):
            return True
    return False


def _condition_variables(selection_set: SelectionSetNode | None, out: set[str]) -> None:
    for s in selection_set.selections if selection_set else ():
        for d in s.directives or ():
            if d.name.value in ("include", "skip"):
                out.update(
                    a.value.name.value
                    for a in d.arguments or ()
                    if isinstance(a.value, VariableNode)
                )
        if isinstance(s, FieldNode | InlineFragmentNode):
            _condition_variables(s.selection_set, out)


class Shaper:
    """The client's answer from the merged data of one cached (document, operation)."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        sets = [operation.selection_set, *(f.selection_set for f in self.fragments.values())]
        self.usable = not any(_introspects(s) for s in sets)
        names: set[str] = set()
        for s in sets:
            _condition_variables(s, names)
        self.condition_variables = tuple(sorted(names))
        self._collected: dict[tuple[Any, ...], list[_Collected]] = {}
        self._variables: VariableValues | None = None

    def shape(self, data: Mapping[str, Any], variables: VariableValues) -> dict[str, Any] | None:
        """The answer's ``data``, or ``None`` when the executor must answer."""
        if not self.usable:
            return None
        kinds = {
            OperationType.QUERY: self.schema.query_type,
            OperationType.MUTATION: self.schema.mutation_type,
        }
        root = kinds.get(self.operation.operation)
        if root is None:
            return None
        flags = tuple(variables.coerced.get(n) for n in self.condition_variables)
        self._variables = variables
        try:
            return self._object(root, data, (self.operation.selection_set,), flags)
        except _Fallback:
            return None
        finally:
            self._variables = None

    def _object(
        self,
        runtime: GraphQLObjectType,
        value: Mapping[str, Any],
        sets: tuple[SelectionSetNode, ...],
        flags: tuple[Any, ...],
    ) -> dict[str, Any]:
        key = (flags, runtime.name, *map(id, sets))
        fields = self._collected.get(key)
        if fields is None:
            fields = self._collected[key] = self._collect(runtime, sets)
        out: dict[str, Any] = {}
        for response_key, _, type_, subsets in fields:
            if type_ is None:
                out[response_key] = runtime.name
            else:
                out[response_key] = self._complete(type_, value.get(response_key), subsets, flags)
        return out

    def _complete(
        self,
        type_: GraphQLOutputType,
        value: Any,
        sets: tuple[SelectionSetNode, ...],
        flags: tuple[Any, ...],
    ) -> Any:
        if isinstance(type_, GraphQLNonNull):
            if value is None:
                raise _Fallback
            type_ = type_.of_type
        elif value is None:
            return None
        if isinstance(type_, GraphQLList):
            if not isinstance(value, list):
                raise _Fallback
            item = type_.of_type
            return [self._complete(item, v, sets, flags) for v in value]
        if isinstance(type_, GraphQLObjectType):
            if not isinstance(value, dict):
                raise _Fallback
            return self._object(type_, value, sets, flags)
        if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
            if not isinstance(value, dict):
                raise _Fallback
            return self._object(self._runtime(type_, value), value, sets, flags)
        if _builtin_value(type_, value):  # what the built-in scalar's serialize returns
            return value
        try:
            out = type_.serialize(value)
        except Exception as exc:  # the executor reports it
            raise _Fallback from exc
        if out is None or out is Undefined:
            raise _Fallback
        return out

    def _runtime(
        self, abstract: GraphQLAbstractType, value: Mapping[str, Any]
    ) -> GraphQLObjectType:
        name = value.get("__typename")
        runtime = self.schema.get_type(name) if isinstance(name, str) else None
        if not isinstance(runtime, GraphQLObjectType) or not self.schema.is_sub_type(
            abstract, runtime
        ):
            raise _Fallback
        return runtime

    def _collect(
        self, runtime: GraphQLObjectType, sets: Sequence[SelectionSetNode]
    ) -> list[_Collected]:
        """The executor's field collection: response keys in document order, each with
        every node's selection set."""
        grouped: dict[str, tuple[str, list[SelectionSetNode]]] = {}
        visited: set[str] = set()
        for s in sets:
            self._walk(runtime, s, grouped, visited)
        out: list[_Collected] = []
        for response_key, (name, subsets) in grouped.items():
            if name == "__typename":
                out.append((response_key, name, None, ()))
                continue
            field: GraphQLField | None = runtime.fields.get(name)
            if field is not None:
                out.append((response_key, name, field.type, tuple(subsets)))
        return out

    def _walk(
        self,
        runtime: GraphQLObjectType,
        selection_set: SelectionSetNode,
        grouped: dict[str, tuple[str, list[SelectionSetNode]]],
        visited: set[str],
    ) -> None:
        for s in selection_set.selections:
            if not self._included(s):
                continue
            if isinstance(s, FieldNode):
                key = s.alias.value if s.alias else s.name.value
                entry = grouped.setdefault(key, (s.name.value, []))
                if s.selection_set is not None:
                    entry[1].append(s.selection_set)
            elif isinstance(s, InlineFragmentNode):
                condition = s.type_condition.name.value if s.type_condition else None
                if self._matches(condition, runtime):
                    self._walk(runtime, s.selection_set, grouped, visited)
            elif isinstance(s, FragmentSpreadNode):
                name = s.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._matches(fragment.type_condition.name.value, runtime):
                    self._walk(runtime, fragment.selection_set, grouped, visited)

    def _included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode | Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self._variables)
        if skip and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self._variables)
        return not (include and include.get("if") is False)

    def _matches(self, condition: str | None, runtime: GraphQLObjectType) -> bool:
        if condition is None or condition == runtime.name:
            return True
        t = self.schema.get_type(condition)
        if isinstance(t, GraphQLInterfaceType | GraphQLUnionType):
            return self.schema.is_sub_type(t, runtime)
        return False

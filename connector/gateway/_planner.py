"""Planning: one client operation into a :class:`QueryPlan` over the subgraphs.

Root fields go to a subgraph resolving them (grouped, one fetch per subgraph). Walking
down the selection, a field the current subgraph cannot resolve on an entity opens (or
joins) an ``_entities`` fetch to a subgraph that can, keyed by a ``@key`` the current
subgraph can supply; ``@requires`` fields are fetched first and sent in the
representation, ``@provides`` lets a subgraph answer external fields on that path.
Fragments are inlined (their ``@include``/``@skip`` kept), aliases are kept as response
keys, variables are forwarded to the subgraphs that use them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from connector.errors import GatewayError
from connector.gateway._fetches import (
    TYPENAME,
    Group,
    build_fetch,
    dedupe,
    internal,
    response_key,
)
from connector.gateway._plan import Condition, QueryPlan
from connector.gateway._sdl import Key, parse_field_set
from connector.gateway._supergraph import Supergraph

Flat = tuple[FieldNode, tuple[DirectiveNode, ...]]


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


class _Planner:
    def __init__(
        self,
        supergraph: Supergraph,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> None:
        self.sg = supergraph
        self.operation = operation
        self.fragments = fragments
        self.touched: list[Group] = []  # entity groups used while planning @requires

    def flatten(
        self, type_name: str, selection_set: SelectionSetNode, extra: tuple[DirectiveNode, ...] = ()
    ) -> Iterator[Flat]:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                yield sel, extra
                continue
            condition: NamedTypeNode | None
            if isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is None:
                    raise GatewayError(f"unknown fragment {sel.name.value!r}")
                condition, inner = frag.type_condition, frag.selection_set
            elif isinstance(sel, InlineFragmentNode):
                condition, inner = sel.type_condition, sel.selection_set
            else:  # pragma: no cover - the three selection kinds are covered
                continue
            if condition is not None and not self.applies(condition.name.value, type_name):
                continue  # a fragment on another type never applies to this object
            yield from self.flatten(type_name, inner, (*extra, *(sel.directives or ())))

    def applies(self, condition: str, type_name: str) -> bool:
        if condition == type_name:
            return True
        abstract, obj = self.sg.schema.get_type(condition), self.sg.schema.get_type(type_name)
        return (
            isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType)
            and isinstance(obj, GraphQLObjectType)
            and self.sg.schema.is_sub_type(abstract, obj)
        )

    def split_abstract(
        self,
        group: Group,
        abstract: GraphQLInterfaceType | GraphQLUnionType,
        selection_set: SelectionSetNode,
        path: tuple[str, ...],
        conditions: tuple[Condition, ...],
        provided: frozenset[str],
    ) -> list[SelectionNode]:
        """An interface or union: its own fields from the current subgraph, each type
        condition split as that object type; ``__typename`` always, to tell them apart."""
        out: list[SelectionNode] = [TYPENAME]
        for sel in selection_set.selections:
            own = _conditions(tuple(sel.directives or ()))
            if own is None:
                continue
            if isinstance(sel, FieldNode):
                name = sel.name.value
                if name == "__typename":
                    out.append(sel)
                    continue
                if isinstance(abstract, GraphQLUnionType) or not self.can_resolve(
                    group.subgraph, abstract.name, name, provided
                ):
                    raise GatewayError(
                        f"cannot plan {abstract.name}.{name}: subgraph {group.subgraph!r} "
                        "returns the interface but does not resolve this field"
                    )
                here = (*path, response_key(sel))
                out.append(self.descend(group, abstract, sel, here, conditions + own, provided))
                continue
            condition: NamedTypeNode | None
            if isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is None:
                    raise GatewayError(f"unknown fragment {sel.name.value!r}")
                condition, inner = frag.type_condition, frag.selection_set
            elif isinstance(sel, InlineFragmentNode):
                condition, inner = sel.type_condition, sel.selection_set
            else:  # pragma: no cover - the three selection kinds are covered
                continue
            t = self.sg.schema.get_type(condition.name.value) if condition else abstract
            if isinstance(t, GraphQLObjectType):
                flat = self.flatten(t.name, inner)
                parts = self.split(group, t, flat, path, conditions + own, provided)
            elif isinstance(t, GraphQLInterfaceType | GraphQLUnionType):
                parts = self.split_abstract(group, t, inner, path, conditions + own, provided)
            else:  # pragma: no cover - validation only lets composite types through
                continue
            if parts:
                out.append(
                    InlineFragmentNode(
                        type_condition=NamedTypeNode(name=NameNode(value=t.name)),
                        directives=tuple(sel.directives or ()),
                        selection_set=SelectionSetNode(selections=dedupe(parts)),
                    )
                )
        return out

    def object_type(self, name: str) -> GraphQLObjectType:
        t = self.sg.schema.get_type(name)
        if not isinstance(t, GraphQLObjectType):
            raise GatewayError(f"type {name}: interfaces and unions are not supported yet")
        return t

    def can_resolve(
        self, subgraph: str, type_name: str, name: str, provided: frozenset[str]
    ) -> bool:
        return subgraph in self.sg.resolvers(type_name, name) or f"{type_name}.{name}" in provided

    def target(
        self,
        type_name: str,
        name: str,
        current: str,
        provided: frozenset[str],
        *,
        only: str | None = None,
    ) -> tuple[str, Key]:
        for candidate in self.sg.resolvers(type_name, name):
            if only is not None and candidate != only:
                continue
            for key in self.sg.entity_keys(type_name, candidate):
                where = f"@key on {type_name} in {candidate!r}"
                fields = parse_field_set(key.fields, where=where).selections
                if all(
                    isinstance(f, FieldNode)
                    and (
                        self.can_resolve(current, type_name, f.name.value, provided)
                        or self.sg.defines(type_name, f.name.value, current)  # an @external key
                    )
                    for f in fields
                ):
                    return candidate, key
        raise GatewayError(
            f"cannot plan {type_name}.{name}: no subgraph resolving it has a @key that "
            f"subgraph {current!r} can supply"
        )

    def provided_by(
        self, subgraph: str, type_name: str, name: str, child_type: str
    ) -> frozenset[str]:
        fields = self.sg.provides(type_name, name, subgraph)
        if not fields:
            return frozenset()
        selection = parse_field_set(fields, where=f"@provides on {type_name}.{name}")
        out: set[str] = set()

        def walk(t: str, s: SelectionSetNode) -> None:
            for f in s.selections:
                if isinstance(f, FieldNode):
                    out.add(f"{t}.{f.name.value}")
                    if f.selection_set is not None:
                        inner = get_named_type(self.object_type(t).fields[f.name.value].type)
                        walk(inner.name, f.selection_set)

        walk(child_type, selection)
        return frozenset(out)

    def child(
        self,
        parent: Group,
        subgraph: str,
        type_name: str,
        path: tuple[str, ...],
        conditions: tuple[Condition, ...],
    ) -> Group:
        for c in parent.children:
            if (c.subgraph, c.type_name, c.path, c.conditions) == (
                subgraph,
                type_name,
                path,
                conditions,
            ):
                self.touched.append(c)
                return c
        created = Group(subgraph=subgraph, path=path, type_name=type_name, conditions=conditions)
        parent.children.append(created)
        self.touched.append(created)
        return created

    def descend(
        self,
        group: Group,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        f: FieldNode,
        path: tuple[str, ...],
        conditions: tuple[Condition, ...],
        provided: frozenset[str],
    ) -> FieldNode:
        if f.selection_set is None:
            return f
        child_type = get_named_type(parent.fields[f.name.value].type)
        selections: list[SelectionNode]
        if isinstance(child_type, GraphQLInterfaceType | GraphQLUnionType):
            selections = self.split_abstract(
                group, child_type, f.selection_set, path, conditions, provided
            )
        else:
            inner = self.object_type(child_type.name)
            provided = provided | self.provided_by(
                group.subgraph, parent.name, f.name.value, inner.name
            )
            selections = self.split(
                group, inner, self.flatten(inner.name, f.selection_set), path, conditions, provided
            )
        return FieldNode(
            alias=f.alias,
            name=f.name,
            arguments=f.arguments,
            directives=f.directives,
            selection_set=SelectionSetNode(selections=dedupe(selections)),
        )

    def split(
        self,
        group: Group,
        parent: GraphQLObjectType,
        fields: Iterator[Flat],
        path: tuple[str, ...],
        conditions: tuple[Condition, ...],
        provided: frozenset[str],
    ) -> list[SelectionNode]:
        out: list[SelectionNode] = []
        for f, extra in fields:
            own = _conditions((*(f.directives or ()), *extra))
            if own is None:
                continue
            conds = conditions + own
            name = f.name.value
            if name == "__typename":
                out.append(_wrap(f, extra))
                continue
            if name not in parent.fields:
                raise GatewayError(f"unknown field {parent.name}.{name}")
            here = (*path, response_key(f))
            local = self.can_resolve(group.subgraph, parent.name, name, provided)
            if local and not self.sg.requires(parent.name, name, group.subgraph):
                out.append(_wrap(self.descend(group, parent, f, here, conds, provided), extra))
                continue
            # another subgraph, or this one once the fields it @requires are fetched
            target, key = self.target(
                parent.name, name, group.subgraph, provided, only=group.subgraph if local else None
            )
            key_fields = parse_field_set(key.fields, where=f"@key on {parent.name}").selections
            out += [TYPENAME, *internal(key_fields)]
            holder = group
            requires = self.sg.requires(parent.name, name, target)
            required: tuple[SelectionNode, ...] = ()
            if requires:
                where = f"@requires on {parent.name}.{name}"
                required = tuple(parse_field_set(requires, where=where).selections)
                self.touched = []
                flat = self.flatten(parent.name, SelectionSetNode(selections=internal(required)))
                out += self.split(group, parent, flat, path, conditions, provided)
                if self.touched:  # the required fields come from other fetches: after them
                    holder = self.touched[-1]
            c = self.child(holder, target, parent.name, path, conds)
            c.representation += [*key_fields, *required]
            c.selections.append(_wrap(self.descend(c, parent, f, here, conds, frozenset()), extra))
        return out

    def root_groups(self) -> list[Group]:
        """Query fields grouped per subgraph (run concurrently); mutation fields in order,
        consecutive fields of one subgraph together (run one after the other)."""
        kind = self.operation.operation
        if kind == OperationType.QUERY:
            root = self.sg.schema.query_type
        elif kind == OperationType.MUTATION:
            root = self.sg.schema.mutation_type
        else:
            raise GatewayError(f"{kind.value} operations are not supported by this gateway")
        if root is None:
            raise GatewayError(f"the supergraph has no {kind.value} type")
        groups: list[Group] = []
        for f, extra in self.flatten(root.name, self.operation.selection_set):
            name = f.name.value
            if name.startswith("__"):
                continue  # introspection is answered by the gateway itself
            resolvers = self.sg.resolvers(root.name, name)
            if not resolvers:
                raise GatewayError(f"unknown field {root.name}.{name}")
            if kind == OperationType.QUERY:
                used = [g for g in groups if g.subgraph in resolvers]
            else:
                used = groups[-1:] if groups and groups[-1].subgraph in resolvers else []
            group = used[0] if used else Group(subgraph=resolvers[0], operation_type=kind.value)
            selections = self.split(group, root, iter([(f, extra)]), (), (), frozenset())
            if selections:  # a statically skipped field asks nothing
                if group not in groups:
                    groups.append(group)
                group.selections += selections
        return groups


def plan(supergraph: Supergraph, document: DocumentNode, operation_name: str | None) -> QueryPlan:
    """Plan a validated operation of ``document``; ``GatewayError`` when it cannot be."""
    operation = operation_of(document, operation_name)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    planner = _Planner(supergraph, operation, fragments)
    index = [0]
    roots = tuple(build_fetch(g, operation, index) for g in planner.root_groups())
    sequential = operation.operation == OperationType.MUTATION
    return QueryPlan(operation_name=operation_name, roots=roots, sequential=sequential)

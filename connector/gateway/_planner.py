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

from collections.abc import Iterator, Mapping
from dataclasses import replace

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
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
    get_named_type,
)

from connector.errors import GatewayError
from connector.gateway._fanout import VARIABLES, fan_out, planned_field
from connector.gateway._fetches import (
    TYPENAME,
    Group,
    build_fetch,
    dedupe,
    internal,
    response_key,
)
from connector.gateway._interface_object import interface_of, is_interface_object
from connector.gateway._partitions import FanOut
from connector.gateway._plan import Condition, QueryPlan
from connector.gateway._sdl import Key, parse_field_set
from connector.gateway._selections import Flat, Fragments, _conditions, _wrap, provided_by
from connector.gateway._selections import operation_of as operation_of
from connector.gateway._supergraph import Supergraph


class _Planner:
    def __init__(
        self,
        supergraph: Supergraph,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
    ) -> None:
        self.sg = supergraph
        self.operation = operation
        self.fragments = Fragments(supergraph.schema, fragments)
        self.touched: list[Group] = []  # entity groups used while planning @requires

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
        if isinstance(abstract, GraphQLInterfaceType) and is_interface_object(
            self.sg, group.subgraph, abstract.name
        ):
            return self.through_interface(group, abstract, selection_set, path, conditions)
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
                here = (*path, response_key(sel))
                if isinstance(abstract, GraphQLInterfaceType) and not self.can_resolve(
                    group.subgraph, abstract.name, name, provided
                ):
                    out += self.interface_entity(group, abstract, sel, here, conditions + own)
                    continue
                if isinstance(abstract, GraphQLUnionType):
                    raise GatewayError(f"cannot select {name} on union {abstract.name}")
                out.append(self.descend(group, abstract, sel, here, conditions + own, provided))
                continue
            condition, inner = self.fragments.fragment(sel)
            t = self.sg.schema.get_type(condition.name.value) if condition else abstract
            if isinstance(t, GraphQLObjectType):
                flat = self.fragments.flatten(t.name, inner)
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

    def interface_entity(
        self,
        group: Group,
        abstract: GraphQLInterfaceType,
        f: FieldNode,
        here: tuple[str, ...],
        conditions: tuple[Condition, ...],
        extra: tuple[DirectiveNode, ...] = (),
    ) -> list[SelectionNode]:
        """A field of an interface entity resolved elsewhere (an ``@interfaceObject``):
        an ``_entities`` fetch of the interface, for objects of every implementation."""
        target, key = self.target(abstract.name, f.name.value, group.subgraph, frozenset())
        key_fields = parse_field_set(key.fields, where=f"@key on {abstract.name}").selections
        c = self.child(group, target, abstract.name, here[:-1], conditions)
        c.matches = tuple(t.name for t in self.sg.schema.get_possible_types(abstract))
        c.representation += key_fields
        field = self.descend(c, abstract, f, here, conditions, frozenset())
        c.selections.append(_wrap(field, extra))
        return [TYPENAME, *internal(key_fields)]

    def through_interface(
        self,
        group: Group,
        abstract: GraphQLInterfaceType,
        selection_set: SelectionSetNode,
        path: tuple[str, ...],
        conditions: tuple[Condition, ...],
    ) -> list[SelectionNode]:
        """An interface returned by a subgraph that only has it as an ``@interfaceObject``
        (objects typed as the interface): the whole selection from a subgraph defining
        the interface, which knows each object's concrete type."""
        for name, s in self.sg.subgraphs.items():
            t = s.types.get(abstract.name)
            keys = self.sg.entity_keys(abstract.name, name)
            if t is not None and t.kind == "interface" and keys:
                key_fields = parse_field_set(keys[0].fields, where=f"@key on {abstract.name}")
                c = self.child(group, name, abstract.name, path, conditions)
                c.representation += key_fields.selections
                c.selections += self.split_abstract(
                    c, abstract, selection_set, path, conditions, frozenset()
                )
                return [TYPENAME, *internal(key_fields.selections)]
        raise GatewayError(f"cannot plan {abstract.name}: no subgraph defines the interface")

    def object_type(self, name: str) -> GraphQLObjectType:
        t = self.sg.schema.get_type(name)
        if not isinstance(t, GraphQLObjectType):
            raise GatewayError(f"type {name}: interfaces and unions are not supported yet")
        return t

    def can_resolve(
        self, subgraph: str, type_name: str, name: str, provided: frozenset[str]
    ) -> bool:
        return subgraph in self.sg.resolvers(type_name, name) or f"{type_name}.{name}" in provided

    def everywhere(self, group: Group, type_name: str, name: str) -> bool:
        """Whether every holder a partitioned fetch is sent to resolves the field (else it
        comes from those that do, by key, and is null for the others' rows)."""
        if group.fanout is None:
            return True
        resolvers = self.sg.resolvers(type_name, name)
        return all(h in resolvers for h in group.fanout.asked_of())

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
        part = self.sg.partitions.of(type_name)
        if part is not None and part.holder(subgraph) is not None:  # routed to key holders
            created.fanout = FanOut(type_name, "entities", part.key, part.holders)
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
            provided = provided | provided_by(
                self.sg, group.subgraph, parent.name, f.name.value, inner.name
            )
            selections = self.split(
                group,
                inner,
                self.fragments.flatten(inner.name, f.selection_set),
                path,
                conditions,
                provided,
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
            local = self.can_resolve(
                group.subgraph, parent.name, name, provided
            ) and self.everywhere(group, parent.name, name)
            if local and not self.sg.requires(parent.name, name, group.subgraph):
                out.append(_wrap(self.descend(group, parent, f, here, conds, provided), extra))
                continue
            iface = None if local else interface_of(self.sg, parent, name)
            if iface is not None:  # added to the interface by an @interfaceObject
                out += self.interface_entity(group, iface, f, here, conds, extra)
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
                flat = self.fragments.flatten(
                    parent.name, SelectionSetNode(selections=internal(required))
                )
                out += self.split(group, parent, flat, path, conditions, provided)
                if self.touched:  # the required fields come from other fetches: after them
                    holder = self.touched[-1]
            c = self.child(holder, target, parent.name, path, conds)
            if c.fanout is not None:  # only the holders resolving the field are asked
                resolvers = self.sg.resolvers(parent.name, name)
                only = tuple(s for s in c.fanout.asked_of() if s in resolvers)
                c.fanout = replace(c.fanout, only=only)
            c.representation += [*key_fields, *required]
            c.selections.append(_wrap(self.descend(c, parent, f, here, conds, frozenset()), extra))
        return out

    def fan_out_group(
        self, root: GraphQLObjectType, f: FieldNode, extra: tuple[DirectiveNode, ...], fan: FanOut
    ) -> Group:
        """Its own fetch, planned on the first holder (every holder agrees on the shape)."""
        group = Group(subgraph=fan.holders[0].subgraph, fanout=fan, own_variables=dict(VARIABLES))
        planned = self.split(group, root, iter([(f, ())]), (), (), frozenset())
        group.selections += [
            _wrap(planned_field(s, fan), extra) if isinstance(s, FieldNode) else s for s in planned
        ]
        return group

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
        for f, extra in self.fragments.flatten(root.name, self.operation.selection_set):
            name = f.name.value
            if name.startswith("__"):
                continue  # introspection is answered by the gateway itself
            resolvers = self.sg.resolvers(root.name, name)
            if not resolvers:
                raise GatewayError(f"unknown field {root.name}.{name}")
            fan = fan_out(self.sg, root, f) if kind == OperationType.QUERY else None
            if fan is not None:  # a partitioned type's root field: asked of every holder
                groups.append(self.fan_out_group(root, f, extra, fan))
                continue
            if kind == OperationType.QUERY:
                used = [g for g in groups if g.subgraph in resolvers and g.fanout is None]
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

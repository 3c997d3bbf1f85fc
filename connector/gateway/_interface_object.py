"""``@interfaceObject``: a subgraph adds fields to an interface entity of another subgraph
without knowing its implementations; the supergraph gives those fields to every
implementation too (resolved through an ``_entities`` fetch of the interface)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from graphql import (
    ConstDirectiveNode,
    FieldDefinitionNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    InputValueDefinitionNode,
)

from connector.gateway._sdl import Subgraph, SubgraphType, directive_name
from connector.gateway._supergraph import FieldOwners, Supergraph


def interface_object_fields(
    by_type: Mapping[str, Sequence[tuple[Subgraph, SubgraphType]]],
    interfaces: Iterable[str],
    have: set[str],
    *,
    kept: Callable[[Any], tuple[ConstDirectiveNode, ...]],
) -> tuple[list[FieldDefinitionNode], dict[str, FieldOwners]]:
    """The fields the ``@interfaceObject`` types of ``interfaces`` add to an implementation
    already having the fields ``have``, and their owners."""
    nodes: list[FieldDefinitionNode] = []
    owners: dict[str, FieldOwners] = {}
    for i in interfaces:
        for s, t in by_type.get(i, ()):
            if not t.interface_object:
                continue
            for f in t.fields.values():
                node = f.node
                if f.name in have or f.inaccessible or not isinstance(node, FieldDefinitionNode):
                    continue
                have.add(f.name)
                owners[f.name] = FieldOwners(resolvers=(s.name,), requires={}, provides={})
                nodes.append(
                    FieldDefinitionNode(
                        name=node.name,
                        description=node.description,
                        arguments=tuple(strip_argument(a) for a in node.arguments or ()),
                        type=node.type,
                        directives=kept(node.directives),
                    )
                )
    return nodes, owners


def strip_argument(node: InputValueDefinitionNode) -> InputValueDefinitionNode:
    """An argument without its subgraph directives (``@deprecated`` kept)."""
    return InputValueDefinitionNode(
        name=node.name,
        description=node.description,
        type=node.type,
        default_value=node.default_value,
        directives=tuple(d for d in node.directives or () if directive_name(d) == "deprecated"),
    )


def is_interface_object(sg: Supergraph, subgraph: str, type_name: str) -> bool:
    t = sg.subgraphs[subgraph].types.get(type_name)
    return t is not None and t.interface_object


def interface_of(
    sg: Supergraph, parent: GraphQLObjectType, name: str
) -> GraphQLInterfaceType | None:
    """The interface of ``parent`` whose ``@interfaceObject`` resolves ``name``."""
    for i in parent.interfaces:
        interface: GraphQLInterfaceType = i
        owners = sg.resolvers(interface.name, name)
        if name in interface.fields and any(
            is_interface_object(sg, s, interface.name) for s in owners
        ):
            return interface
    return None

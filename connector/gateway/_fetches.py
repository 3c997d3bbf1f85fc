"""Planned groups of selections, and the :class:`Fetch` each becomes: the subgraph
operation printed (``_entities`` for entity fetches), with its variables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    FieldNode,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    print_ast,
    visit,
)

from connector.gateway._partitions import FanOut
from connector.gateway._plan import Condition, Fetch

TYPENAME = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
INTERNAL = "_gw_"  # the alias prefix of the fields the gateway asks for its own joins


def internal(selections: Sequence[SelectionNode]) -> tuple[SelectionNode, ...]:
    """Key and ``@requires`` fields under the gateway's own aliases (``_gw_rnbId: rnbId``),
    so they never collide with a client's field of the same response key."""
    return tuple(
        FieldNode(
            alias=NameNode(value=INTERNAL + s.name.value),
            name=s.name,
            arguments=s.arguments,
            directives=s.directives,
            selection_set=s.selection_set,
        )
        if isinstance(s, FieldNode)
        else s
        for s in selections
    )


@dataclass
class Group:
    """The selections one fetch will ask a subgraph, while planning."""

    subgraph: str
    path: tuple[str, ...] = ()
    type_name: str | None = None
    conditions: tuple[Condition, ...] = ()
    selections: list[SelectionNode] = field(default_factory=list)
    representation: list[SelectionNode] = field(default_factory=list)
    children: list[Group] = field(default_factory=list)
    operation_type: str = "query"
    matches: tuple[str, ...] = ()  # see Fetch.matches
    fanout: FanOut | None = None  # see Fetch.fanout
    own_variables: dict[str, str] = field(default_factory=dict)  # the gateway's, declared


def dedupe(selections: Sequence[SelectionNode]) -> tuple[SelectionNode, ...]:
    return tuple({print_ast(s): s for s in selections}.values())


def response_key(f: FieldNode) -> str:
    return f.alias.value if f.alias else f.name.value


class _VariableNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        if node.name.value not in self.names:
            self.names.append(node.name.value)


def build_fetch(group: Group, operation: OperationDefinitionNode, index: list[int]) -> Fetch:
    """The :class:`Fetch` of a planned group and its children, with the subgraph operation
    printed and only the variables it uses declared."""
    index[0] += 1
    op_name = operation.name.value if operation.name else "Anonymous"
    name = f"{op_name}__{group.subgraph}__{index[0]}"
    selections = SelectionSetNode(selections=dedupe(group.selections))
    body = ""
    if group.type_name is not None:
        fragment = InlineFragmentNode(
            type_condition=NamedTypeNode(name=NameNode(value=group.type_name)),
            directives=(),
            selection_set=selections,
        )
        body = print_ast(fragment)
        entities = FieldNode(
            name=NameNode(value="_entities"),
            arguments=(_representations_argument(),),
            directives=(),
            selection_set=SelectionSetNode(selections=(fragment,)),
        )
        selections = SelectionSetNode(selections=(entities,))
    finder = _VariableNames()
    visit(selections, finder)
    used = [n for n in finder.names if n != "representations"]
    defs = {d.variable.name.value: print_ast(d) for d in operation.variable_definitions or ()}
    defs.update(group.own_variables)
    variable_definitions = tuple(defs[n] for n in used)
    header = [*(["$representations: [_Any!]!"] if group.type_name else []), *variable_definitions]
    args = f"({', '.join(header)})" if header else ""
    text = f"{group.operation_type} {name}{args} {print_ast(selections)}"
    children = tuple(build_fetch(c, operation, index) for c in group.children)
    return Fetch(
        subgraph=group.subgraph,
        operation=text,
        name=name,
        body=body,
        variable_definitions=variable_definitions,
        variables=tuple(used),
        path=group.path,
        type_name=group.type_name,
        representation=(
            SelectionSetNode(selections=dedupe(group.representation)) if group.type_name else None
        ),
        conditions=group.conditions,
        children=children,
        fields=tuple(dict.fromkeys(_keys(group.selections))),
        idempotent=group.operation_type == "query",
        matches=group.matches,
        fanout=group.fanout,
    )


def _keys(selections: Sequence[SelectionNode]) -> Iterator[str]:
    for s in selections:
        if isinstance(s, FieldNode):
            if s.name.value != "__typename":
                yield response_key(s)
        elif isinstance(s, InlineFragmentNode):
            yield from _keys(s.selection_set.selections)


def _representations_argument() -> ArgumentNode:
    return ArgumentNode(
        name=NameNode(value="representations"),
        value=VariableNode(name=NameNode(value="representations")),
    )

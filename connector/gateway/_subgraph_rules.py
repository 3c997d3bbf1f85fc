"""A subgraph's own Federation rules, checked before merging as Apollo composition does:
``@key``, ``@requires`` and ``@provides`` field sets (fields that exist, take no arguments,
select leaves or sub-selections; no interface or union in a key), ``@external`` fields that
must be external (in a ``@requires``/``@provides``) or be used, entity interface keys on
each implementation. Each problem carries Apollo's code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    FieldDefinitionNode,
    FieldNode,
    ListTypeNode,
    NonNullTypeNode,
    TypeNode,
    print_ast,
)

from connector.errors import GatewayError
from connector.gateway._sdl import Subgraph, SubgraphField, SubgraphType, parse_field_set

COMPOSITE = frozenset({"object", "interface", "union"})
ABSTRACT = frozenset({"interface", "union"})


def _named(t: TypeNode) -> str:
    while isinstance(t, NonNullTypeNode | ListTypeNode):
        t = t.type
    return print_ast(t)


@dataclass
class SubgraphRules:
    """The problems found in one subgraph, and the fields its ``@provides`` name."""

    problems: list[tuple[str, str]] = field(default_factory=list)  # (Apollo's code, message)
    provided: set[tuple[str, str, str]] = field(default_factory=set)  # (subgraph, type, field)

    def problem(self, code: str, message: str) -> None:
        self.problems.append((code, message))

    def field_set(
        self, s: Subgraph, type_name: str, fields: str, *, directive: str, where: str
    ) -> list[tuple[str, str, bool]]:
        """The (type, field, top-level) a field set selects in ``s``; its problems reported
        with the directive's codes (``KEY_INVALID_FIELDS``, ``REQUIRES_FIELDS_HAS_ARGS``...)."""
        prefix = directive.upper()
        try:
            selection = parse_field_set(fields, where=where)
        except GatewayError as exc:
            self.problem(f"{prefix}_INVALID_FIELDS", str(exc))
            return []
        out: list[tuple[str, str, bool]] = []
        todo = [(type_name, selection, True)]
        while todo:
            parent, sel_set, top = todo.pop()
            t = s.types.get(parent)
            for sel in sel_set.selections:
                if not isinstance(sel, FieldNode):
                    continue
                name = sel.name.value
                f = t.fields.get(name) if t else None
                if f is None:
                    what = "key field" if directive == "key" else "field"
                    self.problem(
                        f"{prefix}_INVALID_FIELDS",
                        f"{where}: {what} {parent}.{name} is not defined in subgraph {s.name!r}",
                    )
                    continue
                out.append((parent, name, top))
                if isinstance(f.node, FieldDefinitionNode) and f.node.arguments:
                    self.problem(
                        f"{prefix}_FIELDS_HAS_ARGS",
                        f"{where}: field {parent}.{name} has arguments",
                    )
                target = s.types.get(_named(f.type))
                composite = target is not None and target.kind in COMPOSITE
                if directive == "key" and target is not None and target.kind in ABSTRACT:
                    self.problem(
                        "KEY_FIELDS_SELECT_INVALID_TYPE",
                        f"{where}: field {parent}.{name} is of {target.kind} type "
                        f"{target.name}, not allowed in @key",
                    )
                elif composite != (sel.selection_set is not None):
                    self.problem(
                        f"{prefix}_INVALID_FIELDS",
                        f"{where}: field {parent}.{name} "
                        + ("needs a selection" if composite else "takes no selection"),
                    )
                elif target is not None and sel.selection_set is not None:
                    todo.append((target.name, sel.selection_set, False))
        return out

    def check(self, s: Subgraph) -> None:
        """One subgraph's own directive rules: @key, @requires and @provides field sets,
        @external fields that must be (or be used), entity interface keys."""
        used: set[tuple[str, str]] = set()
        for t in s.types.values():
            for k in t.keys:
                where = f"subgraph {s.name!r}, type {t.name!r}, @key(fields: {k.fields!r})"
                keyed = self.field_set(s, t.name, k.fields, directive="key", where=where)
                used |= {(p, f) for p, f, _ in keyed}
            for f in t.fields.values():
                used |= self.check_field(s, t, f)
            self.check_interface_keys(s, t)
        if not s.federation2:
            return  # Federation 1: Apollo drops unused @external fields
        for t in s.types.values():
            inherited = {f for i in t.interfaces if i in s.types for f in s.types[i].fields}
            for f in t.fields.values():
                if f.external and (t.name, f.name) not in used and f.name not in inherited:
                    self.problem(
                        "EXTERNAL_UNUSED",
                        f"subgraph {s.name!r}: field {t.name}.{f.name} is @external but "
                        "no @key, @requires, @provides or interface uses it",
                    )

    def check_interface_keys(self, s: Subgraph, t: SubgraphType) -> None:
        """An entity interface's keys are keys of each implementation in the subgraph."""
        if t.kind != "interface" or not t.keys:
            return
        for impl in s.types.values():
            if t.name in impl.interfaces:
                theirs = {" ".join(k.fields.split()) for k in impl.keys}
                for k in t.keys:
                    if " ".join(k.fields.split()) not in theirs:
                        self.problem(
                            "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                            f"subgraph {s.name!r}: @key(fields: {k.fields!r}) of interface "
                            f"{t.name} is missing on its implementation {impl.name}",
                        )

    def check_field(self, s: Subgraph, t: SubgraphType, f: SubgraphField) -> set[tuple[str, str]]:
        used: set[tuple[str, str]] = set()
        for directive, fields, on in (
            ("requires", f.requires, t.name),
            ("provides", f.provides, _named(f.type)),
        ):
            if fields is None:
                continue
            where = f"subgraph {s.name!r}, field {t.name}.{f.name} @{directive}({fields!r})"
            selected = self.field_set(s, on, fields, directive=directive, where=where)
            used |= {(p, n) for p, n, _ in selected}
            if directive == "provides":
                self.provided |= {(s.name, p, n) for p, n, _ in selected}
            for parent, name, top in selected:
                if top and s.federation2 and not s.types[parent].fields[name].external:
                    self.problem(
                        f"{directive.upper()}_FIELDS_MISSING_EXTERNAL",
                        f"{where}: {parent}.{name} must be declared @external "
                        f"in subgraph {s.name!r}",
                    )
        return used


def check_subgraph(s: Subgraph) -> SubgraphRules:
    """Every rule of one subgraph (an empty ``problems`` when it keeps them all)."""
    rules = SubgraphRules()
    rules.check(s)
    return rules

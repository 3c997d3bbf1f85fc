"""What an operation uses, worked out before execution from the fields' annotations.

The walk reads, for every field the document selects (in every operation and fragment,
so a document is never judged by less than what executes), its :class:`~._reads.Reads`
annotation and its arguments, and states the dataset uses
(:class:`~connector.usage.Use`) the field makes: rows read, filters and orderings,
``_entities`` representations, and for computed fields what they aggregate or derive,
over which window, in which buckets, cut by which filters. It knows nothing else of the
schema: no naming rule, no field name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    is_introspection_type,
    visit,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values

from connector.graphql._reads import Computation, Reads, reads_of
from connector.usage import Action, Use, Window

_CUT_OPS = ("eq", "in", "gt", "lte")


@dataclass
class Analysis:
    """Every use of the request, and the computed uses of each field instance (keyed by
    the identity of its field node, which execution hands to the resolver)."""

    uses: list[Use] = field(default_factory=list)
    computed: dict[int, tuple[Use, ...]] = field(default_factory=dict)

    def add(self, uses: Sequence[Use]) -> None:
        self.uses.extend(uses)


def _value(v: Any) -> Any:
    return v.value if hasattr(v, "value") else v


def _window(ops: Mapping[str, Any] | None, zone: str) -> Window | None:
    """The time a filter on the time field leaves: ``gte`` and ``lt`` bound a span; any
    other operator selects instants."""
    if not ops:
        return None
    given = {k: v for k, v in ops.items() if v is not None}
    if not given:
        return None
    cut = any(k in _CUT_OPS for k in given) or any(
        isinstance(v, datetime) and v.utcoffset() is None for v in given.values()
    )
    return Window(start=given.get("gte"), end=given.get("lt"), zone=zone, cut=cut)


def _period(args: Mapping[str, Any], zone: str) -> Window:
    start, end = args.get("from"), args.get("to")
    naive = any(isinstance(v, datetime) and v.utcoffset() is None for v in (start, end))
    return Window(start=start, end=end, zone=zone, cut=naive)


def _statistic(c: Computation, args: Mapping[str, Any]) -> list[Use]:
    filt = {k: v for k, v in (args.get("filter") or {}).items() if v is not None}
    bucket = args.get("bucket") or None
    used = [str(_value(args.get("field")))]
    used += [str(_value(g)) for g in args.get("groupBy") or ()]
    used += list(filt)
    unit = None
    if bucket:
        used.append(str(_value(bucket["field"])))
        unit = str(_value(bucket["unit"]))
    window = _window(filt.get(c.time_field), c.zone) if c.time_field else None
    grouped = [str(_value(g)) for g in args.get("groupBy") or ()]
    cuts = tuple(sorted({k for k in (*filt, *grouped) if k not in c.dims and k != c.time_field}))
    datasets = sorted({c.inputs[f] for f in used if f in c.inputs})
    return [
        Use(
            dataset=ds,
            action=c.action,
            bucket=unit,  # type: ignore[arg-type]
            window=window,
            cuts=cuts,
            level=c.level,
        )
        for ds in datasets
    ]


def _derivation(
    c: Computation, args: Mapping[str, Any], outer: Mapping[str, Any] | None
) -> list[Use]:
    window = None
    if c.period and not c.outer:
        window = _period(args, c.zone)
    elif c.period:
        # the enclosing field's period; unknown (a named fragment read on its own):
        # judged as if it selected instants, the strictest level
        window = _period(outer, c.zone) if outer is not None else Window(zone=c.zone, cut=True)
    datasets = sorted({c.inputs[f] for f in c.used if f in c.inputs})
    return [
        Use(dataset=ds, action=c.action, bucket=c.bucket, window=window, level=c.level)
        for ds in datasets
    ]


def uses_of(
    reads: Reads, args: Mapping[str, Any], outer: Mapping[str, Any] | None = None
) -> tuple[list[Use], list[Use]]:
    """The reads and the computed uses one field instance makes with ``args``; ``outer``
    are the arguments of the field enclosing it (None: not known)."""
    read = set(reads.read)
    filt = args.get("filter") or {}
    named = [k for k, v in filt.items() if v is not None]
    named += [str(_value(o.get("field"))) for o in args.get("orderBy") or () if o]
    read |= {reads.arguments[n] for n in named if n in reads.arguments}
    if reads.representations is not None:
        for rep in args.get("representations") or ():
            if isinstance(rep, Mapping):
                read |= set(reads.representations.get(str(rep.get("__typename")), ()))
    computed: list[Use] = []
    for c in reads.computes:
        if c.action is Action.AGGREGATE:
            computed += _statistic(c, args)
        else:
            computed += _derivation(c, args, outer)
    return [Use(dataset=ds, action=Action.READ) for ds in sorted(read)], computed


class _Walker(Visitor):
    def __init__(self, schema: GraphQLSchema, type_info: TypeInfo, raw: Mapping[str, Any]):
        super().__init__()
        self.schema = schema
        self.type_info = type_info
        self.raw = dict(raw)
        self.variables: VariableValues | None = None
        self.found = Analysis()
        self.enclosing: list[Mapping[str, Any]] = []
        """The arguments of the fields entered and not yet left, innermost last."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
        self.enclosing = []
        coerced = get_variable_values(self.schema, node.variable_definitions or (), self.raw)
        self.variables = coerced if isinstance(coerced, VariableValues) else None

    def enter_fragment_definition(self, *_: object) -> None:
        self.enclosing = []

    def leave_field(self, *_: object) -> None:
        self.enclosing.pop()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        outer = self.enclosing[-1] if self.enclosing else None
        self.enclosing.append({})
        parent = self.type_info.get_parent_type()
        if node.name.value.startswith("__") or (
            parent is not None and is_introspection_type(parent)
        ):
            return  # introspection (``__schema``, ``__type`` and what they hold) reads no dataset
        field_def = self.type_info.get_field_def()
        if field_def is None:
            return  # not in the schema: validation refuses the document
        reads = reads_of(field_def)
        if reads is None:
            raise GraphQLError(f"field {node.name.value!r} has no usage declaration")
        try:
            args = get_argument_values(field_def, node, self.variables)
        except GraphQLError:
            args = {}  # execution reports the bad argument; nothing runs
        self.enclosing[-1] = args
        read, computed = uses_of(reads, args, outer)
        self.found.add(read)
        self.found.add(computed)
        if computed:
            known = self.found.computed.get(id(node), ())
            self.found.computed[id(node)] = tuple(dict.fromkeys((*known, *computed)))


def analyse(
    schema: GraphQLSchema, document: DocumentNode, *, variables: Mapping[str, Any] | None = None
) -> Analysis:
    """The uses ``document`` makes of the node's datasets (every operation and fragment)."""
    type_info = TypeInfo(schema)
    walker = _Walker(schema, type_info, variables or {})
    visit(document, TypeInfoVisitor(type_info, walker))
    return walker.found

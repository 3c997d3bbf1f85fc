"""Which datasets an operation touches, and how: worked out before execution.

Every GraphQL field of an entity type belongs to one dataset (the node configuration says
which); a query *reads* a dataset when it selects, filters or sorts on one of its fields,
and *aggregates* it when a ``...Stats`` field computes over its fields. An entity is only
visible with its identity, so any field of an entity also reads the dataset of its key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values

from connector.config import NodeConfig
from connector.model import ENTITIES, EntityType

BUCKET_DURATIONS = {"hour": "PT1H", "day": "P1D", "week": "P7D", "month": "P1M", "year": "P1Y"}
WHOLE_PERIOD = "P100Y"
"""The aggregation level of statistics without time buckets: the whole period."""


@dataclass
class Touched:
    """Per dataset id: whether rows are read, and the aggregation levels asked for."""

    read: set[str] = field(default_factory=set)
    aggregate: dict[str, set[str]] = field(default_factory=dict)
    derive: dict[str, set[str]] = field(default_factory=dict)

    def add_aggregate(self, dataset: str, level: str) -> None:
        self.aggregate.setdefault(dataset, set()).add(level)

    def add_derive(self, dataset: str, level: str) -> None:
        self.derive.setdefault(dataset, set()).add(level)

    @property
    def datasets(self) -> set[str]:
        return self.read | set(self.aggregate) | set(self.derive)


class _Walker(Visitor):
    def __init__(
        self,
        schema: GraphQLSchema,
        config: NodeConfig,
        type_info: TypeInfo,
        variables: Mapping[str, Any],
    ) -> None:
        super().__init__()
        self.schema = schema
        self.config = config
        self.type_info = type_info
        self.raw_variables = dict(variables)
        self.variables: VariableValues | None = None
        self.touched = Touched()
        self.by_stats = {f"{e[0].lower()}{e[1:]}Stats": e for e in config.entities}
        self.by_connection = {f"{e}Connection": e for e in config.entities}

    def _read(self, entity: str, field_name: str) -> None:
        ds = self.config.dataset_of(entity, field_name)
        if ds is not None:
            self.touched.read.add(ds.id)

    def _read_entity(self, entity: EntityType, fields: list[str]) -> None:
        self._read(entity.name, entity.key)
        for f in fields:
            if f in self.config.entities[entity.name].fields:
                self._read(entity.name, f)

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
        coerced = get_variable_values(
            self.schema, node.variable_definitions or (), self.raw_variables
        )
        self.variables = coerced if isinstance(coerced, VariableValues) else None

    def _args(self, node: FieldNode) -> dict[str, Any]:
        field_def = self.type_info.get_field_def()
        if field_def is None:
            return {}
        try:
            return get_argument_values(field_def, node, self.variables)
        except Exception:
            return {}

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        if parent is None:
            return
        pname, fname = parent.name, node.name.value
        if fname.startswith("__"):
            return
        if fname == "indoorAir" and pname in ("Space", "Building"):
            self._indoor_air(pname, node)
        elif fname == "carbon" and pname == "Building":
            self._carbon()
        elif pname in self.config.entities:
            self._entity_field(ENTITIES[pname], fname, node)
        elif pname in self.by_connection:
            self._read(self.by_connection[pname], ENTITIES[self.by_connection[pname]].key)
        elif pname == "Query":
            self._root_field(fname, node)

    def _carbon(self) -> None:
        from connector.graphql._carbon import LOCAL

        for entity, f in LOCAL:
            if entity in self.config.entities and (ds := self.config.dataset_of(entity, f)):
                self.touched.add_derive(ds.id, "P1Y")
        self._read_entity(ENTITIES["Building"], [])

    def _indoor_air(self, parent: str, node: FieldNode) -> None:
        from connector.graphql._indoor import NEEDED, indoor_level

        args = self._args(node)
        level = indoor_level(args.get("from"), args.get("to"))
        for f in NEEDED:
            ds = self.config.dataset_of("Observation", f)
            if ds is not None:
                self.touched.add_derive(ds.id, level)
        self._read_entity(ENTITIES["Space"], ["rnbId"] if parent == "Building" else [])

    def _entity_field(self, entity: EntityType, fname: str, node: FieldNode) -> None:
        if fname in entity.field_names:
            self._read_entity(entity, [fname])
            return
        fk = next((f.name for f in entity.fields if f.ref and _ref_name(f.name) == fname), None)
        if fk is not None:
            self._read_entity(entity, [fk])
            return
        rel = next((r for r in entity.relations if r.name == fname), None)
        if rel is not None and rel.target in self.config.entities:
            self._read_entity(entity, [])
            self._filtered(ENTITIES[rel.target], self._args(node), extra=[rel.via])

    def _filtered(
        self, entity: EntityType, args: Mapping[str, Any], extra: list[str] | None = None
    ) -> None:
        fields = list(extra or [])
        filt = args.get("filter") or {}
        fields += [k for k, v in filt.items() if v is not None]
        fields += [
            o["field"].value if hasattr(o["field"], "value") else str(o["field"])
            for o in args.get("order_by") or args.get("orderBy") or ()
        ]
        self._read_entity(entity, fields)

    def _root_field(self, fname: str, node: FieldNode) -> None:
        named = self.type_info.get_type()
        target = get_named_type(named).name if named is not None else ""
        if fname in self.by_stats:
            self._stats(ENTITIES[self.by_stats[fname]], self._args(node))
        elif target.endswith("Connection") and target[:-10] in self.config.entities:
            self._filtered(ENTITIES[target[:-10]], self._args(node))
        elif target in self.config.entities:
            self._read_entity(ENTITIES[target], [])

    def _stats(self, entity: EntityType, args: Mapping[str, Any]) -> None:
        bucket = args.get("bucket")
        level = WHOLE_PERIOD
        if bucket:
            unit = bucket["unit"]
            level = BUCKET_DURATIONS[unit.value if hasattr(unit, "value") else str(unit)]
        fields = [_enum_value(args.get("field"))]
        fields += [_enum_value(g) for g in args.get("group_by") or args.get("groupBy") or ()]
        filt = args.get("filter") or {}
        fields += [k for k, v in filt.items() if v is not None]
        if bucket:
            fields.append(_enum_value(bucket["field"]))
        for f in fields:
            ds = self.config.dataset_of(entity.name, f)
            if ds is not None:
                self.touched.add_aggregate(ds.id, level)


def _enum_value(value: Any) -> str:
    return str(value.value) if hasattr(value, "value") else str(value)


def _ref_name(fk: str) -> str:
    if fk == "rnbId":
        return "building"
    return fk[:-2] if fk.endswith("Id") else f"{fk}Ref"


def analyse(
    schema: GraphQLSchema,
    document: DocumentNode,
    config: NodeConfig,
    *,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> Touched:
    """The datasets ``document`` reads and aggregates. Every operation and fragment of the
    document is walked, so a document holding several operations is judged by all of them
    (never less than what executes)."""
    del operation_name
    type_info = TypeInfo(schema)
    walker = _Walker(schema, config, type_info, variables or {})
    visit(document, TypeInfoVisitor(type_info, walker))
    return walker.touched

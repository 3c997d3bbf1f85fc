"""Builds a node's Federation v2 subgraph schema from the entity model and its config.

Each entity type the node maps becomes a GraphQL object type carrying ``@key`` and, on
the type and every field, ``@term(iri:)`` naming the ontology term it stands for.
Entity types the node only *refers to* (a Space's building, a material line's product)
become key-only stubs, so that the gateway can join them with the node that owns them.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from connector.errors import SourceError
from connector.graphql import _resolvers as rs
from connector.graphql._carbon import REQUIRES, Carbon, CarbonAssessment
from connector.graphql._carbon import ConstructionProject as ConstructionProjectRef
from connector.graphql._carbon import MaterialLine as MaterialLineRef
from connector.graphql._carbon_results import ProjectCarbonField, add_project_carbon
from connector.graphql._common import PartitionDirective, signed_resolver, term
from connector.graphql._compiled import CompiledPath, CompiledPlans
from connector.graphql._declare import VALUE_TYPES, Declarer
from connector.graphql._entities import EntitySchema
from connector.graphql._indoor import IndoorAir, IndoorAirReport
from connector.graphql._inputs import InputFactory, list_of
from connector.graphql._masking import MaskInternal
from connector.graphql._reads import attach
from connector.graphql._refused import RecordRefusals, limit_extensions
from connector.graphql._roots import add_root_fields
from connector.graphql._scalars import PY_TYPES, schema_config
from connector.graphql._usage import UsageExtension
from connector.model import ENTITIES, EntityType, Field, Relation
from connector.node import Node

log = logging.getLogger("guichet.graphql")


def reference_field_name(f: Field) -> str:
    """``rnbId -> building``, ``sensorId -> sensor``, ``productId -> product``."""
    if f.name == "rnbId":
        return "building"
    return f.name[:-2] if f.name.endswith("Id") else f"{f.name}Ref"


class SchemaBuilder:
    """One builder per node; :meth:`build` returns the strawberry federation schema."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.inputs = InputFactory()
        self.types: dict[str, Any] = {}
        self.filters: dict[str, Any] = {}
        self.orders: dict[str, Any] = {}
        self.connection_types: dict[str, Any] = {}
        self.stats_types: dict[str, Any] = {}
        self.group_types: dict[str, Any] = {}
        self.mapped = tuple(node.config.entities)
        self.stubs = self._stub_names()
        self.declared = Declarer(node)
        """What each field reads, attached to the schema like ``@term``."""

    def _stub_names(self) -> tuple[str, ...]:
        wanted: list[str] = []
        for name in self.mapped:
            for f in ENTITIES[name].fields:
                if f.ref and f.name in self.node.config.entities[name].fields:
                    wanted.append(f.ref)
        wanted += [e for e in ENTITIES if self.node.relations(e)]
        return tuple(n for n in dict.fromkeys(wanted) if n not in self.mapped)

    # -- object types --------------------------------------------------------------------
    def _object_type(self, entity: EntityType, fields: tuple[str, ...]) -> Any:
        ns: dict[str, Any] = {"__annotations__": {}}
        for fname in fields:
            f = entity.field(fname)
            py = PY_TYPES[f.type]
            ns["__annotations__"][fname] = py if fname == entity.key else py | None
            ns[fname] = strawberry.field(
                default=None, description=f.description, directives=[term(f.iri)]
            )
        ns["resolve_reference"] = classmethod(rs.reference_resolver(entity, self))
        self.declared.entity(entity, fields)
        cls = type(entity.name, (), ns)
        self.types[entity.name] = cls
        return cls

    def _add_reference_fields(self, entity: EntityType, fields: tuple[str, ...]) -> None:
        cls = self.types[entity.name]
        for fname in fields:
            f = entity.field(fname)
            if f.ref is None or f.ref not in self.types:
                continue
            fn = signed_resolver(
                rs.reference_field(f, ENTITIES[f.ref], self), [], self.types[f.ref] | None
            )
            self.declared.reference(entity, f.name, reference_field_name(f), f.ref)
            setattr(
                cls,
                reference_field_name(f),
                strawberry.field(
                    resolver=fn, description=f"The {f.ref} of `{f.name}`.", directives=[term(f.iri)]
                ),
            )

    def _add_relation(self, entity: EntityType, rel: Relation) -> None:
        target = ENTITIES[rel.target]
        limits = self.node.config.limits
        params: list[tuple[str, Any, Any]] = []
        doc = (
            f"{rel.description} Every one of them, at most {limits.max_page_size} "
            "(more is an error, never a silent cut)."
        )
        if rel.paged:
            params = [
                ("filter", self.filters[target.name] | None, None),
                ("order_by", list_of(self.orders[target.name]) | None, None),
                ("first", int | None, None),
            ]
            doc = (
                f"{rel.description} The first `first` of them "
                f"(default {limits.default_page_size}, at most {limits.max_page_size})."
            )
        returns = list_of(self.types[target.name]) | None
        fn = signed_resolver(rs.relation_field(entity, rel, self), params, returns)
        self.declared.relation(entity, rel)
        field = strawberry.field(resolver=fn, directives=[term(rel.iri)], description=doc)
        setattr(self.types[entity.name], rel.name, field)

    def partition(self, name: str) -> PartitionDirective | None:
        """``@partition`` when this node holds only some instances of ``name``: the type,
        its fields, its root fields and their value types are then ``@shareable``."""
        mapping = self.node.config.entities.get(name)
        p = mapping.partition if mapping is not None else None
        if p is None:
            return None
        return PartitionDirective(
            communes=list(p.communes) or None,
            key_prefixes=list(p.key_prefixes) or None,
            usages=list(p.usages) or None,
        )

    def _finish_entity(self, name: str) -> Any:
        entity = ENTITIES[name]
        partition = self.partition(name) if name in self.mapped else None
        return strawberry.federation.type(
            self.types[name],
            keys=[entity.key],
            description=entity.description,
            directives=[term(entity.iri), *([partition] if partition else [])],
            shareable=partition is not None,
        )

    def _add_carbon(self, carbon: Carbon) -> None:
        cls = self.types["Building"]
        cls.__annotations__["billOfQuantities"] = list_of(MaterialLineRef) | None
        cls.billOfQuantities = strawberry.federation.field(
            external=True,
            directives=[term("gui:billOfQuantities")],
            default=None,
            description="Held by another node; given to `carbon` through `@requires`.",
        )
        cls.__annotations__["constructionProjects"] = list_of(ConstructionProjectRef) | None
        cls.constructionProjects = strawberry.federation.field(
            external=True,
            directives=[term("gui:hasConstructionProject")],
            default=None,
            description="Held by another node; given to `carbon` through `@requires`.",
        )
        project = Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="The construction project whose bill to compute, when the "
                "building's bill covers several."
            ),
        ]
        year = Annotated[
            int | None,
            strawberry.argument(
                description="Year of the building-permit application, for the RE2020 "
                "threshold period (default: the project's permitYear)."
            ),
        ]
        # nullable: computed from what another node holds (the bill, through @requires), so
        # a node down nulls this field, not the building (Apollo's null propagation)
        params = [("permit_year", year, None), ("project", project, None)]
        fn = signed_resolver(carbon.field(), params, CarbonAssessment | None)
        self.declared.carbon()
        cls.carbon = strawberry.federation.field(
            resolver=fn,
            requires=[REQUIRES],
            directives=[term("gui:hasCarbonAssessment")],
            description="Embodied (RE2020) and operational (DPE 2021) carbon of the building, "
            "from this node's data and the bill of quantities it requires.",
        )

    def _add_indoor_air(self, air: IndoorAir) -> None:
        period: list[tuple[str, Any, Any]] = [
            (
                "from_",
                Annotated[
                    datetime | None,
                    strawberry.argument(
                        name="from", description="Start of the period (inclusive)."
                    ),
                ],
                None,
            ),
            (
                "to",
                Annotated[
                    datetime | None,
                    strawberry.argument(description="End of the period (exclusive)."),
                ],
                None,
            ),
        ]
        doc = (
            "ICONE and CO2 statistics on occupied times only (the node's school week "
            "and calendar), computed by the source."
        )
        self.declared.indoor_air("Space")
        self.types["Space"].indoorAir = strawberry.field(
            resolver=signed_resolver(air.space_field(), period, IndoorAirReport | None),
            directives=[term("gui:hasIndoorAirReport")],
            description=doc,
        )
        if "Building" in self.types:
            self.declared.indoor_air("Building")
            self.types["Building"].indoorAir = strawberry.field(
                resolver=signed_resolver(
                    air.building_field(), period, list_of(IndoorAirReport) | None
                ),
                directives=[term("gui:hasIndoorAirReport")],
                description=doc + " One report per space of the building.",
            )

    # -- assembly ------------------------------------------------------------------------
    def build(self) -> strawberry.federation.Schema:
        for name in self.mapped:
            entity = ENTITIES[name]
            fields = self.node.mapped_fields(name)
            self._object_type(entity, fields)
            self.filters[name] = self.inputs.entity_filter(
                entity, tuple(f for f in fields if entity.field(f).filters)
            )
            sortable = tuple(f for f in fields if entity.field(f).sortable)
            self.orders[name] = self.inputs.order(entity, sortable)
        for name in self.stubs:
            self._object_type(ENTITIES[name], (ENTITIES[name].key,))
        for name in (*self.mapped, *self.stubs):
            entity = ENTITIES[name]
            if name in self.mapped:
                self._add_reference_fields(entity, self.node.mapped_fields(name))
            for rel in self.node.relations(name):
                self._add_relation(entity, rel)
        if IndoorAir.applies(self):
            self._add_indoor_air(IndoorAir(self))
        if Carbon.applies(self):
            self._add_carbon(Carbon(self))
        if ProjectCarbonField.applies(self):
            add_project_carbon(self)
        finished = [self._finish_entity(n) for n in (*self.mapped, *self.stubs)]
        query_ns: dict[str, Any] = {}
        for name in self.mapped:
            add_root_fields(self, ENTITIES[name], query_ns)
        query = strawberry.type(type("Query", (), query_ns))
        limits = self.node.config.limits
        enforce = self.node.config.usage.enforce
        extensions: list[Any] = [UsageExtension, RecordRefusals] if enforce else []
        plans = CompiledPlans(self.node, self.mapped) if limits.compiled_path else None
        if plans is not None:  # after UsageExtension: the decision is taken first
            extensions.append(lambda: CompiledPath(plans))
        extensions += [*limit_extensions(limits), MaskInternal]
        self.declared.federation((*self.mapped, *self.stubs))
        schema = NodeSchema(
            query=query,
            types=finished,
            federation_version="2.7",
            extensions=extensions,
            config=schema_config(),
        )
        attach(schema._schema, self.declared.found, VALUE_TYPES)
        schema.compiled = plans
        return schema


class NodeSchema(EntitySchema):
    """Logs only what the client could not have caused: errors we raise on purpose (bad
    input, policy denials, sources down) are answers, not incidents; the masking extension
    logs the rest with their traceback."""

    compiled: CompiledPlans | None = None
    """The compiled data path (:mod:`connector.graphql._compiled`), unless turned off."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if isinstance(error.original_error, SourceError):
                log.warning("%s", error.original_error)


def build_schema(node: Node) -> strawberry.federation.Schema:
    """The node's subgraph schema."""
    return SchemaBuilder(node).build()

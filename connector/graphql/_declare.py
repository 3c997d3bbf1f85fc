"""The :class:`~._reads.Reads` of each kind of field, worked out from the configuration.

The schema builder calls one method per field it adds; each names the datasets (from
``[datasets]``) the field reads and what a computed field aggregates or derives (from
:data:`connector.computed.COMPUTED`). Fields of value types (a page's info, a statistic's
counts, a report's figures) read nothing beyond their parent field.
"""

from __future__ import annotations

from collections.abc import Iterable

from connector.computed import COMPUTED, Derivation
from connector.graphql._reads import NOTHING, Computation, Reads
from connector.model import ENTITIES, EntityType, Relation
from connector.node import Node
from connector.usage import Action

VALUE_TYPES = frozenset(
    {
        "PageInfo",
        "ThresholdCount",
        "DatasetRef",
        "IndoorAirReport",
        "IconeWeek",
        "LotShare",
        "ModuleShare",
        "CarbonAssessment",
        "ProjectCarbon",
        "MaterialLine",
        "ConstructionProject",
        "_Service",
    }
)
"""Types whose fields read nothing of their own (unless declared otherwise)."""


def group_dims(node: Node, entity: str, *, personal: bool = False) -> tuple[str, ...]:
    """The fields an aggregate of ``entity`` can be grouped by: what its groups (and the
    cells they are built from) are made of. Over personal data the subject (the dwelling)
    is not one: a group must hold several subjects."""
    e = ENTITIES[entity]
    return tuple(
        f
        for f in node.mapped_fields(entity)
        if f != e.key
        and e.field(f).type not in ("Float", "DateTime")
        and not (personal and f == e.subject)
    )


def personal(node: Node, entity: str) -> bool:
    """Whether any dataset holding ``entity``'s fields holds personal data."""
    config = node.config
    return any(
        ds.personal_data
        for f in node.mapped_fields(entity)
        if (ds := config.dataset_of(entity, f)) is not None
    )


def time_field(node: Node, entity: str) -> tuple[str | None, str]:
    """The entity's mapped date-time field and the zone its local calendar is in."""
    e = ENTITIES[entity]
    for f in node.mapped_fields(entity):
        if e.field(f).type == "DateTime":
            return f, node.config.entities[entity].fields[f].timezone or "UTC"
    return None, "UTC"


class Declarer:
    """Collects the declarations of one schema, by ``(type, field)``."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.config = node.config
        self.found: dict[tuple[str, str], Reads] = {}

    def declare(self, type_name: str, field_name: str, reads: Reads) -> None:
        self.found[(type_name, field_name)] = reads

    # -- datasets -----------------------------------------------------------------------
    def ds(self, entity: str, field: str) -> tuple[str, ...]:
        if entity not in self.config.entities:
            return ()
        found = self.config.dataset_of(entity, field)
        return (found.id,) if found is not None else ()

    def own(self, entity: str, name: str) -> tuple[str, ...]:
        """The dataset a computed field belongs to (its own policy)."""
        found = self.config.dataset_of(entity, name)
        return (found.id,) if found is not None else ()

    def key(self, entity: str) -> tuple[str, ...]:
        return self.ds(entity, ENTITIES[entity].key)

    def fields_of(self, entity: str) -> dict[str, str]:
        """Each mapped field of ``entity`` and its dataset."""
        out = {}
        for f in self.node.mapped_fields(entity) if entity in self.config.entities else ():
            for d in self.ds(entity, f):
                out[f] = d
        return out

    @staticmethod
    def _reads(*groups: Iterable[str], **more: object) -> Reads:
        read = tuple(dict.fromkeys(d for g in groups for d in g))
        return Reads(read=read, **more)  # type: ignore[arg-type]

    # -- entities -----------------------------------------------------------------------
    def entity(self, entity: EntityType, fields: Iterable[str]) -> None:
        mapped = entity.name in self.config.entities
        for f in fields:
            if mapped:
                self.declare(
                    entity.name, f, self._reads(self.key(entity.name), self.ds(entity.name, f))
                )
            else:
                self.declare(entity.name, f, NOTHING)  # a stub's key: given by the caller

    def reference(self, entity: EntityType, fk: str, name: str, target: str) -> None:
        self.declare(
            entity.name,
            name,
            self._reads(self.key(entity.name), self.ds(entity.name, fk), self.key(target)),
        )

    def relation(self, entity: EntityType, rel: Relation) -> None:
        self.declare(
            entity.name,
            rel.name,
            self._reads(
                self.key(entity.name),
                self.key(rel.target),
                self.ds(rel.target, rel.via),
                arguments=self.fields_of(rel.target),
            ),
        )

    def lists(self, entity: EntityType, plural: str, single: str) -> None:
        key = self.key(entity.name)
        self.declare("Query", plural, self._reads(key, arguments=self.fields_of(entity.name)))
        self.declare("Query", single, self._reads(key))
        conn = f"{entity.name}Connection"
        self.declare(conn, "nodes", NOTHING)
        self.declare(conn, "pageInfo", NOTHING)
        self.declare(conn, "totalCount", self._reads(key))

    def stats(self, entity: EntityType, name: str) -> None:
        time, zone = time_field(self.node, entity.name)
        self.declare(
            "Query",
            name,
            Reads(
                computes=(
                    Computation(
                        action=Action.AGGREGATE,
                        inputs=self.fields_of(entity.name),
                        dims=group_dims(
                            self.node, entity.name, personal=personal(self.node, entity.name)
                        ),
                        time_field=time,
                        zone=zone,
                    ),
                )
            ),
        )
        for type_name in (f"{entity.name}Stats", f"{entity.name}Group"):
            self.value_type(type_name)

    def value_type(self, type_name: str) -> None:
        """Declared when the schema is assembled: every field of ``type_name``."""
        self.found.setdefault((type_name, "*"), NOTHING)

    # -- computed fields ----------------------------------------------------------------
    def _derivation(self, part: Derivation, *, period: bool, outer: bool = False) -> Computation:
        inputs: dict[str, str] = {}
        for entity, f in part.inputs:
            for d in self.ds(entity, f):
                inputs[f"{entity}.{f}"] = d
        time, zone = time_field(self.node, "Observation") if period else (None, "UTC")
        return Computation(
            action=Action.DERIVE,
            inputs=inputs,
            used=tuple(inputs),
            time_field=time,
            zone=zone,
            period=period,
            outer=outer,
            level=part.level,
            bucket=part.bucket,
        )

    def indoor_air(self, parent: str) -> None:
        """``indoorAir`` derives over the period its arguments give; the report's fields
        cut by week (:data:`~connector.computed.ICONE_WEEKLY_FIELDS`) derive again, per
        week of that period, and are judged at that level when they are asked for."""
        computed = COMPUTED[(parent, "indoorAir")]
        read = [self.key("Space"), self.own(parent, "indoorAir")]
        if parent == "Building":
            read += [self.key("Building"), self.ds("Space", "rnbId")]
        whole = tuple(self._derivation(p, period=True) for p in computed.parts if not p.fields)
        self.declare(parent, "indoorAir", self._reads(*read, computes=whole))
        for part in computed.parts:
            for f in part.fields:
                weekly = self._derivation(part, period=True, outer=True)
                self.declare("IndoorAirReport", f, Reads(computes=(weekly,)))

    def carbon(self) -> tuple[Computation, Computation]:
        """``Building.carbon`` (embodied part) and the operational fields of its result;
        returns both derivations for the resolver."""
        embodied, operational = (
            self._derivation(p, period=False) for p in COMPUTED[("Building", "carbon")].parts
        )
        self.declare(
            "Building",
            "carbon",
            self._reads(self.key("Building"), self.own("Building", "carbon"), computes=(embodied,)),
        )
        self.declare("Building", "billOfQuantities", NOTHING)  # given by the gateway
        self.declare("Building", "constructionProjects", NOTHING)  # given by the gateway
        part = COMPUTED[("Building", "carbon")].parts[1]
        for f in part.fields:
            self.declare("CarbonAssessment", f, Reads(computes=(operational,)))
        return embodied, operational

    def project_carbon(self) -> None:
        """``ConstructionProject.carbon`` on the bill's holder: derives from the bill and
        the projects (never reads the bill); the result belongs to its own dataset."""
        (part,) = COMPUTED[("ConstructionProject", "carbon")].parts
        self.declare(
            "ConstructionProject",
            "carbon",
            self._reads(
                self.key("ConstructionProject"),
                self.own("ConstructionProject", "carbon"),
                computes=(self._derivation(part, period=False),),
            ),
        )

    def federation(self, types: Iterable[str]) -> None:
        self.declare(
            "Query",
            "_entities",
            Reads(representations={t: self.key(t) for t in types}),
        )
        self.declare("Query", "_service", NOTHING)

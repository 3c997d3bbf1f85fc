"""Computed indoor-air results: ``Space.indoorAir`` and ``Building.indoorAir``.

On a node whose configuration has ``[indoor_air]`` and maps observations to spaces, ICONE
is computed by the source in one aggregate statement per batch of spaces, on occupied
times only (the configured weekly window minus the calendar's days without class), with
the shares above the 800 and 1500 ppm guidance values, the mean and the maximum. Each
report says which datasets it was derived from, and who published them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import strawberry

from connector.domain import icone_aggregate, icone_from_aggregate
from connector.errors import QueryError
from connector.graphql._common import term
from connector.graphql._context import RequestContext
from connector.sources.base import Condition, Select, TimeWindow

if TYPE_CHECKING:
    from connector.graphql._build import SchemaBuilder

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
NEEDED = ("spaceId", "value", "observedProperty", "resultTime")


@strawberry.federation.type(
    shareable=True,
    directives=[term("dcat:Dataset")],
    description="A dataset a computed result was derived from.",
)
class DatasetRef:
    iri: str = strawberry.field(directives=[term("dcterms:identifier")])
    title: str = strawberry.field(directives=[term("dcterms:title")])
    publisher: str = strawberry.field(directives=[term("dcterms:publisher")])


@strawberry.federation.type(
    shareable=True,
    directives=[term("gui:IndoorAirReport")],
    description="ICONE confinement index of a space over a period, on occupied times only.",
)
class IndoorAirReport:
    space_id: str = strawberry.field(directives=[term("gui:reportedSpace")])
    period_start: datetime | None = strawberry.field(directives=[term("gui:periodStart")])
    period_end: datetime | None = strawberry.field(directives=[term("gui:periodEnd")])
    icone: int = strawberry.field(
        directives=[term("gui:iconeIndex")], description="ICONE, 0 (no confinement) to 5 (extreme)."
    )
    f1: float = strawberry.field(
        directives=[term("gui:confinementShareModerate")],
        description="Share of occupied readings in (1000, 1700] ppm.",
    )
    f2: float = strawberry.field(
        directives=[term("gui:confinementShareHigh")],
        description="Share of occupied readings above 1700 ppm.",
    )
    share_above_800: float = strawberry.field(directives=[term("gui:shareAboveGuidance")])
    share_above_1500: float = strawberry.field(directives=[term("gui:shareAboveAction")])
    mean: float = strawberry.field(directives=[term("gui:mean")])
    max: float = strawberry.field(directives=[term("gui:maximum")])
    occupied_readings: int = strawberry.field(directives=[term("gui:count")])
    was_derived_from: list[DatasetRef] = strawberry.field(directives=[term("prov:wasDerivedFrom")])


def indoor_level(start: datetime | None, end: datetime | None) -> str:
    """The aggregation level of a report: its period as an ``xsd:duration`` in days."""
    if start is None or end is None:
        return "P100Y"
    return f"P{max(1, (end - start).days)}D"


def _period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    a, b = start or EARLIEST, end or LATEST
    if a.tzinfo is None or b.tzinfo is None:
        raise QueryError("indoorAir: from and to need a time zone (Z or an offset)")
    if not a < b:
        raise QueryError(f"indoorAir: from {a.isoformat()} must be before to {b.isoformat()}")
    return a, b


class IndoorAir:
    """Adds the computed fields to the schema a :class:`SchemaBuilder` is building."""

    def __init__(self, builder: SchemaBuilder) -> None:
        self.builder = builder
        config = builder.node.config
        air = config.indoor_air
        if air is None:
            raise QueryError("no [indoor_air] section")
        self.window = TimeWindow(air.weekdays, air.hours, air.excluded)
        self.co2 = air.co2
        ds = [config.dataset_of("Observation", f) for f in NEEDED]
        self.sources = {d.id: d for d in ds if d is not None}

    @staticmethod
    def applies(builder: SchemaBuilder) -> bool:
        config = builder.node.config
        mapped = config.entities.get("Observation")
        return (
            config.indoor_air is not None
            and mapped is not None
            and all(f in mapped.fields for f in NEEDED)
            and "Space" in config.entities
        )

    def _refs(self) -> list[DatasetRef]:
        return [
            DatasetRef(iri=d.iri, title=d.title, publisher=d.publisher)
            for d in self.sources.values()
        ]

    async def reports(
        self, info: Any, spaces: list[str], start: datetime | None, end: datetime | None
    ) -> dict[str, IndoorAirReport]:
        """One aggregate statement for a batch of spaces."""
        ctx: RequestContext = info.context
        if ctx.usage is not None:
            ctx.usage.check_derive("Observation", NEEDED, indoor_level(start, end))
        a, b = _period(start, end)

        async def load(keys: list[str]) -> list[IndoorAirReport | None]:
            query = icone_aggregate(
                start=a,
                end=b,
                group_by=("spaceId",),
                co2_property=self.co2,
                where=(
                    Condition("spaceId", "in", tuple(dict.fromkeys(keys))),
                    Condition("resultTime", "within", self.window),
                ),
            )
            rows = await ctx.node.aggregate(query)
            by_space = {}
            for row in rows:
                r = icone_from_aggregate(row)
                by_space[str(row["spaceId"])] = IndoorAirReport(
                    space_id=str(row["spaceId"]),
                    period_start=start,
                    period_end=end,
                    icone=r.icone,
                    f1=r.f1,
                    f2=r.f2,
                    share_above_800=r.share_above_guidance,
                    share_above_1500=r.share_above_action,
                    mean=r.mean_ppm,
                    max=r.max_ppm,
                    occupied_readings=r.count,
                    was_derived_from=self._refs(),
                )
            if ctx.usage is not None:
                ctx.usage.count_rows("Observation", len(by_space))
            return [by_space.get(k) for k in keys]

        loader = ctx.loader(("indoorAir", start, end), load)
        found = await loader.load_many(spaces)
        return {s: r for s, r in zip(spaces, found, strict=True) if r is not None}

    def space_field(self) -> Any:
        async def resolve(
            root: Any, info: Any, from_: datetime | None = None, to: datetime | None = None
        ) -> IndoorAirReport | None:
            found = await self.reports(info, [root.id], from_, to)
            return found.get(root.id)

        return resolve

    def building_field(self) -> Any:
        async def resolve(
            root: Any, info: Any, from_: datetime | None = None, to: datetime | None = None
        ) -> list[IndoorAirReport]:
            ctx: RequestContext = info.context
            if ctx.usage is not None:
                ctx.usage.check_read("Space", ("rnbId",))
            loader = ctx.loader(("spacesOf",), self._spaces_of(ctx))
            ids = await loader.load(root.rnbId)
            found = await self.reports(info, ids, from_, to)
            return [found[i] for i in ids if i in found]

        return resolve

    def _spaces_of(self, ctx: RequestContext) -> Any:
        async def load(buildings: list[str]) -> list[list[str]]:
            rows = await ctx.node.select(
                Select(
                    "Space",
                    ("id", "rnbId"),
                    where=(Condition("rnbId", "in", tuple(dict.fromkeys(buildings))),),
                )
            )
            by: dict[str, list[str]] = {}
            for r in rows:
                by.setdefault(str(r["rnbId"]), []).append(str(r["id"]))
            return [by.get(b, []) for b in buildings]

        return load

"""Computed indoor-air results: ``Space.indoorAir`` and ``Building.indoorAir``.

On a node whose configuration has ``[indoor_air]`` and maps observations to spaces, ICONE
is computed by the source in one aggregate statement per batch of spaces, on occupied
times only (the configured weekly window minus the calendar's days without class), with
the shares above the 800 and 1500 ppm guidance values, the mean and the maximum: over the
whole period asked (labelled as such in ``method``), and per calendar week with the worst
week (:mod:`connector.graphql._icone_weeks`), the period the protocol defines the index
over. Each report says which datasets it was derived from, and who published them.

When the weeks are asked for too, the period is their rows pooled (one statement for
both); with ``[indoor_air.rollup]`` whole days come from the daily rollup
(:mod:`connector.rollup`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry

from connector.computed import INDOOR_AIR_INPUTS
from connector.domain import icone_aggregate, icone_from_aggregate, icone_pooled
from connector.domain.icone import COUNT, PERIOD_METHOD
from connector.errors import QueryError
from connector.graphql._apply import cells_for, computed, group_count, settle, subjects_measure
from connector.graphql._common import term
from connector.graphql._context import RequestContext
from connector.graphql._declare import time_field
from connector.graphql._icone_weeks import (
    IconeWeekReport,
    WeeklyIcone,
    asks_weeks,
    figures,
    period,
    report_weeks,
    report_worst_week,
)
from connector.rollup import IconeRollup
from connector.sources.base import Cells, Condition, Row, Select, TimeWindow
from connector.usage import Action, Decision, PolicyDenied

if TYPE_CHECKING:
    from connector.graphql._build import SchemaBuilder

NEEDED = tuple(f for _, f in INDOOR_AIR_INPUTS)
"""The fields of Observation ICONE is derived from (:data:`connector.computed.COMPUTED`)."""


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
    method: str = strawberry.field(
        directives=[term("gui:computationMethod")],
        description="How the index above was computed, and over which period.",
    )
    was_derived_from: list[DatasetRef] = strawberry.field(directives=[term("prov:wasDerivedFrom")])
    weekly: strawberry.Private[WeeklyIcone]
    weeks: list[IconeWeekReport] = strawberry.field(
        resolver=report_weeks,
        directives=[term("gui:weeklyIndex")],
        description="ICONE per calendar week of occupied time in the period, as the "
        "protocol defines it (weeks without occupied readings are absent).",
    )
    worst_week: IconeWeekReport | None = strawberry.field(
        resolver=report_worst_week,
        directives=[term("gui:worstWeek")],
        description="The week of highest ICONE in the period (ties: the higher unrounded "
        "index, then the earlier week).",
    )


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
        _, zone = time_field(builder.node, "Observation")
        rollup = IconeRollup(config, builder.node.sources) if air.rollup else None
        self.weekly = WeeklyIcone(self.window, self.co2, zone, frozenset(self.sources), rollup)

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
    ) -> dict[str, IndoorAirReport | Decision]:
        """One aggregate statement for a batch of spaces: each space's report, or the
        decision withholding it (too few readings for a caller who may not read them).
        When the selection reads weeks too and no cells are asked for, the statement is
        the weeks' one, and the period is their rows pooled."""
        ctx: RequestContext = info.context
        applied = computed(info, Action.DERIVE)
        a, b = period(start, end)
        cells = None
        if applied is not None:
            cells = cells_for(*applied, ctx.node, "Observation", "resultTime")

        pooled = cells is None and (asks_weeks(info) or self.weekly.rollup is not None)

        async def load(keys: list[str]) -> list[IndoorAirReport | Decision | None]:
            if pooled:  # the weeks' statement, which weeks and worstWeek read again
                weekly = await self.weekly.rows(ctx, a, b).load_many(keys)
                pairs = zip(keys, weekly, strict=True)
                rows = [{"spaceId": k, **icone_pooled(w)} for k, w in pairs if w]
            else:
                rows = await self._period_rows(ctx, keys, a, b, cells)
            withheld: list[Decision | None] = [None] * len(rows)
            if applied is not None:
                counts = [group_count(r, COUNT, cells) for r in rows]
                withheld = settle(*applied, counts)
                applied[0].count(set(self.sources), sum(w is None for w in withheld))
            by_space: dict[str, IndoorAirReport | Decision] = {}
            for row, held in zip(rows, withheld, strict=True):
                space = str(row["spaceId"])
                by_space[space] = held or self._report(space, row, start, end)
            return [by_space.get(k) for k in keys]

        loader = ctx.loader(("indoorAir", start, end, cells, pooled), load)
        found = await loader.load_many(spaces)
        return {s: r for s, r in zip(spaces, found, strict=True) if r is not None}

    async def _period_rows(
        self, ctx: RequestContext, keys: list[str], a: datetime, b: datetime, cells: Cells | None
    ) -> list[Row]:
        """The period's own statement, one row per space (when no week is asked for, or
        when the rows are cut into cells)."""
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
        query = replace(query, cells=cells, measures=(*query.measures, *subjects_measure(cells)))
        return await ctx.node.aggregate(query)

    def _report(
        self, space: str, row: dict[str, object], start: datetime | None, end: datetime | None
    ) -> IndoorAirReport:
        r = icone_from_aggregate(row)
        return IndoorAirReport(
            space_id=space,
            period_start=start,
            period_end=end,
            method=PERIOD_METHOD,
            was_derived_from=self._refs(),
            weekly=self.weekly,
            **figures(r),
        )

    def space_field(self) -> Any:
        async def resolve(
            root: Any, info: Any, from_: datetime | None = None, to: datetime | None = None
        ) -> IndoorAirReport | None:
            found = (await self.reports(info, [root.id], from_, to)).get(root.id)
            if isinstance(found, Decision):
                raise PolicyDenied(found)
            return found

        return resolve

    def building_field(self) -> Any:
        async def resolve(
            root: Any, info: Any, from_: datetime | None = None, to: datetime | None = None
        ) -> list[IndoorAirReport]:
            ctx: RequestContext = info.context
            if ctx.decision is not None:
                ctx.decision.require_read("Space", ("rnbId",))
            loader = ctx.loader(("spacesOf",), self._spaces_of(ctx))
            ids = await loader.load(root.rnbId)
            found = await self.reports(info, ids, from_, to)
            return [r for i in ids if isinstance(r := found.get(i), IndoorAirReport)]

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

"""ICONE per week of occupied time: ``IndoorAirReport.weeks`` and ``worstWeek``.

The protocol's index is a weekly one (:mod:`connector.domain.icone`). The weeks of every
report a request asks for come from one aggregate statement per batch of spaces, grouped
by space and calendar week; each week is a group, decided again with its real counts,
and a week withheld is left out. When usage control asks for no cells, that statement is
also the period's (its figures are the weeks' pooled, :func:`asks_weeks`): one statement
for a report with its weeks. Built from cells, the weeks keep their own statement (a
count of distinct subjects does not add up over weeks). The use is
judged at the week's level (``P7D``, less where the period cuts a week), with the period
of the ``indoorAir`` field that encloses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from connector.domain import IconeResult, IconeWeek, icone_aggregate, icone_weeks, worst_week
from connector.domain.icone import COUNT, WEEK_METHOD
from connector.errors import QueryError
from connector.graphql._apply import cells_for, computed, group_count, settle, subjects_measure
from connector.graphql._common import term
from connector.graphql._context import RequestContext
from connector.rollup import IconeRollup
from connector.sources.base import Aggregate, Cells, Condition, Row, TimeWindow
from connector.usage import Action

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def period(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """The ``[from, to)`` an indoor-air field computes over (open sides: all time)."""
    a, b = start or EARLIEST, end or LATEST
    if a.tzinfo is None or b.tzinfo is None:
        raise QueryError("indoorAir: from and to need a time zone (Z or an offset)")
    if not a < b:
        raise QueryError(f"indoorAir: from {a.isoformat()} must be before to {b.isoformat()}")
    return a, b


@strawberry.federation.type(
    name="IconeWeek",
    shareable=True,
    directives=[term("gui:IconeWeek")],
    description="ICONE of a space over one calendar week of occupied time, as the "
    "protocol computes it.",
)
class IconeWeekReport:
    week: str = strawberry.field(
        directives=[term("gui:isoWeek")], description="The ISO week, e.g. 2025-W36."
    )
    period_start: datetime = strawberry.field(
        directives=[term("gui:periodStart")],
        description="Start of the week (Monday 00:00 local time), or of the period asked.",
    )
    period_end: datetime = strawberry.field(
        directives=[term("gui:periodEnd")],
        description="End of the week (next Monday 00:00 local time), or of the period asked.",
    )
    method: str = strawberry.field(directives=[term("gui:computationMethod")])
    icone: int = strawberry.field(
        directives=[term("gui:iconeIndex")], description="ICONE, 0 (no confinement) to 5 (extreme)."
    )
    f1: float = strawberry.field(directives=[term("gui:confinementShareModerate")])
    f2: float = strawberry.field(directives=[term("gui:confinementShareHigh")])
    share_above_800: float = strawberry.field(directives=[term("gui:shareAboveGuidance")])
    share_above_1500: float = strawberry.field(directives=[term("gui:shareAboveAction")])
    mean: float = strawberry.field(directives=[term("gui:mean")])
    max: float = strawberry.field(directives=[term("gui:maximum")])
    occupied_readings: int = strawberry.field(directives=[term("gui:count")])


def figures(r: IconeResult) -> dict[str, Any]:
    """The fields a report and a week share, from one :class:`IconeResult`."""
    return {
        "icone": r.icone,
        "f1": r.f1,
        "f2": r.f2,
        "share_above_800": r.share_above_guidance,
        "share_above_1500": r.share_above_action,
        "mean": r.mean_ppm,
        "max": r.max_ppm,
        "occupied_readings": r.count,
    }


def week_report(w: IconeWeek) -> IconeWeekReport:
    return IconeWeekReport(
        week=w.label,
        period_start=w.start,
        period_end=w.end,
        method=WEEK_METHOD.format(zone=w.zone),
        **figures(w.result),
    )


@dataclass(frozen=True)
class WeeklyIcone:
    """What the weekly statement needs from the node's ``[indoor_air]``: its occupied
    times, its CO2 code, the readings' local calendar and the datasets read."""

    window: TimeWindow
    co2: str
    zone: str
    sources: frozenset[str]
    rollup: IconeRollup | None = None

    def query(self, keys: list[str], a: datetime, b: datetime, cells: Cells | None) -> Aggregate:
        """The statement of the weeks of ``keys`` (spaces) over ``[a, b)``."""
        query = icone_aggregate(
            start=a,
            end=b,
            group_by=("spaceId",),
            co2_property=self.co2,
            by_week=True,
            where=(
                Condition("spaceId", "in", tuple(dict.fromkeys(keys))),
                Condition("resultTime", "within", self.window),
            ),
        )
        return replace(query, cells=cells, measures=(*query.measures, *subjects_measure(cells)))

    def rows(self, ctx: RequestContext, a: datetime, b: datetime) -> DataLoader[str, list[Row]]:
        """Each space's weekly rows over ``[a, b)`` read from every reading (no cells),
        not yet judged (whole days from the daily rollup when there is one,
        :mod:`connector.rollup`): one statement per batch of spaces, shared by the period's report
        (:func:`connector.domain.icone.icone_pooled`), ``weeks`` and ``worstWeek``."""

        async def load(keys: list[str]) -> list[list[Row]]:
            async def raw(lo: datetime, hi: datetime) -> list[Row]:
                return await ctx.node.aggregate(self.query(keys, lo, hi, None))

            found = None
            if self.rollup is not None:
                found = await self.rollup.weekly(keys, a, b, raw)
            by_space: dict[str, list[Row]] = {}
            for row in found if found is not None else await raw(a, b):
                by_space.setdefault(str(row["spaceId"]), []).append(row)
            return [by_space.get(k, []) for k in keys]

        return ctx.loader(("indoorAirWeekRows", a, b), load)

    async def weeks(
        self, info: Any, space: str, start: datetime | None, end: datetime | None
    ) -> list[IconeWeek]:
        ctx: RequestContext = info.context
        applied = computed(info, Action.DERIVE)
        a, b = period(start, end)
        cells = cells_for(*applied, ctx.node, "Observation", "resultTime") if applied else None

        async def load(keys: list[str]) -> list[list[IconeWeek]]:
            if cells is None:
                rows = [r for found in await self.rows(ctx, a, b).load_many(keys) for r in found]
            else:
                rows = await ctx.node.aggregate(self.query(keys, a, b, cells))
            kept = rows
            if applied is not None:
                withheld = settle(*applied, [group_count(r, COUNT, cells) for r in rows])
                kept = [r for r, w in zip(rows, withheld, strict=True) if w is None]
                applied[0].count(set(self.sources), len(kept))
            by_space: dict[str, list[Mapping[str, object]]] = {}
            for row in kept:
                by_space.setdefault(str(row["spaceId"]), []).append(row)
            return [
                icone_weeks(by_space.get(k, []), zone=self.zone, start=start, end=end) for k in keys
            ]

        uses = applied[1] if applied else ()
        loader = ctx.loader(("indoorAirWeeks", start, end, cells, uses), load)
        found: list[IconeWeek] = await loader.load(space)
        return found


def asks_weeks(info: Any) -> bool:
    """Whether the selection of the ``indoorAir`` field being resolved reads ``weeks`` or
    ``worstWeek`` (through fragments too): then its period comes from the weekly rows."""

    def walk(selections: Any) -> bool:
        for sel in selections or ():
            if getattr(sel, "name", None) in ("weeks", "worstWeek"):
                return True
            if walk(getattr(sel, "selections", ())):
                return True
        return False

    return any(walk(f.selections) for f in info.selected_fields)


async def report_weeks(root: Any, info: strawberry.Info) -> list[IconeWeekReport]:
    """``IndoorAirReport.weeks``: the weeks of the report's space and period."""
    found = await root.weekly.weeks(info, root.space_id, root.period_start, root.period_end)
    return [week_report(w) for w in found]


async def report_worst_week(root: Any, info: strawberry.Info) -> IconeWeekReport | None:
    """``IndoorAirReport.worstWeek``, from the same statement as ``weeks``."""
    found = await root.weekly.weeks(info, root.space_id, root.period_start, root.period_end)
    worst = worst_week(found)
    return week_report(worst) if worst is not None else None

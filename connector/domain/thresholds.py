"""RE2020 thresholds (``data/thresholds.csv``) and the verdict of a computed indicator.

A verdict always carries its reason and the period of permit applications whose threshold
it applied (``period``, e.g. ``2025-2027``). When the table holds no threshold for the
building type and year (a shop, for instance: the usages of the later décrets are not in
the file), the verdict is ``no_threshold_known`` and says so; it never falls back on another
type's value. Each row of the table cites its text (column ``source``).
The thresholds compared are the *average* maxima (``..._maxmoyen``), before the
modulations of the regulation (roof space, floor area, geography...), so a verdict is an
indication, not a compliance statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from connector.domain import _checks
from connector.domain._data import table

THRESHOLDS_FILE = "thresholds.csv"
IC_CONSTRUCTION = "ic_construction_maxmoyen"

Status = Literal["within", "above", "no_threshold_known"]


@dataclass(frozen=True)
class Threshold:
    indicator: str
    building_type: str
    from_year: int
    to_year: int | None
    max_kg_co2e_per_m2: float
    source: str
    text: str
    """The regulatory text the row comes from (the file's ``source`` column)."""

    def covers(self, year: int) -> bool:
        return self.from_year <= year and (self.to_year is None or year <= self.to_year)

    def period(self) -> str:
        return f"{self.from_year}-{self.to_year}" if self.to_year else f"from {self.from_year}"


@dataclass(frozen=True)
class ThresholdVerdict:
    """``within`` (value ≤ threshold, as the regulation reads), ``above``, or
    ``no_threshold_known``; ``threshold`` and ``period`` are None in the last case."""

    status: Status
    indicator: str
    building_type: str
    year: int
    value: float
    threshold: float | None
    reason: str
    source: str
    period: str | None = None


@cache
def thresholds() -> tuple[Threshold, ...]:
    data = table(THRESHOLDS_FILE)
    out: list[Threshold] = []
    for line in data.lines:
        to_raw = line.cells.get("to_year", "").strip()
        threshold = Threshold(
            indicator=data.text(line, "indicator"),
            building_type=data.text(line, "building_type"),
            from_year=data.integer(line, "from_year"),
            to_year=data.integer(line, "to_year") if to_raw else None,
            max_kg_co2e_per_m2=data.number(line, "max_kgco2e_per_m2"),
            source=f"{data.file}, line {line.number}",
            text=data.text(line, "source"),
        )
        for other in out:
            same = (other.indicator, other.building_type) == (
                threshold.indicator,
                threshold.building_type,
            )
            if same and (other.covers(threshold.from_year) or threshold.covers(other.from_year)):
                raise data.issue(line, "from_year", f"period overlaps {other.source}")
        out.append(threshold)
    return tuple(out)


def threshold_verdict(
    value: float, *, building_type: str, year: int, indicator: str = IC_CONSTRUCTION
) -> ThresholdVerdict:
    """Compare ``value`` (kg CO2e/m²) with ``indicator``'s threshold for the building type
    and the year of the building-permit application."""
    value = _checks.finite(value, f"{indicator} value")
    year = _checks.integer(year, "year of the building permit", low=0)
    rows = [t for t in thresholds() if t.indicator == indicator]
    name = indicator.removesuffix("_maxmoyen").capitalize() + "_maxmoyen"
    source = table(THRESHOLDS_FILE).source
    kind = building_type.strip().casefold()
    of_type = [t for t in rows if t.building_type.casefold() == kind]
    found = next((t for t in of_type if t.covers(year)), None)
    if found is None:
        if of_type:
            periods = ", ".join(t.period() for t in of_type)
            why = f"the table has {building_type!r} only for {periods}"
        else:
            types = ", ".join(sorted({repr(t.building_type) for t in rows}))
            why = f"the table covers only the building types {types}"
        return ThresholdVerdict(
            "no_threshold_known",
            indicator,
            building_type,
            year,
            value,
            None,
            f"no threshold known: no {name} for building type {building_type!r} in {year} ({why})",
            source,
        )
    limit = found.max_kg_co2e_per_m2
    status: Status = "within" if value <= limit else "above"
    sign = "≤" if status == "within" else ">"
    reason = (
        f"{value:.1f} kg CO2e/m² {sign} {name} {limit:g} kg CO2e/m² for "
        f"{found.building_type}, permits filed {found.period()} (the period of a permit "
        f"filed in {year}; average maximum before the regulation's modulations)"
    )
    return ThresholdVerdict(
        status,
        indicator,
        building_type,
        year,
        value,
        limit,
        reason,
        f"{found.text}\n({found.source})\n{source}",
        found.period(),
    )

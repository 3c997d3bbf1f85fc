"""Operational carbon: a building's yearly final energy × the DPE 2021 emission factors.

Each :class:`EnergyUse` (kWh of final energy, PCI, for one carrier and one end use) is
multiplied by the factor of ``data/dpe2021_ges_factors.csv`` (arrêté du 31 mars 2021,
DPE 3CL-2021) for its carrier and use: electricity has one factor per use, the other
carriers one factor for ``all`` uses. Carriers and uses are matched by the file's labels
(compared without regard to case, Unicode composition or repeated spaces). An unknown
carrier or use is a :class:`~connector.errors.QueryError` naming it; it never counts as 0.

* **Method and factor table** (:data:`METHOD`, carried by every result): measured yearly
  final energy × the DPE 2021 factor table, which is the 3CL-2021 *housing* method's table.
  A tertiary building (a school, an office) has its own DPE, a consumption-based method
  whose factor table is not bundled: for such a building the figure is an indication with
  the housing table, not that building's DPE, and the result says so.
* **PCS / PCI**: factors apply to kWh PCI. A use given in kWh PCS (``basis="PCS"``, as gas
  suppliers bill) is divided by the carrier's PCS/PCI ratio (``data/pcs_pci_ratios.csv``,
  3CL-DPE 2021 § 13.2.1.4: natural gas 1.11) before the factor; a carrier without a ratio
  in PCS is an error.
* **District heating** has one factor per network, published each year by arrêté (the
  "arrêté DPE" of the networks' CO2 content). No per-network table is bundled, so a
  district-heating use is refused with that reason: it never counts as 0.

Example: 1,000 kWh of natural gas for heating in a 10 m² building emit
1,000 × 0.227 = 227 kg CO2e a year, 22.7 kg CO2e/m²::

    result = operational_carbon([EnergyUse("gaz naturel", "chauffage", 1000.0)], floor_area=10.0)
    result.kg_co2e_per_year, result.kg_co2e_per_m2_year   # (227.0, 22.7)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from connector.domain import _checks
from connector.domain._data import table
from connector.errors import QueryError

FACTORS_FILE = "dpe2021_ges_factors.csv"
RATIOS_FILE = "pcs_pci_ratios.csv"
ALL_USES = "all"
BASES = ("PCI", "PCS")
DISTRICT_HEATING = ("réseau de chaleur", "réseau de chauffage urbain", "chauffage urbain")
"""Carrier labels of district heating (urban heat networks), refused: see the docstring."""
METHOD = (
    "measured yearly final energy (kWh PCI; kWh PCS divided by the 3CL-DPE 2021 PCS/PCI "
    "ratio) × DPE 2021 emission factors (arrêté du 31 mars 2021, 3CL-2021: the housing "
    "method's table). For a tertiary building (school, office) this is an indication with "
    "the housing table, not its DPE: the tertiary DPE is a consumption-based method whose "
    "factor table is not bundled. District heating is refused (per-network factors of the "
    "yearly arrêté are not bundled)."
)


@dataclass(frozen=True)
class EmissionFactor:
    """One row of the DPE 2021 table; ``use`` is an end use or ``all``."""

    carrier: str
    use: str
    kg_co2e_per_kwh: float
    source: str


@dataclass(frozen=True)
class EnergyUse:
    """Final energy (kWh PCI) used in one year for one carrier and one end use.

    ``id`` (the partner's identifier) and ``year`` are optional; when given they name the
    line in errors, and all the lines of one computation must share the same year."""

    carrier: str
    use: str
    kwh: float
    year: int | None = None
    id: str | None = None
    basis: str = "PCI"
    """``PCI`` (lower heating value, the factors' basis) or ``PCS`` (as gas is billed)."""


@dataclass(frozen=True)
class EnergyEmission:
    """One energy use with the factor applied to it (``kg_co2e`` per year); ``kwh_pci`` is
    the energy the factor applied to (the use's kWh, converted when given in PCS)."""

    use: EnergyUse
    factor: EmissionFactor
    kg_co2e: float
    kwh_pci: float


@dataclass(frozen=True)
class OperationalCarbon:
    """Yearly operational emissions, whole building and per m² of floor area.

    ``by_carrier`` and ``by_use`` are in kg CO2e per year, keyed by the DPE labels."""

    kg_co2e_per_year: float
    kg_co2e_per_m2_year: float
    floor_area_m2: float
    year: int | None
    by_carrier: Mapping[str, float]
    by_use: Mapping[str, float]
    lines: tuple[EnergyEmission, ...]
    source: str
    method: str = METHOD


def label_key(label: str) -> str:
    """How labels are compared: NFC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", label).casefold().split())


@dataclass(frozen=True)
class _Factors:
    by_key: Mapping[tuple[str, str], EmissionFactor]
    carriers: tuple[str, ...]
    uses: tuple[str, ...]
    source: str


@cache
def _factors() -> _Factors:
    data = table(FACTORS_FILE)
    by_key: dict[tuple[str, str], EmissionFactor] = {}
    carriers: dict[str, str] = {}
    uses: dict[str, str] = {}
    for line in data.lines:
        carrier, use = data.text(line, "energy"), data.text(line, "usage")
        key = (label_key(carrier), label_key(use))
        if key in by_key:
            raise data.issue(line, "energy", f"duplicate factor for {carrier!r} / {use!r}")
        source = (
            f"{data.text(line, 'regulation')}; {data.text(line, 'source_repo')} @ "
            f"{data.text(line, 'source_commit')} : {data.text(line, 'source_path')} "
            f"({data.file}, line {line.number})"
        )
        value = data.number(line, "kgCO2e_per_kWh_final_PCI")
        by_key[key] = EmissionFactor(carrier, use, value, source)
        carriers.setdefault(key[0], carrier)
        if key[1] != ALL_USES:
            uses.setdefault(key[1], use)
    return _Factors(by_key, tuple(carriers.values()), tuple(uses.values()), data.source)


def known_carriers() -> tuple[str, ...]:
    """The carrier labels of the DPE 2021 table, in file order."""
    return _factors().carriers


def known_uses() -> tuple[str, ...]:
    """The end-use labels of the DPE 2021 table, in file order."""
    return _factors().uses


def emission_factor(carrier: str, use: str, *, where: str = "energy use") -> EmissionFactor:
    """The DPE 2021 factor for ``carrier`` used for ``use``; ``where`` prefixes errors.

    ``emission_factor("électricité", "éclairage").kg_co2e_per_kwh == 0.069``."""
    factors = _factors()
    carrier_key, use_key = label_key(carrier), label_key(use)
    if carrier_key in {label_key(d) for d in DISTRICT_HEATING}:
        raise QueryError(
            f"{where}: district heating ({carrier!r}) has one emission factor per network, "
            "published each year by arrêté (the networks' CO2 content); no per-network table "
            "is bundled, so this use is refused rather than counted as 0"
        )
    if carrier_key not in {label_key(c) for c in factors.carriers}:
        raise QueryError(
            f"{where}: unknown energy carrier {carrier!r}; the DPE 2021 carriers are "
            + ", ".join(repr(c) for c in factors.carriers)
        )
    if use_key not in {label_key(u) for u in factors.uses}:
        raise QueryError(
            f"{where}: unknown end use {use!r}; the DPE 2021 uses are "
            + ", ".join(repr(u) for u in factors.uses)
        )
    found = factors.by_key.get((carrier_key, use_key)) or factors.by_key.get(
        (carrier_key, ALL_USES)
    )
    if found is None:
        listed = [f.use for k, f in factors.by_key.items() if k[0] == carrier_key]
        raise QueryError(
            f"{where}: no DPE 2021 factor for {carrier!r} used for {use!r}; "
            f"this carrier has factors for " + ", ".join(repr(u) for u in listed)
        )
    return found


def operational_carbon(uses: Sequence[EnergyUse], *, floor_area: float) -> OperationalCarbon:
    """Yearly emissions of ``uses`` (one year's energy) and their intensity per m².

    ``floor_area`` is the reference floor area in m² (> 0)."""
    area = _checks.positive(floor_area, "floor area (m²)")
    years = {u.year for u in uses if u.year is not None}
    if len(years) > 1:
        raise QueryError(
            "energy uses: expected the uses of one year, got years "
            + ", ".join(str(y) for y in sorted(years))
        )
    lines: list[EnergyEmission] = []
    by_carrier: dict[str, float] = {}
    by_use: dict[str, float] = {}
    for index, use in enumerate(uses):
        where = f"energy use {use.id!r}" if use.id is not None else f"energy use #{index + 1}"
        kwh = to_pci(_checks.non_negative(use.kwh, f"{where}: kwh"), use, where=where)
        factor = emission_factor(use.carrier, use.use, where=where)
        kg = kwh * factor.kg_co2e_per_kwh
        lines.append(EnergyEmission(use, factor, kg, kwh))
        by_carrier[factor.carrier] = by_carrier.get(factor.carrier, 0.0) + kg
        use_label = _canonical_use(use.use)
        by_use[use_label] = by_use.get(use_label, 0.0) + kg
    total = sum(line.kg_co2e for line in lines)
    return OperationalCarbon(
        kg_co2e_per_year=total,
        kg_co2e_per_m2_year=total / area,
        floor_area_m2=area,
        year=next(iter(years)) if years else None,
        by_carrier=_checks.frozen(by_carrier),
        by_use=_checks.frozen(by_use),
        lines=tuple(lines),
        source=_factors().source,
    )


@cache
def _ratios() -> dict[str, float]:
    data = table(RATIOS_FILE)
    out: dict[str, float] = {}
    for line in data.lines:
        ratio = data.number(line, "pcs_per_pci")
        if not 1 <= ratio < 2:
            raise data.issue(line, "pcs_per_pci", f"expected a ratio in [1, 2), found {ratio}")
        out[label_key(data.text(line, "energy"))] = ratio
    return out


def to_pci(kwh: float, use: EnergyUse, *, where: str = "energy use") -> float:
    """``kwh`` of ``use`` in kWh PCI: unchanged for ``PCI``, divided by the carrier's
    PCS/PCI ratio for ``PCS`` (``to_pci(1110.0, EnergyUse("gaz naturel", "chauffage",
    1110.0, basis="PCS")) == 1000.0``)."""
    basis = use.basis.strip().upper()
    if basis not in BASES:
        raise QueryError(f"{where}: basis expected PCI or PCS, got {use.basis!r}")
    if basis == "PCI":
        return kwh
    ratio = _ratios().get(label_key(use.carrier))
    if ratio is None:
        raise QueryError(
            f"{where}: no PCS/PCI ratio for {use.carrier!r} in {RATIOS_FILE}; give its "
            "energy in kWh PCI"
        )
    return kwh / ratio


def _canonical_use(use: str) -> str:
    key = label_key(use)
    return next(u for u in _factors().uses if label_key(u) == key)

"""RE2020 ``Ic_construction``: the climate impact of a building's components over the
reference study period (PER, 50 years), in kg CO2e per m² of reference floor area, with
the dynamic LCA weighting of each emission by the year it occurs.

The rule implemented, per material line of quantity ``q`` whose product declaration has
impacts ``A1-A3, A4, A5, B, C, D`` (kg CO2e per declared unit, each for one component
over its reference service life ``L``) and for each installed component:

* components are installed at years ``s = 0, L, 2L, ...`` while ``s < PER`` (so
  ``max(1, ceil(PER / L))`` components, the RE2020 count of renewals);
* ``q × (A1-A3, A4, A5)`` is emitted at the installation year ``s``;
* ``q × C`` is emitted when the component leaves: at its replacement year ``s + L`` if that
  is before ``PER``, otherwise at year ``PER``;
* ``q × B`` (use stage, modules B1-B7, declared over the service life) is spread evenly over
  the years the component stands in the period, ``s + 1 ... min(s + L, PER)``: each installed
  component counts its whole declared B. This is our reading of the "ACV dynamique
  simplifiée" (arrêté du 4 août 2021, annexe): use-stage emissions happen during the
  operating years, not at year 0. The annex's exact rule for module B was not available
  to us: check it before any compliance claim (the rule is restated in ``method``);
* ``q × D`` (benefits beyond the life cycle) is reported for every installed component,
  unweighted, and is not counted in ``Ic_construction``.

Every emission is multiplied by the weight of its year from ``data/dynamic_lca_weights.csv``
(weight 1 at year 0, 0.578 at year 50; the table is reconstructed from the method and must
be checked against the annex before any compliance claim: see ``weights_source``), summed,
and divided by the floor area. :mod:`connector.domain.thresholds` gives the verdict against
``Ic_construction_maxmoyen``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from connector.domain import _checks
from connector.domain._data import table
from connector.domain.thresholds import ThresholdVerdict, threshold_verdict
from connector.errors import QueryError

WEIGHTS_FILE = "dynamic_lca_weights.csv"
MODULES = ("A1-A3", "A4", "A5", "B", "C")
FIRST_LOT, LAST_LOT = 1, 13
METHOD = (
    "RE2020 Ic_construction, dynamic LCA weighting by year of emission: A1-A5 at each "
    "installation (years 0, L, 2L... < PER), C when each component leaves (replacement year "
    "or PER), B spread evenly over the years each component stands, D reported not counted; "
    "divided by the reference floor area."
)


@dataclass(frozen=True)
class ProductDeclaration:
    """An FDES/PEP declaration: climate-change impacts (kg CO2e per declared unit) per
    life-cycle module, for one component over its reference service life (years)."""

    id: str
    service_life: int
    gwp_a1_a3: float
    gwp_a4: float
    gwp_a5: float
    gwp_b: float
    gwp_c: float
    gwp_d: float
    declared_unit: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        where = f"product declaration {self.id!r}"
        _checks.integer(self.service_life, f"{where}: service life (years)", low=1)
        for module, value in self.impacts().items():
            _checks.finite(value, f"{where}: gwp {module}")
        _checks.finite(self.gwp_d, f"{where}: gwp D")

    def impacts(self) -> dict[str, float]:
        """The counted modules' impacts per declared unit, keyed as :data:`MODULES`."""
        return {
            "A1-A3": self.gwp_a1_a3,
            "A4": self.gwp_a4,
            "A5": self.gwp_a5,
            "B": self.gwp_b,
            "C": self.gwp_c,
        }


@dataclass(frozen=True)
class MaterialLine:
    """A quantity (in the declaration's unit) of one product in one RE2020 lot (1-13)."""

    lot: int
    quantity: float
    product: ProductDeclaration
    id: str | None = None

    def __post_init__(self) -> None:
        where = self.label()
        _checks.integer(self.lot, f"{where}: lot", low=FIRST_LOT, high=LAST_LOT)
        _checks.non_negative(self.quantity, f"{where}: quantity")

    def label(self) -> str:
        return f"material line {self.id!r}" if self.id is not None else "material line"


@dataclass(frozen=True)
class DynamicWeights:
    """Weight of an emission by its year ``0 ... period``; ``source`` says where from."""

    weights: tuple[float, ...]
    source: str

    @property
    def period(self) -> int:
        return len(self.weights) - 1

    def weight(self, year: int) -> float:
        if not 0 <= year <= self.period:
            raise QueryError(f"dynamic LCA weight: year {year} is outside 0-{self.period}")
        return self.weights[year]


@dataclass(frozen=True)
class DatedEmission:
    """``kg_co2e`` (unweighted) of one module emitted in ``year`` by one line."""

    line: str
    lot: int
    module: str
    year: int
    kg_co2e: float
    weight: float

    @property
    def weighted(self) -> float:
        return self.kg_co2e * self.weight


@dataclass(frozen=True)
class IcConstruction:
    """The result. Per-m² values are kg CO2e/m² over the period; ``by_lot`` and
    ``by_module`` each sum to ``kg_co2e_per_m2``; module D is apart and not counted."""

    kg_co2e_per_m2: float
    kg_co2e: float
    floor_area_m2: float
    reference_period_years: int
    by_lot: Mapping[int, float]
    by_module: Mapping[str, float]
    module_d_kg_co2e_per_m2: float
    verdict: ThresholdVerdict
    method: str
    weights_source: str


@cache
def dynamic_weights() -> DynamicWeights:
    """The weights table, checked: consecutive years from 0, weights in (0, 1]."""
    data = table(WEIGHTS_FILE)
    weights: list[float] = []
    for line in data.lines:
        year = data.integer(line, "year")
        if year != len(weights):
            raise data.issue(line, "year", f"expected year {len(weights)}, found {year}")
        weight = data.number(line, "weight")
        if not 0 < weight <= 1:
            raise data.issue(line, "weight", f"expected a weight in (0, 1], found {weight}")
        weights.append(weight)
    if len(weights) < 2:
        raise data.issue(None, "year", "expected weights for years 0 to the period")
    return DynamicWeights(tuple(weights), data.source)


def emission_schedule(
    line: MaterialLine, *, weights: DynamicWeights | None = None
) -> tuple[DatedEmission, ...]:
    """Every dated emission of ``line`` over the period (see the module docstring)."""
    w = weights or dynamic_weights()
    period, life = w.period, line.product.service_life
    q, impacts, name = line.quantity, line.product.impacts(), line.label()
    out: list[DatedEmission] = []

    def emit(module: str, year: int, kg: float) -> None:
        out.append(DatedEmission(name, line.lot, module, year, kg, w.weight(year)))

    for start in range(0, period, life):
        end = min(start + life, period)
        for module in ("A1-A3", "A4", "A5"):
            emit(module, start, q * impacts[module])
        if impacts["B"] != 0:
            for year in range(start + 1, end + 1):
                emit("B", year, q * impacts["B"] / (end - start))
        emit("C", end, q * impacts["C"])
    return tuple(out)


def installations(line: MaterialLine, *, period: int | None = None) -> int:
    """How many components of ``line`` are installed over the period."""
    span = dynamic_weights().period if period is None else period
    return len(range(0, span, line.product.service_life))


def ic_construction(
    lines: Sequence[MaterialLine],
    *,
    floor_area: float,
    building_type: str,
    year: int,
) -> IcConstruction:
    """``Ic_construction`` of a bill of materials, compared with the threshold.

    ``floor_area`` is the reference floor area (m², > 0); ``building_type`` and ``year``
    (of the building-permit application) select ``Ic_construction_maxmoyen``::

        slab = ProductDeclaration("P1", 100, 200.0, 10.0, 5.0, 0.0, 20.0, -5.0)
        ic_construction([MaterialLine(3, 100.0, slab)], floor_area=100.0,
                        building_type="logement_collectif", year=2025)
    """
    area = _checks.positive(floor_area, "floor area (m²)")
    weights = dynamic_weights()
    by_lot: dict[int, float] = {}
    by_module = dict.fromkeys(MODULES, 0.0)
    module_d = 0.0
    for line in lines:
        if not isinstance(line, MaterialLine):
            raise QueryError(f"material lines: expected MaterialLine, got {line!r}")
        for emission in emission_schedule(line, weights=weights):
            by_lot[line.lot] = by_lot.get(line.lot, 0.0) + emission.weighted
            by_module[emission.module] += emission.weighted
        module_d += installations(line, period=weights.period) * line.quantity * line.product.gwp_d
    total = sum(by_module.values())
    per_m2 = total / area
    return IcConstruction(
        kg_co2e_per_m2=per_m2,
        kg_co2e=total,
        floor_area_m2=area,
        reference_period_years=weights.period,
        by_lot=_checks.frozen({lot: by_lot[lot] / area for lot in sorted(by_lot)}),
        by_module=_checks.frozen({m: v / area for m, v in by_module.items()}),
        module_d_kg_co2e_per_m2=module_d / area,
        verdict=threshold_verdict(per_m2, building_type=building_type, year=year),
        method=METHOD,
        weights_source=weights.source,
    )


PRODUCT_FIELDS = {
    "gwp_a1_a3": "gwpA1A3",
    "gwp_a4": "gwpA4",
    "gwp_a5": "gwpA5",
    "gwp_b": "gwpB",
    "gwp_c": "gwpC",
    "gwp_d": "gwpD",
}


def declaration_from_row(row: Mapping[str, object]) -> ProductDeclaration:
    """A :class:`ProductDeclaration` from a ``ProductDeclaration`` entity row
    (fields of :data:`connector.model.PRODUCT`); a missing value is an error naming it."""
    ident = str(_required(row, "id", "product declaration"))
    where = f"product declaration {ident!r}"
    values = {attr: _required(row, field, where) for attr, field in PRODUCT_FIELDS.items()}
    return ProductDeclaration(
        id=ident,
        service_life=_required(row, "serviceLife", where),  # type: ignore[arg-type]
        declared_unit=_optional_str(row.get("declaredUnit")),
        name=_optional_str(row.get("name")),
        **values,  # type: ignore[arg-type]
    )


def material_line_from_row(row: Mapping[str, object], product: ProductDeclaration) -> MaterialLine:
    """A :class:`MaterialLine` from a ``MaterialLine`` entity row and its declaration."""
    ident = _optional_str(row.get("id"))
    where = f"material line {ident!r}"
    return MaterialLine(
        lot=_required(row, "lot", where),  # type: ignore[arg-type]
        quantity=_required(row, "quantity", where),  # type: ignore[arg-type]
        product=product,
        id=ident,
    )


def _required(row: Mapping[str, object], field: str, where: str) -> object:
    value = row.get(field)
    if value is None:
        raise QueryError(f"{where}: {field} is missing, and it is needed for Ic_construction")
    return value


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)

"""RE2020 Ic_construction, checked against bills computed by hand.

Weights quoted from connector/domain/data/dynamic_lca_weights.csv (the reconstructed
"ACV dynamique simplifiée" table): year 0 = 1.0000, year 20 = 0.8396, year 40 = 0.6688,
year 50 = 0.5781 (the published 0.578).
"""

from __future__ import annotations

import pytest

from connector.domain import (
    MaterialLine,
    ProductDeclaration,
    declaration_from_row,
    ic_construction,
    material_line_from_row,
)
from connector.domain.re2020 import dynamic_weights, emission_schedule, installations
from connector.errors import QueryError

# A structural concrete (per m³) that outlives the period, and a floor covering (per m²)
# replaced every 20 years. Impacts in kg CO2e per declared unit: A1-A3, A4, A5, B, C, D.
CONCRETE = ProductDeclaration("fdes-concrete", 100, 200.0, 10.0, 5.0, 0.0, 20.0, -5.0)
FLOORING = ProductDeclaration("fdes-flooring", 20, 50.0, 2.0, 1.0, 0.0, 3.0, -1.0)


def two_line_bill() -> list[MaterialLine]:
    return [
        MaterialLine(lot=3, quantity=100.0, product=CONCRETE, id="L1"),
        MaterialLine(lot=7, quantity=10.0, product=FLOORING, id="L2"),
    ]


def test_two_line_bill_computed_by_hand() -> None:
    # L1, lot 3, 100 m³ of concrete, service life 100 ≥ 50: one component.
    #   A1-A3 100 × 200 × 1.0000 = 20,000      A4 100 × 10 = 1,000      A5 100 × 5 = 500
    #   C     100 × 20 at year 50: 2,000 × 0.5781 = 1,156.2
    #   D     100 × -5 = -500 (reported, not counted)
    #   line total 22,656.2 kg
    # L2, lot 7, 10 m² of flooring, service life 20: installed at years 0, 20, 40
    #   (60 is past the period), so 3 components.
    #   A-weights 1.0000 + 0.8396 + 0.6688 = 2.5084
    #   A1-A3 10 × 50 × 2.5084 = 1,254.2   A4 10 × 2 × 2.5084 = 50.168   A5 10 × 1 × 2.5084 = 25.084
    #   C leaves at 20, 40 and 50: 10 × 3 × (0.8396 + 0.6688 + 0.5781) = 30 × 2.0865 = 62.595
    #   D     3 × 10 × -1 = -30
    #   line total 1,392.047 kg
    # Building 24,048.247 kg over 100 m² → Ic_construction = 240.48247 kg CO2e/m².
    result = ic_construction(
        two_line_bill(), floor_area=100.0, building_type="logement_collectif", year=2025
    )

    assert result.kg_co2e == pytest.approx(24_048.247)
    assert result.kg_co2e_per_m2 == pytest.approx(240.48247)
    assert dict(result.by_lot) == pytest.approx({3: 226.562, 7: 13.92047})
    assert dict(result.by_module) == pytest.approx(
        {
            "A1-A3": 212.542,  # (20,000 + 1,254.2) / 100
            "A4": 10.50168,  # (1,000 + 50.168) / 100
            "A5": 5.25084,  # (500 + 25.084) / 100
            "B": 0.0,
            "C": 12.18795,  # (1,156.2 + 62.595) / 100
        }
    )
    assert result.module_d_kg_co2e_per_m2 == pytest.approx(-5.3)  # -530 / 100
    assert result.reference_period_years == 50
    assert result.floor_area_m2 == 100.0
    # logement_collectif, permits 2025-2027: Ic_construction_maxmoyen = 650
    assert result.verdict.status == "within"
    assert result.verdict.threshold == 650.0
    assert "240.5 kg CO2e/m² ≤ Ic_construction_maxmoyen 650" in result.verdict.reason
    assert "RECONSTRUCTED" in result.weights_source and "annex" in result.weights_source


def test_replacements_reemit_a1_a5_and_the_replaced_components_c() -> None:
    line = MaterialLine(lot=7, quantity=10.0, product=FLOORING, id="L2")
    schedule = [(e.module, e.year, e.kg_co2e, e.weight) for e in emission_schedule(line)]
    assert schedule == [
        ("A1-A3", 0, 500.0, 1.0),
        ("A4", 0, 20.0, 1.0),
        ("A5", 0, 10.0, 1.0),
        ("C", 20, 30.0, 0.8396),
        ("A1-A3", 20, 500.0, 0.8396),
        ("A4", 20, 20.0, 0.8396),
        ("A5", 20, 10.0, 0.8396),
        ("C", 40, 30.0, 0.6688),
        ("A1-A3", 40, 500.0, 0.6688),
        ("A4", 40, 20.0, 0.6688),
        ("A5", 40, 10.0, 0.6688),
        ("C", 50, 30.0, 0.5781),
    ]


@pytest.mark.parametrize(
    ("life", "components"),
    [(1, 50), (20, 3), (25, 2), (30, 2), (49, 2), (50, 1), (100, 1)],
)
def test_number_of_components_is_ceil_of_period_over_life(life: int, components: int) -> None:
    # ceil(50 / L), at least 1: 50/20 → 3, 50/25 → 2 (no replacement at year 50), 50/49 → 2
    product = ProductDeclaration("p", life, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert installations(MaterialLine(1, 1.0, product)) == components


def test_module_b_is_spread_over_the_years_each_component_stands() -> None:
    # Sums of the table's weights: years 1-50 = 39.5415; years 1-30 = 26.2666;
    # years 31-50 = 13.2749.
    def b_only(life: int, b: float) -> float:
        product = ProductDeclaration("p", life, 0.0, 0.0, 0.0, b, 0.0, 0.0)
        bill = [MaterialLine(8, 1.0, product)]
        return ic_construction(
            bill, floor_area=1.0, building_type="logement_collectif", year=2025
        ).by_module["B"]

    # L = 50, B = 50 kg: 1 kg in each of years 1..50 → 39.5415
    assert b_only(50, 50.0) == pytest.approx(39.5415, abs=1e-9)
    # L = 25, B = 25 kg per component: 1 kg a year over 1..25, then 1 kg a year over 26..50
    assert b_only(25, 25.0) == pytest.approx(39.5415, abs=1e-9)
    # L = 30, B = 30 kg: 1 kg/yr over 1..30; the second component stands 20 years (31..50)
    # and counts its whole 30 kg, 1.5 kg/yr: 26.2666 + 1.5 × 13.2749 = 46.17895
    assert b_only(30, 30.0) == pytest.approx(46.17895, abs=1e-9)


def test_a_type_without_threshold_has_no_threshold_known() -> None:
    result = ic_construction(two_line_bill(), floor_area=100.0, building_type="commerce", year=2025)
    assert result.verdict.status == "no_threshold_known"
    assert result.verdict.threshold is None
    assert result.verdict.reason.startswith(
        "no threshold known: no Ic_construction_maxmoyen for building type 'commerce' in 2025"
    )
    assert result.kg_co2e_per_m2 == pytest.approx(240.48247)


def test_schools_are_judged_against_the_school_threshold() -> None:
    # enseignement_primaire, permits 2025-2027: 770 kg CO2e/m² (décret 2022-305)
    result = ic_construction(
        two_line_bill(), floor_area=100.0, building_type="enseignement_primaire", year=2026
    )
    assert (result.verdict.status, result.verdict.threshold) == ("within", 770.0)
    assert result.verdict.period == "2025-2027"


def test_weights_table_is_the_one_quoted() -> None:
    weights = dynamic_weights()
    assert weights.period == 50
    assert (weights.weight(0), weights.weight(20), weights.weight(40)) == (1.0, 0.8396, 0.6688)
    assert round(weights.weight(50), 3) == 0.578
    with pytest.raises(QueryError, match="year 51 is outside 0-50"):
        weights.weight(51)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: MaterialLine(14, 1.0, CONCRETE, id="X"),
            r"material line 'X': lot: expected an integer between 1 and 13, got 14",
        ),
        (
            lambda: MaterialLine(3, -1.0, CONCRETE, id="X"),
            r"material line 'X': quantity: expected a number >= 0, got -1.0",
        ),
        (
            lambda: ProductDeclaration("P", 0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0),
            r"product declaration 'P': service life \(years\): expected an integer >= 1, got 0",
        ),
        (
            lambda: ProductDeclaration("P", 10, float("inf"), 0.0, 0.0, 0.0, 0.0, 0.0),
            r"product declaration 'P': gwp A1-A3: expected a finite number, got inf",
        ),
    ],
)
def test_bad_lines_are_errors_naming_the_field(make: object, expected: str) -> None:
    with pytest.raises(QueryError, match=expected):
        make()  # type: ignore[operator]


def test_bad_floor_area_is_an_error() -> None:
    with pytest.raises(QueryError, match=r"floor area \(m²\): expected a number > 0, got -1"):
        ic_construction(two_line_bill(), floor_area=-1, building_type="x", year=2025)


def test_rows_of_the_entity_model_become_lines() -> None:
    product_row: dict[str, object] = {
        "id": "fdes-flooring",
        "serviceLife": 20,
        "gwpA1A3": 50.0,
        "gwpA4": 2.0,
        "gwpA5": 1.0,
        "gwpB": 0.0,
        "gwpC": 3.0,
        "gwpD": -1.0,
        "declaredUnit": "m²",
        "name": "Flooring",
    }
    product = declaration_from_row(product_row)
    line = material_line_from_row({"id": "L2", "lot": 7, "quantity": 10.0}, product)
    expected_product = ProductDeclaration(
        "fdes-flooring", 20, 50.0, 2.0, 1.0, 0.0, 3.0, -1.0, declared_unit="m²", name="Flooring"
    )
    assert line == MaterialLine(7, 10.0, expected_product, id="L2")

    with pytest.raises(QueryError, match="product declaration 'fdes-flooring': gwpC is missing"):
        declaration_from_row({**product_row, "gwpC": None})
    with pytest.raises(QueryError, match="material line 'L9': quantity is missing"):
        material_line_from_row({"id": "L9", "lot": 7}, product)

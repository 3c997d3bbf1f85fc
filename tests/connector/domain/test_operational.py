"""Operational carbon from DPE 2021 factors, checked against hand computations."""

from __future__ import annotations

import math

import pytest

from connector.domain import EnergyUse, emission_factor, operational_carbon
from connector.errors import QueryError

GAS, ELEC = "gaz naturel", "électricité"
HEATING, LIGHTING = "chauffage", "éclairage"


def school_uses() -> list[EnergyUse]:
    # The issue's school: 1,450 m² × 81 kWh/m²·yr = 117,450 kWh a year.
    #   gas 60 %           = 70,470 kWh (all for heating)
    #   electricity 40 %   = 46,980 kWh, half heating, half lighting = 23,490 kWh each
    return [
        EnergyUse(GAS, HEATING, 70_470.0, year=2024, id="gas-heating"),
        EnergyUse(ELEC, HEATING, 23_490.0, year=2024, id="elec-heating"),
        EnergyUse(ELEC, LIGHTING, 23_490.0, year=2024, id="elec-lighting"),
    ]


def test_the_issues_school_emits_19_47_tonnes_a_year() -> None:
    # DPE 2021 factors (arrêté du 31 mars 2021): gas 0.227, electricity for heating 0.079,
    # electricity for lighting 0.069 kg CO2e/kWh.
    #   gas             70,470 × 0.227 = 15,996.69 kg
    #   elec heating    23,490 × 0.079 =  1,855.71 kg
    #   elec lighting   23,490 × 0.069 =  1,620.81 kg
    #   total                           = 19,473.21 kg = 19.47 t CO2e a year
    #   per m²          19,473.21 / 1,450 = 13.4298 kg CO2e/m²·yr ≈ 13.4
    result = operational_carbon(school_uses(), floor_area=1450.0)

    assert result.kg_co2e_per_year == pytest.approx(19_473.21)
    assert round(result.kg_co2e_per_year / 1000, 2) == 19.47
    assert result.kg_co2e_per_m2_year == pytest.approx(13.4298, abs=1e-4)
    assert round(result.kg_co2e_per_m2_year, 1) == 13.4
    assert result.year == 2024
    assert result.floor_area_m2 == 1450.0
    assert dict(result.by_carrier) == pytest.approx({GAS: 15_996.69, ELEC: 3_476.52})
    # heating: 15,996.69 + 1,855.71 = 17,852.40
    assert dict(result.by_use) == pytest.approx({HEATING: 17_852.40, LIGHTING: 1_620.81})
    assert [round(line.kg_co2e, 2) for line in result.lines] == [15_996.69, 1_855.71, 1_620.81]
    assert [line.factor.kg_co2e_per_kwh for line in result.lines] == [0.227, 0.079, 0.069]
    assert "arrêté du 31 mars 2021" in result.source


def test_factor_depends_on_the_use_for_electricity_only() -> None:
    # electricity: chauffage 0.079, eau chaude sanitaire 0.065, refroidissement 0.064,
    # éclairage 0.069, auxiliaires 0.064; gas: 0.227 whatever the use.
    assert emission_factor(ELEC, "eau chaude sanitaire").kg_co2e_per_kwh == 0.065
    assert emission_factor(ELEC, "auxiliaires").kg_co2e_per_kwh == 0.064
    assert emission_factor(GAS, LIGHTING).kg_co2e_per_kwh == 0.227
    assert emission_factor(GAS, LIGHTING).use == "all"
    assert "src/conso.js" in emission_factor(GAS, HEATING).source


def test_labels_match_regardless_of_case_composition_and_spaces() -> None:
    decomposed = "e\u0301lectricite\u0301"  # "électricité" with combining accents
    assert emission_factor(decomposed, "  Éclairage ").kg_co2e_per_kwh == 0.069
    assert emission_factor("Gaz  Naturel", "CHAUFFAGE").kg_co2e_per_kwh == 0.227


def test_unknown_carrier_is_an_error_naming_it_and_the_line() -> None:
    uses = [*school_uses(), EnergyUse("hydrogène", HEATING, 10.0, id="h2")]
    with pytest.raises(QueryError) as info:
        operational_carbon(uses, floor_area=1450.0)
    message = str(info.value)
    assert "'hydrogène'" in message and "'h2'" in message and "gaz naturel" in message


def test_unknown_use_is_an_error_naming_it() -> None:
    with pytest.raises(QueryError, match="unknown end use 'cuisson'"):
        operational_carbon([EnergyUse(GAS, "cuisson", 10.0)], floor_area=10.0)
    with pytest.raises(QueryError, match=r"energy use #1: unknown end use 'mobilité'"):
        operational_carbon([EnergyUse(ELEC, "mobilité", 10.0)], floor_area=10.0)


@pytest.mark.parametrize(
    ("kwh", "area", "expected"),
    [
        (-5.0, 10.0, r"energy use #1: kwh: expected a number >= 0, got -5.0"),
        (math.nan, 10.0, r"energy use #1: kwh: expected a finite number"),
        ("12", 10.0, r"energy use #1: kwh: expected a number, got '12'"),
        (5.0, 0.0, r"floor area \(m²\): expected a number > 0, got 0.0"),
    ],
)
def test_bad_numbers_are_errors_naming_the_input(kwh: object, area: float, expected: str) -> None:
    with pytest.raises(QueryError, match=expected):
        operational_carbon([EnergyUse(GAS, HEATING, kwh)], floor_area=area)  # type: ignore[arg-type]


def test_uses_of_several_years_are_refused() -> None:
    uses = [EnergyUse(GAS, HEATING, 1.0, year=2023), EnergyUse(GAS, HEATING, 1.0, year=2024)]
    with pytest.raises(QueryError, match="one year, got years 2023, 2024"):
        operational_carbon(uses, floor_area=10.0)


def test_no_energy_use_emits_nothing() -> None:
    result = operational_carbon([], floor_area=100.0)
    assert (result.kg_co2e_per_year, result.kg_co2e_per_m2_year, result.year) == (0.0, 0.0, None)

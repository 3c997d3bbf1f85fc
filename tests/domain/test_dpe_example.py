"""Cross-check: operational carbon, recomputed by hand.

1. The issue-4 worked example (the demo school's 2024 energy): 81 kWh/m² × 1,450 m² =
   117,450 kWh PCI; 60 % gas heating 70,470 × 0.227 = 15,996.69; 20 % electric heating
   23,490 × 0.079 = 1,855.71; 20 % electric lighting 23,490 × 0.069 = 1,620.81;
   total 19,473.21 kg CO2e a year, 13.43 kg CO2e/m² (DPE 2021 factors, arrêté du
   31 mars 2021: gas 0.227, electricity heating 0.079, lighting 0.069 kg CO2e/kWh PCI).
2. Gas from a bill in kWh PCS: 11,100 kWh PCS / 1.11 (3CL-DPE 2021 PCS/PCI ratio for
   natural gas) = 10,000 kWh PCI; × 0.227 = 2,270 kg CO2e (and not 11,100 × 0.227 = 2,519.7).
3. District heating: one factor per network from the yearly arrêté, not bundled: refused.
"""

from __future__ import annotations

import pytest

from connector.domain import EnergyUse, operational_carbon
from connector.errors import QueryError


def test_the_schools_worked_example() -> None:
    result = operational_carbon(
        [
            EnergyUse("gaz naturel", "chauffage", 70470.0),
            EnergyUse("électricité", "chauffage", 23490.0),
            EnergyUse("électricité", "éclairage", 23490.0),
        ],
        floor_area=1450.0,
    )
    assert result.kg_co2e_per_year == pytest.approx(15996.69 + 1855.71 + 1620.81)
    assert result.kg_co2e_per_m2_year == pytest.approx(13.43, abs=0.005)
    assert "housing method's table" in result.method


def test_gas_billed_in_pcs_is_converted_to_pci_first() -> None:
    billed = EnergyUse("gaz naturel", "chauffage", 11100.0, basis="PCS")
    result = operational_carbon([billed], floor_area=100.0)
    assert result.lines[0].kwh_pci == pytest.approx(10000.0)
    assert result.kg_co2e_per_year == pytest.approx(2270.0)


def test_district_heating_is_refused_never_zero() -> None:
    with pytest.raises(QueryError, match="one emission factor per network"):
        operational_carbon([EnergyUse("réseau de chaleur", "chauffage", 5000.0)], floor_area=100.0)


def test_pcs_without_a_ratio_is_an_error() -> None:
    with pytest.raises(QueryError, match="no PCS/PCI ratio for 'électricité'"):
        operational_carbon(
            [EnergyUse("électricité", "chauffage", 10.0, basis="PCS")], floor_area=1.0
        )
    with pytest.raises(QueryError, match="basis expected PCI or PCS, got 'PCX'"):
        operational_carbon(
            [EnergyUse("gaz naturel", "chauffage", 10.0, basis="PCX")], floor_area=1.0
        )

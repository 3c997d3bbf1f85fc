"""The bundled data files: sources stated, values consistent with their stated method."""

from __future__ import annotations

import math

import pytest

from connector.domain._data import parse_table, table
from connector.domain.re2020 import dynamic_weights
from connector.errors import ConfigError

FILES = [
    "dynamic_lca_weights.csv",
    "thresholds.csv",
    "dpe2021_ges_factors.csv",
    "pcs_pci_ratios.csv",
    "icone.csv",
]


@pytest.mark.parametrize("name", FILES)
def test_every_data_file_states_its_source(name: str) -> None:
    data = table(name)
    assert data.lines
    assert "Source" in data.source or "source" in data.source


def test_weights_follow_the_method_they_cite() -> None:
    # The method quoted in /work/shared/data/SOURCES.md: f(x) = AGWP_CO2(100 − x) / AGWP_CO2(100)
    # with the IPCC AR5 CO2 impulse response (Joos et al. 2013):
    # a0 = 0.2173; a = 0.2240, 0.2824, 0.2763; τ = 394.4, 36.54, 4.304 years, and
    # AGWP(H) ∝ a0·H + Σ a_i τ_i (1 − exp(−H / τ_i)). Table values are rounded to 4 places.
    a0, terms = 0.2173, [(0.2240, 394.4), (0.2824, 36.54), (0.2763, 4.304)]

    def agwp(h: float) -> float:
        return a0 * h + sum(a * tau * (1 - math.exp(-h / tau)) for a, tau in terms)

    weights = dynamic_weights()
    for year in range(weights.period + 1):
        assert weights.weight(year) == pytest.approx(agwp(100 - year) / agwp(100), abs=1e-4)
    assert "RECONSTRUCTED" in weights.source


def test_malformed_tables_are_config_errors_naming_file_line_and_column() -> None:
    with pytest.raises(ConfigError, match=r"x.csv: line 4: expected 2 columns \(year, weight\)"):
        parse_table("x.csv", "# src\nyear,weight\n0,1.0\n1\n")
    with pytest.raises(ConfigError, match=r"x.csv: line 3: expected 2 columns"):
        parse_table("x.csv", "# src\nyear,weight\n0,1.0,9\n")
    data = parse_table("y.csv", "# src\nyear,weight\n0,abc\n")
    with pytest.raises(ConfigError, match=r"y.csv: line 3: weight: expected a number, found 'abc'"):
        data.number(data.lines[0], "weight")
    with pytest.raises(ConfigError, match=r"y.csv: header: expected a CSV header line"):
        parse_table("y.csv", "# only a comment\n")

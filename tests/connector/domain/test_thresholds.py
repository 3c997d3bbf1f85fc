"""Verdicts against Ic_construction_maxmoyen (values quoted from data/thresholds.csv:
maison_individuelle 640 / 530 / 475 / 415 and logement_collectif 740 / 650 / 580 / 490 for
permits 2022-2024 / 2025-2027 / 2028-2030 / from 2031)."""

from __future__ import annotations

import pytest

from connector.domain import threshold_verdict
from connector.errors import QueryError


@pytest.mark.parametrize(
    ("value", "kind", "year", "status", "threshold"),
    [
        (600.0, "maison_individuelle", 2022, "within", 640.0),
        (640.0, "maison_individuelle", 2024, "within", 640.0),  # equal is within (≤)
        (640.1, "maison_individuelle", 2024, "above", 640.0),
        (500.0, "maison_individuelle", 2031, "above", 415.0),
        (500.0, "Maison_Individuelle", 2040, "above", 415.0),  # open-ended last period
        (600.0, "logement_collectif", 2028, "above", 580.0),
        (700.0, "logement_collectif", 2023, "within", 740.0),
    ],
)
def test_verdict_by_type_and_permit_year(
    value: float, kind: str, year: int, status: str, threshold: float
) -> None:
    verdict = threshold_verdict(value, building_type=kind, year=year)
    assert (verdict.status, verdict.threshold, verdict.value) == (status, threshold, value)
    assert "thresholds.csv, line" in verdict.source


def test_reason_reads_as_a_sentence() -> None:
    verdict = threshold_verdict(500.0, building_type="maison_individuelle", year=2031)
    assert verdict.reason == (
        "500.0 kg CO2e/m² > Ic_construction_maxmoyen 415 kg CO2e/m² for maison_individuelle, "
        "permits from 2031 (average maximum before the regulation's modulations)"
    )


def test_school_has_no_threshold_known() -> None:
    verdict = threshold_verdict(300.0, building_type="enseignement", year=2025)
    assert verdict.status == "no_threshold_known"
    assert verdict.threshold is None
    assert verdict.reason == (
        "no threshold known: no Ic_construction_maxmoyen for building type 'enseignement' in "
        "2025 (the table covers only the building types 'logement_collectif', "
        "'maison_individuelle')"
    )
    assert "Schools" in verdict.source


def test_year_before_the_regulation_has_no_threshold_known() -> None:
    verdict = threshold_verdict(300.0, building_type="logement_collectif", year=2019)
    assert verdict.status == "no_threshold_known"
    assert "only for 2022-2024, 2025-2027, 2028-2030, from 2031" in verdict.reason


def test_bad_inputs_are_errors() -> None:
    with pytest.raises(QueryError, match="year of the building permit: expected an integer"):
        threshold_verdict(1.0, building_type="logement_collectif", year="2025")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="ic_construction_maxmoyen value: expected a finite"):
        threshold_verdict(float("nan"), building_type="logement_collectif", year=2025)

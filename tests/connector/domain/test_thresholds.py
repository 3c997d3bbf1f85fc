"""Verdicts against Ic_construction_maxmoyen (values quoted from data/thresholds.csv:
maison_individuelle 640 / 530 / 475 / 415 and logement_collectif 740 / 650 / 580 / 490 for
permits 2022-2024 / 2025-2027 / 2028-2030 / from 2031). The school and office thresholds are
cross-checked against the décret in tests/domain/test_thresholds_school.py."""

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
        "permits filed from 2031 (the period of a permit filed in 2031; average maximum "
        "before the regulation's modulations)"
    )
    assert verdict.period == "from 2031"


def test_a_usage_of_the_later_decrets_has_no_threshold_known() -> None:
    verdict = threshold_verdict(300.0, building_type="commerce", year=2026)
    assert verdict.status == "no_threshold_known"
    assert (verdict.threshold, verdict.period) == (None, None)
    assert verdict.reason == (
        "no threshold known: no Ic_construction_maxmoyen for building type 'commerce' in "
        "2026 (the table covers only the building types 'bureaux', 'enseignement_primaire', "
        "'enseignement_secondaire', 'logement_collectif', 'maison_individuelle')"
    )
    assert "NOT in this file" in verdict.source


def test_each_threshold_cites_its_text() -> None:
    verdict = threshold_verdict(300.0, building_type="enseignement_primaire", year=2026)
    assert verdict.source.startswith("décret n° 2022-305 du 1er mars 2022")


def test_year_before_the_regulation_has_no_threshold_known() -> None:
    verdict = threshold_verdict(300.0, building_type="logement_collectif", year=2019)
    assert verdict.status == "no_threshold_known"
    assert "only for 2022-2024, 2025-2027, 2028-2030, from 2031" in verdict.reason


def test_bad_inputs_are_errors() -> None:
    with pytest.raises(QueryError, match="year of the building permit: expected an integer"):
        threshold_verdict(1.0, building_type="logement_collectif", year="2025")  # type: ignore[arg-type]
    with pytest.raises(QueryError, match="ic_construction_maxmoyen value: expected a finite"):
        threshold_verdict(float("nan"), building_type="logement_collectif", year=2025)

"""Cross-check: verdicts against the school and office thresholds at each threshold year.

Expected thresholds (kg CO2e/m², Ic_construction_maxmoyen, before modulations), décret
n° 2022-305 du 1er mars 2022 — annex to article R. 172-4 of the code de la construction et
de l'habitation, chapter III §III, as transcribed (see connector/domain/data/thresholds.csv
for the check and its limits); also given by the secondary source emersus:
* enseignement primaire and secondaire (usages 4 and 5): 900 / 770 / 680 / 590;
* bureaux (usage 3): 980 / 810 / 710 / 600 (Le Moniteur: 980 until 2024, 600 from 2031);
for permits filed 2022-2024 / 2025-2027 / 2028-2030 / from 2031. Equal is within (≤).
"""

from __future__ import annotations

import pytest

from connector.domain import threshold_verdict

SCHOOL = {2022: 900, 2024: 900, 2025: 770, 2027: 770, 2028: 680, 2030: 680, 2031: 590, 2040: 590}
OFFICE = {2022: 980, 2024: 980, 2025: 810, 2027: 810, 2028: 710, 2030: 710, 2031: 600, 2040: 600}
PERIOD = {
    2022: "2022-2024",
    2024: "2022-2024",
    2025: "2025-2027",
    2027: "2025-2027",
    2028: "2028-2030",
    2030: "2028-2030",
    2031: "from 2031",
    2040: "from 2031",
}


@pytest.mark.parametrize("kind", ["enseignement_primaire", "enseignement_secondaire"])
@pytest.mark.parametrize("year", sorted(SCHOOL))
def test_school_verdicts_at_each_threshold_year(kind: str, year: int) -> None:
    limit = SCHOOL[year]
    at = threshold_verdict(float(limit), building_type=kind, year=year)
    over = threshold_verdict(limit + 0.1, building_type=kind, year=year)
    assert (at.status, at.threshold, at.period) == ("within", limit, PERIOD[year])
    assert (over.status, over.threshold) == ("above", limit)


@pytest.mark.parametrize("year", sorted(OFFICE))
def test_office_verdicts_at_each_threshold_year(year: int) -> None:
    limit = OFFICE[year]
    at = threshold_verdict(float(limit), building_type="bureaux", year=year)
    over = threshold_verdict(limit + 0.1, building_type="bureaux", year=year)
    assert (at.status, at.threshold, at.period) == ("within", limit, PERIOD[year])
    assert (over.status, over.threshold) == ("above", limit)


def test_the_extension_across_the_periods() -> None:
    # 444.9 kg CO2e/m² (tests/domain/test_extension_carbon.py) is below every school value;
    # a 700 kg CO2e/m² school passes until 2027 (770) and fails from 2028 (680)
    for year in SCHOOL:
        assert threshold_verdict(
            444.9, building_type="enseignement_primaire", year=year
        ).status == ("within")
    statuses = {
        y: threshold_verdict(700.0, building_type="enseignement_primaire", year=y).status
        for y in (2024, 2027, 2028, 2031)
    }
    assert statuses == {2024: "within", 2027: "within", 2028: "above", 2031: "above"}


def test_before_the_regulation_a_school_has_no_threshold() -> None:
    # the décret applies to permits filed from 1 July 2022: no school row before 2022
    verdict = threshold_verdict(500.0, building_type="enseignement_primaire", year=2021)
    assert (verdict.status, verdict.period) == ("no_threshold_known", None)

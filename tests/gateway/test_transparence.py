"""The families' page's pieces that need no running data space: the usage table, the
rounding of shares, the chart (the whole page runs in Chromium, tests/console_browser)."""

from __future__ import annotations

from connector.gateway._transparence import cost, percent, uses
from connector.gateway._transparence_chart import WeekBar, week_chart

AIR = "https://example.org/datasets/air"
ROOMS = "https://example.org/datasets/rooms"
OTHER = "https://example.org/datasets/other"
RESEARCH = "https://w3id.org/dpv#AcademicResearch"


def test_uses_sum_the_page_datasets_by_type_and_purpose() -> None:
    summary = {
        "labels": {},
        "datasets": [
            {"iri": AIR, "groups": [
                {"type": "public", "purpose": None, "permit": 3, "deny": 0},
                {"type": "recherche", "purpose": RESEARCH, "permit": 1, "deny": 1},
            ]},
            {"iri": ROOMS, "groups": [{"type": "public", "purpose": None, "permit": 2, "deny": 1}]},
            {"iri": OTHER, "groups": [
                {"type": "entreprise", "purpose": None, "permit": 9, "deny": 0},
            ]},
        ],
    }  # fmt: skip
    # public: 3 + 2 granted, 0 + 1 refused; research 1 and 1; OTHER is not on the page
    assert uses(summary, [AIR, ROOMS], "fr") == [
        {"type": "public, sans jeton", "purpose": "aucun but déclaré", "permit": 5, "deny": 1},
        {"type": "recherche", "purpose": "La recherche académique", "permit": 1, "deny": 1},
    ]
    assert uses(summary, [AIR], "en")[1] == {
        "type": "research",
        "purpose": "Academic research",
        "permit": 1,
        "deny": 1,
    }


def test_percent_rounds_half_up_with_the_language_spacing() -> None:
    assert percent(0.625, "fr") == "63\u202f%"  # 62.5 rounds up
    assert percent(0.6249, "en") == "62%"
    assert percent(0.0, "en") == "0%"


def test_chart_escapes_its_texts_and_draws_one_bar_per_week() -> None:
    svg = str(
        week_chart(
            [WeekBar("2025-W36", 1200, 1900), WeekBar("2025-W37", 900, 1400)],
            guidance=800,
            action=1500,
            chart_id="c",
            title='<script>alert("x")</script>',
            description="a & b",
        )
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "a &amp; b" in svg
    assert svg.count("<rect") == 2
    assert ">800 ppm<" in svg and ">1500 ppm<" in svg
    assert 'aria-labelledby="c-t c-d"' in svg


def test_the_cost_line_sums_the_page_datasets() -> None:
    summary = {
        "datasets": [
            {"iri": AIR, "cost": {"requests": 3.0, "energyWh": 0.25, "gCo2e": 0.013}},
            {"iri": ROOMS, "cost": {"requests": 1.0, "energyWh": 0.5, "gCo2e": 0.026}},
            {"iri": OTHER, "cost": {"requests": 9.0, "energyWh": 100.0, "gCo2e": 5.0}},
        ]
    }
    line = cost(summary, [AIR, ROOMS], "fr")
    assert line is not None
    assert "environ 0,75 Wh" in line and "soit 0,039 g" in line  # 0.25 + 0.5; 0.013 + 0.026
    assert "about 0.75 Wh" in (cost(summary, [AIR, ROOMS], "en") or "")
    assert cost({"datasets": [{"iri": AIR, "groups": []}]}, [AIR], "fr") is None
    tiny = {"datasets": [{"iri": AIR, "cost": {"energyWh": 0.0015, "gCo2e": 0.0000796}}]}
    # what a family reads: no scientific notation (0.0000796 to two figures is 0.00008)
    assert "environ 0,0015 Wh" in (line := cost(tiny, [AIR], "fr") or "")
    assert "soit 0,00008 g" in line

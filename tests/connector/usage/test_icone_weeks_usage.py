"""ICONE by week under usage control, on the adversary partner of ``test_bypass``: derived
indicators at a day or coarser for everyone, raw readings for the school's staff.

A week is a granularity: the weeks of a report are judged at the week's level with the
period of the ``indoorAir`` field that encloses them, built from whole days holding at
least the node's minimum of readings (the oracle counts them from the raw rows), and
refused where the period cuts a day or where the enclosing period is not known.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.connector.usage import test_bypass
from tests.connector.usage.adversary import BUILDING, PARIS
from tests.connector.usage.test_bypass import Lab, denied_at, icone_oracle, iso

lab = test_bypass.lab
"""The adversary partner's node (a module-scoped fixture), shared with ``test_bypass``."""

MONDAY = datetime(2026, 1, 5, tzinfo=PARIS)
WEEKS = (
    '{{ x: space(id: "{b}/R1") {{ indoorAir(from: "{a}", to: "{z}") '
    "{{ occupiedReadings weeks {{ week occupiedReadings mean }} worstWeek {{ week }} }} }} }}"
)


def test_weeks_for_everyone_come_from_whole_days_of_enough_readings(lab: Lab) -> None:
    a, z = MONDAY, MONDAY + timedelta(days=7)
    body = lab.ask(WEEKS.format(b=BUILDING, a=iso(a), z=iso(z)))
    assert "errors" not in body, body
    report = body["data"]["x"]["indoorAir"]
    kept = icone_oracle("R1", a, z)
    (week,) = report["weeks"]
    assert week["week"] == "2026-W02" and report["worstWeek"] == {"week": "2026-W02"}
    assert week["occupiedReadings"] == report["occupiedReadings"] == len(kept) > 0
    assert week["mean"] == sum(r.value for r in kept) / len(kept)
    (derive,) = [u for u in body["extensions"]["usage"] if u["action"] == "derive"]
    assert derive["cells"]["unit"] == "day"


def test_weeks_of_a_period_cut_inside_a_day_are_refused(lab: Lab) -> None:
    a, z = MONDAY + timedelta(hours=9), MONDAY + timedelta(days=7)
    body = lab.ask(WEEKS.format(b=BUILDING, a=iso(a), z=iso(z)))
    assert body["data"]["x"] is None or body["data"]["x"]["indoorAir"] is None
    denied_at(body, ["x", "indoorAir"])


def test_weeks_in_a_named_fragment_are_judged_as_single_readings(lab: Lab) -> None:
    """Read on its own, a fragment on IndoorAirReport does not say which period encloses
    it: its weeks are judged at the finest level, which only a reader of the rows gets."""
    query = (
        "fragment W on IndoorAirReport { weeks { occupiedReadings } } "
        f'{{ x: space(id: "{BUILDING}/R1") {{ indoorAir(from: "{iso(MONDAY)}", '
        f'to: "{iso(MONDAY + timedelta(days=7))}") {{ occupiedReadings ...W }} }} }}'
    )
    anyone = lab.ask(query)
    assert anyone["data"]["x"]["indoorAir"] is None
    denied_at(anyone, ["x", "indoorAir", "weeks"])
    staff = lab.ask(query, token="ana")
    assert "errors" not in staff, staff
    assert staff["data"]["x"]["indoorAir"]["weeks"][0]["occupiedReadings"] > 0

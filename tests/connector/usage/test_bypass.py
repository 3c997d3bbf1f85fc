"""Hunting for ways around usage control, as an adversary would (Hypothesis).

The partner (:mod:`tests.connector.usage.adversary`) permits raw readings to the school's
staff, hourly or coarser aggregates to the university's researchers, and daily or
coarser derived indicators (ICONE) to everyone; its dwellings' energy is personal data,
aggregated for researchers. The node's floors: 5 readings per cell, 10 dwellings.

Each property is checked against an oracle written here from the raw rows, never from
the node's code: whatever the aliases, windows, filters, buckets or paths, an answer
never shows a group finer than a permit allows, and two answers never differ by fewer
readings or dwellings than the floors.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.app import create_app
from connector.config import load_config
from connector.errors import AuthError
from connector.identity import Identity
from tests.connector.usage.adversary import (
    BUILDING,
    DAYS,
    MIN_ROWS,
    MIN_SUBJECTS,
    PARIS,
    ROOMS,
    P,
    Reading,
    cells,
    dwellings,
    make_partner,
    occupied,
    readings,
)

READINGS = readings()
DWELLINGS = dwellings()
TOKENS = {
    "univ": Identity(
        party=P + "univ",
        client_id="lab",
        token_id="t-univ",
        purpose="https://w3id.org/dpv#AcademicResearch",
    ),
    "ana": Identity(party=P + "ana", client_id="school", token_id="t-ana"),
}
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Tokens:
    async def verify(self, header: str | None) -> Identity:
        if not header:
            return Identity.public()
        token = header.removeprefix("Bearer ")
        if token not in TOKENS:
            raise AuthError(f"unknown test token {token!r}")
        return TOKENS[token]


@dataclass
class Lab:
    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient

    def ask(self, query: str, token: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = self.loop.run_until_complete(
            self.client.post("/graphql", json={"query": query}, headers=headers)
        )
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    folder = tmp_path_factory.mktemp("adversary")
    app = create_app(load_config(make_partner(folder)), verifier=Tokens())
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8196"
    )
    yield Lab(loop, client)
    loop.run_until_complete(client.aclose())
    loop.run_until_complete(app.state.usage.audit.aclose())
    loop.close()


# -- what an adversary tries ------------------------------------------------------------
START = datetime(2026, 1, 4, tzinfo=PARIS)  # the Sunday before the readings


@st.composite
def windows(draw: st.DrawFn, *, step: int = 10) -> tuple[datetime, datetime]:
    """Windows of any size from 10 minutes to 4 days, cut anywhere on a 10-minute grid
    or on whole hours and days (where the floors matter most)."""
    grid = draw(st.sampled_from([step, 60, 24 * 60]))
    start = START + timedelta(minutes=grid * draw(st.integers(0, 4 * 24 * 60 // grid)))
    length = timedelta(minutes=grid * draw(st.integers(1, 4 * 24 * 60 // grid)))
    return start, start + length


def iso(moment: datetime) -> str:
    return moment.isoformat()


def errors_at(body: dict[str, Any], path: list[Any]) -> list[dict[str, Any]]:
    return [e for e in body.get("errors", []) if e.get("path", [])[: len(path)] == path]


def denied_at(body: dict[str, Any], path: list[Any]) -> None:
    """Null data must come with a refusal that says why, never a masked fault."""
    found = errors_at(body, path) or [e for e in body.get("errors", []) if "path" not in e]
    assert found, body
    assert all(e.get("extensions", {}).get("code") == "POLICY_DENIED" for e in found), found


def midnight(moment: datetime) -> bool:
    local = moment.astimezone(PARIS)
    return (local.hour, local.minute, local.second) == (0, 0, 0)


def on_hour(moment: datetime) -> bool:
    return (moment.minute, moment.second) == (0, 0)


# -- derived indicators for everyone: ICONE by whole days --------------------------------
def icone_oracle(room: str, start: datetime, end: datetime) -> list[Reading]:
    kept = cells([r for r in READINGS if r.room == room and occupied(r)], "day", start, end)
    return [r for rs in kept.values() for r in rs]


ICONE = '{alias}: space(id: "{building}/{room}") {{ indoorAir(from: "{a}", to: "{b}") {{ occupiedReadings mean }} }}'  # noqa: E501


@EXAMPLES
@given(st.lists(st.tuples(st.sampled_from(ROOMS), windows()), min_size=1, max_size=8))
def test_icone_for_everyone_never_shows_less_than_whole_days_of_enough_readings(
    lab: Lab, asked: list[tuple[str, tuple[datetime, datetime]]]
) -> None:
    query = (
        "{ "
        + " ".join(
            ICONE.format(alias=f"a{i}", building=BUILDING, room=room, a=iso(a), b=iso(b))
            for i, (room, (a, b)) in enumerate(asked)
        )
        + " }"
    )
    body = lab.ask(query)
    for i, (room, (a, b)) in enumerate(asked):
        got = (body.get("data") or {}).get(f"a{i}")
        report = got["indoorAir"] if got else None
        if report is None:
            if midnight(a) and midnight(b):
                # whole days: null only where no day keeps enough readings
                assert not icone_oracle(room, a, b), f"whole days were refused: {body}"
            else:
                denied_at(body, [f"a{i}", "indoorAir"])
            continue
        assert midnight(a) and midnight(b), f"a window cut inside a day was answered: {a}, {b}"
        assert b - a >= timedelta(hours=23)
        kept = icone_oracle(room, a, b)
        assert report["occupiedReadings"] == len(kept) >= MIN_ROWS
        assert report["mean"] == pytest.approx(sum(r.value for r in kept) / len(kept))


@EXAMPLES
@given(st.sampled_from(ROOMS), windows(), windows())
def test_two_icone_windows_never_differ_by_less_than_the_floor(
    lab: Lab, room: str, w1: tuple[datetime, datetime], w2: tuple[datetime, datetime]
) -> None:
    query = (
        "{ "
        + " ".join(
            ICONE.format(alias=f"a{i}", building=BUILDING, room=room, a=iso(a), b=iso(b))
            for i, (a, b) in enumerate((w1, w2))
        )
        + " }"
    )
    body = lab.ask(query)
    counts = []
    for i in range(2):
        got = (body.get("data") or {}).get(f"a{i}")
        if got and got["indoorAir"]:
            counts.append(got["indoorAir"]["occupiedReadings"])
    nested = (w1[0] <= w2[0] and w2[1] <= w1[1]) or (w2[0] <= w1[0] and w1[1] <= w2[1])
    if len(counts) == 2 and nested:
        gap = abs(counts[0] - counts[1])
        assert gap == 0 or gap >= MIN_ROWS, (w1, w2, counts)


# -- aggregates for researchers: by whole hours, enough readings per cell -----------------
def stats_oracle(start: datetime, end: datetime, sensor: str | None) -> list[Reading]:
    rows = [r for r in READINGS if sensor is None or f"S-{r.room}" == sensor]
    return [r for rs in cells(rows, "hour", start, end).values() for r in rs]


STATS = (
    "{{ observationStats(field: VALUE, filter: {{{filter}}}{group}{bucket}) "
    "{{ group {{ sensorId }} bucketStart count sum }} }}"
)


@EXAMPLES
@given(
    windows(),
    st.sampled_from([None, "S-R1", "S-R2"]),
    st.sampled_from([None, "HOUR", "DAY"]),
    st.booleans(),
    st.sampled_from([None, 1000.0, 1000.5]),
)
def test_researchers_never_see_a_cell_below_the_floor_or_a_window_cut_inside_an_hour(
    lab: Lab,
    window: tuple[datetime, datetime],
    sensor: str | None,
    bucket: str | None,
    grouped: bool,
    value_above: float | None,
) -> None:
    a, b = window
    parts = [f'resultTime: {{gte: "{iso(a)}", lt: "{iso(b)}"}}']
    if sensor:
        parts.append(f'sensorId: {{eq: "{sensor}"}}')
    if value_above is not None:
        parts.append(f"value: {{gt: {value_above}}}")
    query = STATS.format(
        filter=", ".join(parts),
        group=", groupBy: [SENSOR_ID]" if grouped else "",
        bucket=f", bucket: {{field: RESULT_TIME, unit: {bucket}}}" if bucket else "",
    )
    body = lab.ask(query, token="univ")
    groups = (body.get("data") or {}).get("observationStats")
    if groups is None:
        denied_at(body, ["observationStats"])
        return
    assert value_above is None, "a filter on the value cuts cells: it must be refused"
    assert on_hour(a) and on_hour(b), "a window cut inside an hour was answered"
    kept = stats_oracle(a, b, sensor)
    assert sum(g["count"] for g in groups) == len(kept)
    assert sum(g["sum"] for g in groups) == pytest.approx(sum(r.value for r in kept))
    for g in groups:
        assert g["count"] >= MIN_ROWS


@EXAMPLES
@given(st.sampled_from(READINGS), st.integers(0, 30), st.sampled_from([1, 10, 60]))
def test_two_windows_one_reading_apart_tell_nothing_of_that_reading(
    lab: Lab, reading: Reading, hours_before: int, minutes_after: int
) -> None:
    """W2 extends W1 past exactly one more reading (when cut on its minute), or past
    the hour that holds it (when cut on whole hours)."""
    end1 = reading.local if minutes_after < 60 else reading.local.replace(minute=0)
    end2 = end1 + timedelta(minutes=minutes_after)
    start = end1.replace(minute=0) - timedelta(hours=hours_before)
    query = (
        "{ "
        + " ".join(
            f'w{i}: observationStats(field: VALUE, filter: {{resultTime: {{gte: "{iso(start)}", '
            f'lt: "{iso(end)}"}}}}) {{ count sum }}'
            for i, end in enumerate((end1, end2))
        )
        + " }"
    )
    body = lab.ask(query, token="univ")
    data = body.get("data") or {}
    answered = [data.get(f"w{i}") for i in range(2)]
    if all(answered):
        gap = answered[1][0]["count"] - answered[0][0]["count"]
        assert gap == 0 or gap >= MIN_ROWS, (start, end1, end2, answered)
    for i, got in enumerate(answered):
        if got is None:
            denied_at(body, [f"w{i}"])


# -- personal data: dwellings, never fewer than ten together ------------------------------
ENERGY = "{{ energyUseStats(field: KWH{filter}{group}) {{ group {{ carrier }} count sum }} }}"
CARRIERS = sorted({d.carrier for d in DWELLINGS})


def carriers_kept() -> set[str]:
    by: dict[str, int] = {}
    for d in DWELLINGS:
        by[d.carrier] = by.get(d.carrier, 0) + 1
    return {c for c, n in by.items() if n >= MIN_SUBJECTS}


@EXAMPLES
@given(
    st.sets(st.sampled_from(CARRIERS), min_size=1),
    st.sets(st.sampled_from(CARRIERS), min_size=1),
    st.booleans(),
)
def test_two_filters_one_dwelling_apart_tell_nothing_of_that_dwelling(
    lab: Lab, first: set[str], second: set[str], grouped: bool
) -> None:
    query = (
        "{ "
        + " ".join(
            f"f{i}: "
            + ENERGY.format(
                filter=", filter: {carrier: {in: ["
                + ", ".join(f'"{c}"' for c in sorted(s))
                + "]}}",
                group=", groupBy: [CARRIER]" if grouped else "",
            )[2:-2]
            for i, s in enumerate((first, second))
        )
        + " }"
    )
    body = lab.ask(query, token="univ")
    data = body.get("data") or {}
    kept = carriers_kept()
    totals = []
    for i, asked in enumerate((first, second)):
        groups = data.get(f"f{i}")
        expected = [d for d in DWELLINGS if d.carrier in asked & kept]
        if groups is None:
            assert not expected, f"{asked} holds enough dwellings yet was refused: {body}"
            denied_at(body, [f"f{i}"])
            continue
        for g in groups:
            assert g["count"] >= MIN_SUBJECTS
        assert sum(g["count"] for g in groups) == len(expected)
        assert sum(g["sum"] for g in groups) == pytest.approx(sum(d.kwh for d in expected))
        totals.append(sum(g["count"] for g in groups))
    if len(totals) == 2 and (first <= second or second <= first):
        gap = abs(totals[0] - totals[1])
        assert gap == 0 or gap >= MIN_SUBJECTS


@pytest.mark.parametrize(
    "clause",
    [
        f', filter: {{rnbId: {{eq: "{DWELLINGS[0].rnb}"}}}}',
        ', filter: {rnbId: {in: ["' + '", "'.join(d.rnb for d in DWELLINGS[:11]) + '"]}}',
        ", groupBy: [RNB_ID]",
        ', filter: {carrier: {eq: "fioul"}}',
    ],
    ids=["one-dwelling", "eleven-dwellings-by-id", "per-dwelling", "the-only-fuel-house"],
)
def test_filters_that_single_out_dwellings_are_refused(lab: Lab, clause: str) -> None:
    query = f"{{ energyUseStats(field: KWH{clause}) {{ count sum }} }}"
    body = lab.ask(query, token="univ")
    assert body["data"] == {"energyUseStats": None}
    denied_at(body, ["energyUseStats"])


def test_the_city_reads_its_own_dwellings_one_by_one(lab: Lab) -> None:
    """The floors protect data from callers who may not read it, not from its owner."""
    d = DWELLINGS[0]
    body = lab.ask(
        f'{{ energyUseStats(field: KWH, filter: {{rnbId: {{eq: "{d.rnb}"}}}}) {{ count sum }} }}',
        token=None,
    )
    assert body["data"] == {"energyUseStats": None}  # the public may not
    staff = lab.ask(
        f'{{ energyUseStats(field: KWH, filter: {{rnbId: {{eq: "{d.rnb}"}}}}) {{ count sum }} }}',
        token="ana",
    )
    assert staff["data"] == {"energyUseStats": None}  # nor may the school's staff


# -- raw rows stay raw-only ---------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "{ observations(first: 1) { nodes { id value } } }",
        "{ observations(first: 1) { totalCount } }",
        '{ observation(id: "1") { value } }',
        '{ sensor(id: "S-R1") { observations(first: 1) { value } } }',
        '{ space(id: "' + BUILDING + '/R1") { sensors { observations(first: 1) { value } } } }',
    ],
    ids=["page", "count", "one", "nested", "nested-deeper"],
)
def test_aggregate_only_callers_get_no_rows_whatever_the_path(lab: Lab, query: str) -> None:
    body = lab.ask(query, token="univ")
    flat = str(body.get("data"))
    assert "'value': " not in flat.replace("'value': None", ""), body
    assert body.get("errors"), body


def test_the_staff_read_rows_and_get_exact_figures(lab: Lab) -> None:
    """A caller who may read the rows gets aggregates unfloored (nothing more is shown)."""
    a = datetime(2026, 1, 5, 8, 0, tzinfo=PARIS)
    b = a + timedelta(minutes=10)
    body = lab.ask(
        f'{{ observationStats(field: VALUE, filter: {{resultTime: {{gte: "{iso(a)}", '
        f'lt: "{iso(b)}"}}}}) {{ count }} }}',
        token="ana",
    )
    expected = sum(1 for r in READINGS if a <= r.local < b)
    assert body["data"]["observationStats"] == [{"count": expected}]


def test_the_data_has_what_the_tests_need() -> None:
    """The fixture's gaps leave hours below the floor, and carriers below ten dwellings."""
    per_hour: dict[tuple[str, datetime], int] = {}
    for r in READINGS:
        key = (r.room, r.local.replace(minute=0))
        per_hour[key] = per_hour.get(key, 0) + 1
    assert any(n < MIN_ROWS for n in per_hour.values())
    assert any(n >= MIN_ROWS for n in per_hour.values())
    assert len(carriers_kept()) == 2 and len(CARRIERS) == 4
    assert set(DAYS) == {5, 6, 7}
    assert list(itertools.islice(READINGS, 1))


def test_whole_hours_and_whole_days_are_answered(lab: Lab) -> None:
    """The properties above are not vacuous: aligned windows get figures."""
    a = datetime(2026, 1, 5, tzinfo=PARIS)
    b = a + timedelta(days=3)
    hourly = lab.ask(
        f'{{ observationStats(field: VALUE, filter: {{resultTime: {{gte: "{iso(a)}", '
        f'lt: "{iso(b)}"}}}}, bucket: {{field: RESULT_TIME, unit: DAY}}) {{ count }} }}',
        token="univ",
    )
    kept = stats_oracle(a, b, None)
    assert sum(g["count"] for g in hourly["data"]["observationStats"]) == len(kept) > 0
    assert len(kept) < len(READINGS)  # hours below the floor were left out
    daily = lab.ask(
        "{ " + ICONE.format(alias="x", building=BUILDING, room="R1", a=iso(a), b=iso(b)) + " }"
    )
    assert daily["data"]["x"]["indoorAir"]["occupiedReadings"] == len(icone_oracle("R1", a, b))
    usage = {u["action"]: u for u in daily["extensions"]["usage"]}
    assert usage["derive"]["cells"] == {"unit": "day", "minRows": MIN_ROWS, "minSubjects": 1}

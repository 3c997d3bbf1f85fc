"""The decision cache never serves a decision past the instant it could change: at a time
window's exact end, after an agreement, with a quota spent, the node decides afresh.

Boundaries are computed by hand from the policies written here."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse

from connector.app import create_app
from connector.audit import operation_hash
from connector.config import load_config
from connector.graphql import build_schema
from connector.graphql._usage import _analysed
from connector.node import Node
from connector.usage.cache import next_change
from policies import parse_policies
from tests.connector.usage.conftest import BASE, CTX, DS, POLICIES, Caller, Clock, TableVerifier
from tests.connector.usage.conftest import write_node as _write_node
from tests.connector.usage.test_agreements import (
    ACCEPT,
    ENERGIE_WITH_OFFER,
    OFFER,
    RESEARCH,
    contract,
)

pytestmark = pytest.mark.anyio

NAME = '{ building(rnbId: "PG46YY6YJW8N") { name } }'
AGREED = "{ energyUses(first: 4) { nodes { id kwh } } }"
END = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # the window's end, as written below


def windowed(end: str) -> dict[str, Any]:
    """The registry, open to anyone until ``end`` (``odrl:dateTime lt``)."""
    policy = copy.deepcopy(POLICIES["registre"])
    policy["permission"][0]["constraint"] = [
        {
            "leftOperand": "dateTime",
            "operator": "lt",
            "rightOperand": {"@value": end, "@type": "xsd:dateTime"},
        }
    ]
    return policy


async def _node(tmp_path: Path, clock: Clock, policies: dict[str, Any]) -> AsyncIterator[Caller]:
    config = load_config(_write_node(tmp_path, policies=policies))
    app = create_app(config, verifier=TableVerifier(), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield Caller(client, app)
    await app.state.usage.audit.aclose()


@pytest.fixture
async def window_node(tmp_path: Path, clock: Clock) -> AsyncIterator[Caller]:
    async for caller in _node(tmp_path, clock, {**POLICIES, "registre": windowed(END.isoformat())}):
        yield caller


def permitted(body: dict[str, Any]) -> bool:
    return (body["data"]["building"] or {}).get("name") is not None


async def test_a_window_closes_at_its_exact_end_even_when_cached(window_node, clock) -> None:
    control = window_node.app.state.usage
    clock.now = END - timedelta(hours=1)
    assert permitted(await window_node(NAME))
    misses = control.cache.misses
    clock.now = END - timedelta(microseconds=1)
    assert permitted(await window_node(NAME))
    assert control.cache.misses == misses  # served from the cache: same bucket
    clock.now = END  # ``lt`` no longer holds: a stale permit here would be the bug
    body = await window_node(NAME)
    assert not permitted(body)
    assert "dateTime" in body["errors"][0]["extensions"]["reason"]
    clock.now = END - timedelta(minutes=5)  # a clock set back decides afresh too
    assert permitted(await window_node(NAME))


async def test_a_clock_set_back_before_an_opening_decides_afresh(
    tmp_path: Path, clock: Clock
) -> None:
    """Open from ``END`` on (``gteq``): decided open after it, a clock stepped back before
    it must not be served the cached permit (no bound lies ahead to end the entry)."""
    policy = windowed(END.isoformat())
    policy["permission"][0]["constraint"][0]["operator"] = "gteq"
    async for node in _node(tmp_path, clock, {**POLICIES, "registre": policy}):
        clock.now = END + timedelta(minutes=1)
        assert permitted(await node(NAME))
        assert permitted(await node(NAME))  # served from the cache: no bound ahead
        clock.now = END - timedelta(seconds=1)
        assert not permitted(await node(NAME))


async def test_every_decision_is_still_audited_when_cached(window_node, clock) -> None:
    audit = window_node.app.state.usage.audit
    clock.now = END - timedelta(hours=1)
    for _ in range(3):
        await window_node(NAME)
    entries = await audit.query()
    assert [e.decision for e in entries] == ["permit"] * 3
    assert [e.time for e in entries] == [clock.now] * 3


async def test_an_agreement_is_a_new_key_and_ends_at_its_exact_bound(
    tmp_path: Path, clock: Clock
) -> None:
    """The offer's permission holds while ``elapsedTime lteq P30D`` from acceptance."""
    policies = {**POLICIES, "energie": ENERGIE_WITH_OFFER}
    async for node in _node(tmp_path, clock, policies):
        assert "errors" in await node(AGREED, "univ")  # cached: a deny for univ
        accepted = await contract(node, ACCEPT, "univ", offer=OFFER, purpose=RESEARCH)
        assert "errors" not in accepted, accepted
        issued = clock.now
        assert "errors" not in await node(AGREED, "univ")
        clock.now = issued + timedelta(days=30) - timedelta(microseconds=1)
        assert "errors" not in await node(AGREED, "univ")
        clock.now = issued + timedelta(days=30)  # lteq: still within
        assert "errors" not in await node(AGREED, "univ")
        clock.now = issued + timedelta(days=30, microseconds=1)
        ended = await node(AGREED, "univ")
        assert "elapsedTime" in ended["errors"][0]["extensions"]["reason"], ended


async def test_a_quota_is_rechecked_against_the_log_on_every_request(node, clock) -> None:
    stats = (
        "{ observationStats(field: VALUE, groupBy: [SENSOR_ID], "
        "bucket: {field: RESULT_TIME, unit: HOUR}) { count } }"
    )
    answers = [await node(stats, "univ") for _ in range(3)]  # dailyCount lteq 2
    assert [("errors" in a) for a in answers] == [False, False, True]


# -- next_change, by hand ----------------------------------------------------------------


def _policy(constraint: dict[str, Any], uid: str = "https://example.org/p") -> Any:
    doc = {
        "@context": CTX,
        "@type": "Set",
        "uid": uid,
        "permission": [{"target": DS + "x", "action": "use", "constraint": [constraint]}],
    }
    return parse_policies(json.dumps(doc), name="p.jsonld")[0]


NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_next_change_is_the_nearest_bound_after_now() -> None:
    before = _policy(
        {
            "leftOperand": "dateTime",
            "operator": "lteq",
            "rightOperand": {"@value": "2026-03-10T10:30:00+01:00", "@type": "xsd:dateTime"},
        }
    )
    day = _policy(
        {
            "leftOperand": "dateTime",
            "operator": "eq",
            "rightOperand": {"@value": "2026-03-11Z", "@type": "xsd:date"},
        }
    )
    # 10:30+01:00 is 09:30Z; the day 2026-03-11Z starts at midnight and ends a day later
    assert next_change([before, day], NOW, {}) == datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    assert next_change([day], NOW, {}) == datetime(2026, 3, 11, tzinfo=UTC)
    assert next_change([day], datetime(2026, 3, 11, 1, tzinfo=UTC), {}) == datetime(
        2026, 3, 12, tzinfo=UTC
    )
    assert next_change([day], datetime(2026, 3, 13, tzinfo=UTC), {}) is None  # all in the past
    assert next_change([before], datetime(2026, 3, 10, 9, 30, tzinfo=UTC), {}) == datetime(
        2026, 3, 10, 9, 30, tzinfo=UTC
    )  # at a bound itself: nothing cached


def test_elapsed_time_counts_from_the_agreement() -> None:
    uid = "https://example.org/agreement/1"
    p = _policy(
        {
            "leftOperand": "elapsedTime",
            "operator": "lteq",
            "rightOperand": {"@value": "P30DT2H", "@type": "xsd:duration"},
        },
        uid,
    )
    issued = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert next_change([p], NOW, {uid: issued}) == datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
    assert next_change([p], NOW, {}) is None  # no agreement date: the constraint is unknown


@pytest.mark.parametrize(
    "constraint",
    [
        {  # months have no fixed length
            "leftOperand": "elapsedTime",
            "operator": "lteq",
            "rightOperand": {"@value": "P1M", "@type": "xsd:duration"},
        },
        {  # a zoneless time: which instant is meant is not known
            "leftOperand": "dateTime",
            "operator": "lt",
            "rightOperand": {"@value": "2026-03-10T12:00:00", "@type": "xsd:dateTime"},
        },
        {
            "leftOperand": "dateTime",
            "operator": "lt",
            "rightOperand": {"@value": "soon", "@type": "xsd:dateTime"},
        },
    ],
)
def test_a_bound_that_cannot_be_placed_is_never_cached(constraint: dict[str, Any]) -> None:
    uid = "https://example.org/agreement/1"
    assert next_change([_policy(constraint, uid)], NOW, {uid: NOW - timedelta(days=1)}) == NOW


async def test_one_document_with_other_variables_is_analysed_and_decided_anew(node) -> None:
    """The analysis and the decisions are remembered per document *and* variables: per day
    the city gets the one group of 3 readings (S-CP on the 6th), per hour nothing (every
    group holds one reading) — as test_enforcement shows with literal units."""
    stats = """query($u: BucketUnit!) { observationStats(field: VALUE, groupBy: [SENSOR_ID],
      bucket: {field: RESULT_TIME, unit: $u}) { group { sensorId } count } }"""
    for unit, expected in [("DAY", 1), ("HOUR", 0), ("DAY", 1)]:
        body = await node(stats, "city", u=unit)
        assert len(body["data"]["observationStats"] or []) == expected, body


async def test_an_analysis_is_reused_for_the_same_document_and_variables_only(
    tmp_path: Path,
) -> None:
    node = Node.from_config(load_config(_write_node(tmp_path)))
    try:
        schema = build_schema(node)._schema
        text = """query($u: BucketUnit!) { observationStats(field: VALUE,
          bucket: {field: RESULT_TIME, unit: $u}) { count } }"""
        document = parse(text)

        def analysed(doc: Any, unit: str) -> Any:
            variables = {"u": unit}
            return _analysed(schema, doc, operation_hash(text, variables), variables)

        day, hour = analysed(document, "DAY"), analysed(document, "HOUR")
        assert [u.bucket for u in day.uses if u.bucket] == ["day"]
        assert [u.bucket for u in hour.uses if u.bucket] == ["hour"]
        assert analysed(document, "DAY") is day  # remembered
        again = parse(text)  # the same text parsed anew: its field nodes are others
        assert analysed(again, "DAY") is not day
    finally:
        await node.aclose()

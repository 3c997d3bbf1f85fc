"""The same hunt through the gateway: nested selections, paging and entity fetches.

The partner of :mod:`tests.connector.usage.adversary` runs as two nodes behind our
gateway: the register (buildings) and the air data (rooms, sensors, readings), whose
``Building.indoorAir`` the gateway fetches with ``_entities`` for every building of a
page. Whatever the window and the page, a report reaches the caller only for whole
days of enough readings, each node deciding for its own data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.app import create_app
from connector.config import load_config
from gateway import GatewaySettings, create_gateway_app
from tests.connector.usage.adversary import BUILDING, MIN_ROWS, PARIS, make_split
from tests.connector.usage.test_bypass import (
    EXAMPLES,
    Lab,
    Tokens,
    icone_oracle,
    iso,
    midnight,
    windows,
)
from tests.gateway.conftest import Router


@dataclass
class Gateway(Lab):
    """The lab's questions asked of the gateway, which routes to the two nodes."""

    router: Router


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    registre, air = make_split(tmp_path_factory.mktemp("split"))
    apps = {
        "registre": create_app(load_config(registre), verifier=Tokens()),
        "air": create_app(load_config(air), verifier=Tokens()),
    }
    router = Router(apps)
    loop = asyncio.new_event_loop()
    http = httpx.AsyncClient(transport=router)
    app = create_gateway_app(
        {n: f"http://{n}/graphql" for n in apps},
        http_client=http,
        settings=GatewaySettings(poll_interval=0),
    )
    assert loop.run_until_complete(app.state.gateway.refresh())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
    yield Gateway(loop, client, router)
    loop.run_until_complete(client.aclose())
    loop.run_until_complete(http.aclose())
    for a in apps.values():
        loop.run_until_complete(a.state.usage.audit.aclose())
    loop.close()


PAGE = (
    '{{ buildings(first: {first}{after}) {{ nodes {{ rnbId indoorAir(from: "{a}", to: "{b}") '
    "{{ spaceId occupiedReadings }} }} pageInfo {{ endCursor hasNextPage }} }} }}"
)


def reports(body: dict[str, Any]) -> list[dict[str, Any]]:
    page = (body.get("data") or {}).get("buildings") or {}
    return [r for n in page.get("nodes") or [] if n for r in n.get("indoorAir") or []]


@EXAMPLES
@given(windows(), st.integers(1, 30))
def test_pages_of_buildings_carry_only_whole_days_of_enough_readings(
    gw: Gateway, window: tuple[Any, Any], first: int
) -> None:
    a, b = window
    seen: list[dict[str, Any]] = []
    after = ""
    for _ in range(30):  # every page of the 26 buildings
        body = gw.ask(PAGE.format(first=first, after=after, a=iso(a), b=iso(b)))
        seen += reports(body)
        if not (midnight(a) and midnight(b)):
            assert not reports(body), body
            assert any(
                e.get("extensions", {}).get("code") == "POLICY_DENIED"
                or "POLICY_DENIED" in str(e.get("extensions", {}))
                for e in body.get("errors", [])
            ), body
        page = (body.get("data") or {}).get("buildings")
        if not page or not page["pageInfo"]["hasNextPage"]:
            break
        after = f', after: "{page["pageInfo"]["endCursor"]}"'
    for r in seen:
        room = r["spaceId"].removeprefix(f"{BUILDING}/")
        assert r["occupiedReadings"] == len(icone_oracle(room, a, b)) >= MIN_ROWS


def test_researchers_aggregates_through_the_gateway_obey_the_same_floors(gw: Gateway) -> None:
    a = datetime(2026, 1, 5, 8, tzinfo=PARIS)
    cut = gw.ask(
        f'{{ observationStats(field: VALUE, filter: {{resultTime: {{gte: "{iso(a)}", '
        f'lt: "{iso(a + timedelta(minutes=10))}"}}}}) {{ count }} }}',
        token="univ",
    )
    assert (cut.get("data") or {}).get("observationStats") is None
    assert "POLICY_DENIED" in str(cut.get("errors"))
    rows = gw.ask("{ observations(first: 1) { nodes { value } } }", token="univ")
    assert (rows.get("data") or {}).get("observations") is None
    assert "POLICY_DENIED" in str(rows.get("errors"))


def test_whole_days_through_the_gateway_give_each_rooms_report(gw: Gateway) -> None:
    a = datetime(2026, 1, 5, tzinfo=PARIS)
    b = a + timedelta(days=3)
    body = gw.ask(PAGE.format(first=30, after="", a=iso(a), b=iso(b)))
    got = {r["spaceId"]: r["occupiedReadings"] for r in reports(body)}
    assert got == {
        f"{BUILDING}/{room}": len(icone_oracle(room, a, b)) for room in ("R1", "R2", "R3")
    }
    # one request to each node for the whole page: the page, then one _entities call
    assert gw.router.count("air", entities=True) >= 1

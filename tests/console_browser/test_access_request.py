"""A resident's access request answered in the console: every access to one building
found by its RNB id, checked against the nodes' audit databases on disk (sqlite3)."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import httpx
from playwright.sync_api import Page, expect

from tests.console_browser.conftest import NODES, DemoSpace, Shot


def reads_of(space: DemoSpace, key: str) -> set[tuple[str, int]]:
    """``(node, seq)`` of every entry whose recorded keys name ``key`` in clear, read from
    the audit databases (open data: the register's RNB ids are kept as they are)."""
    found = set()
    for node in NODES:
        with closing(sqlite3.connect(space.audit_db(node))) as conn:
            rows = conn.execute(
                "SELECT seq FROM guichet_audit WHERE details LIKE ?", (f'%"keys":{{%"{key}"%',)
            ).fetchall()
        found |= {(node, seq) for (seq,) in rows}
    return found


def test_every_access_to_one_building_is_found_by_its_rnb_id(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    page = dpd_page
    gateway = demo_space.gateway
    first = httpx.post(
        f"{gateway}/graphql",
        json={"query": "{ buildings(first: 1, orderBy: [{field: RNB_ID}]) { nodes { rnbId } } }"},
        timeout=30,
    ).json()
    rnb = first["data"]["buildings"]["nodes"][0]["rnbId"]
    for _ in range(2):  # a resident's house read twice by an anonymous visitor
        r = httpx.post(
            f"{gateway}/graphql",
            json={"query": f'{{ building(rnbId: "{rnb}") {{ name address }} }}'},
            timeout=30,
        )
        assert r.json()["data"]["building"] is not None, r.text
    expected = reads_of(demo_space, rnb)
    assert len(expected) >= 3  # the page of one and the two reads
    page.locator("#nav-log").click()
    page.wait_for_load_state()
    page.locator("#f-entity").fill(rnb)
    page.locator("#filter-submit").click()
    page.wait_for_load_state()
    rows = page.locator("#log-entries tbody tr[data-seq]")
    shown = {
        (str(r.get_attribute("data-node")), int(str(r.get_attribute("data-seq"))))
        for r in rows.all()
    }
    assert shown == expected
    expect(page.locator("#f-entity")).to_have_value(rnb)
    shot("access-request", full=True)  # the README's picture (docs/console-access-request.png)

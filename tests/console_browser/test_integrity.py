"""The integrity page: every node's chain intact, then one node's log altered on disk."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.console_browser.conftest import NODES, DemoSpace, Shot, login

TRIGGER = "guichet_audit_no_update"


def rewrite_reason(db: Path, seq: int, reason: str | None = None) -> str:
    """Set entry ``seq``'s reason behind the node's back, as a database administrator can:
    the append-only trigger dropped and put back in one transaction (the node would put it
    back itself on its next read). Returns the reason it had."""
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        (before,) = conn.execute(
            "SELECT reason FROM guichet_audit WHERE seq = ?", (seq,)
        ).fetchone()
        (trigger,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (TRIGGER,)
        ).fetchone()
        conn.execute(f"DROP TRIGGER {TRIGGER}")
        if reason is not None:
            conn.execute("UPDATE guichet_audit SET reason = ? WHERE seq = ?", (reason, seq))
        conn.execute(trigger)
        conn.execute("COMMIT")
    return str(before)


@contextmanager
def altered_reason(db: Path, seq: int) -> Iterator[None]:
    """One entry's reason rewritten, then put back, which makes the chain whole again for
    the tests that follow."""
    before = rewrite_reason(db, seq, "nothing to see here")
    try:
        yield
    finally:
        rewrite_reason(db, seq, before)


def open_integrity(page: Page) -> None:
    page.locator("#nav-integrity").click()
    page.wait_for_load_state()


def test_integrity_ok_then_the_first_altered_entry(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    page = dpd_page
    open_integrity(page)
    table = page.locator("table#integrity")
    for node in NODES:
        row = table.locator(f'tr[data-node="{node}"]')
        expect(row).to_have_attribute("data-ok", "true")
        expect(row.locator("td.bad-entry")).to_have_text("—")
    shot("integrity-ok")

    with altered_reason(demo_space.audit_db("bouygues"), 2):
        page.reload()
        row = table.locator('tr[data-node="bouygues"]')
        expect(row).to_have_attribute("data-ok", "false")
        expect(row.locator("td.bad-entry")).to_have_text("2")
        for node in ("cda", "atmo"):
            expect(table.locator(f'tr[data-node="{node}"]')).to_have_attribute("data-ok", "true")
        shot("integrity-bouygues-altered")
        page.goto(demo_space.console)  # the home page raises the alert
        alert = page.locator("#integrity-alert")
        expect(alert).to_contain_text("La chaîne du journal de bouygues est rompue")
        expect(alert).to_contain_text("72 heures")
        shot("integrity-alert-home")
        open_integrity(page)

    page.reload()
    expect(table.locator('tr[data-node="bouygues"]')).to_have_attribute("data-ok", "true")
    shot("integrity-restored")


def test_a_node_console_shows_that_node_alone(
    page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    console = demo_space.nodes["atmo"] + "/console/"
    login(page, demo_space, demo_space.account("dpd"), start=console + "login", landing=console)
    open_integrity(page)
    rows = page.locator("table#integrity tbody tr[data-node]")
    expect(rows).to_have_count(1)
    expect(rows).to_have_attribute("data-node", "atmo")
    expect(rows).to_have_attribute("data-ok", "true")
    shot("atmo-console-integrity")

"""The console's own reads of the logs: every page view is logged on every node, so by
default they are left out of the counts, charts and entries, and a checkbox brings them
back, marked."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

from playwright.sync_api import Page, expect

from connector.demo.participants import CONSOLE_CLIENT
from tests.console_browser.conftest import DemoSpace, Shot
from tests.console_browser.test_log import filter_log

PAGE_VIEWS = 5


def counted(space: DemoSpace, node: str, *, console: bool) -> tuple[int, set[str]]:
    """How many entries ``node``'s audit database holds and their parties, with or without
    the console's client, read from the file on disk."""
    where = "" if console else "WHERE client_id IS NULL OR client_id != ?"
    args = () if console else (CONSOLE_CLIENT,)
    with closing(sqlite3.connect(space.audit_db(node))) as conn:
        rows = conn.execute(f"SELECT party FROM guichet_audit {where}", args).fetchall()
    return len(rows), {party for (party,) in rows}


def summary_total(page: Page) -> int:
    found = re.match(r"(\d+) ", page.locator("#log-summary").inner_text())
    assert found, page.locator("#log-summary").inner_text()
    return int(found.group(1))


def test_the_consoles_reads_are_left_out_unless_asked(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    page = dpd_page
    for _ in range(PAGE_VIEWS):  # each view is one more read of atmo's log
        filter_log(page, node="atmo")
    total, parties = counted(demo_space, "atmo", console=False)
    everything, all_parties = counted(demo_space, "atmo", console=True)
    assert everything >= total + PAGE_VIEWS
    (dpd,) = all_parties - parties  # the DPD reads through the console only
    assert summary_total(page) == total
    expect(page.locator("#console-left-out")).to_be_visible()
    expect(page.locator(f'#counts-party tr[data-key="{dpd}"]')).to_have_count(0)
    expect(page.locator("#log-entries tr[data-console-read]")).to_have_count(0)
    shot("without-console-reads")

    page.locator("#f-console").check()
    page.locator("#log-filters [type=submit]").click()
    page.wait_for_load_state()
    everything, _ = counted(demo_space, "atmo", console=True)  # this view's read included
    assert summary_total(page) == everything
    expect(page.locator("#f-console")).to_be_checked()
    expect(page.locator(f'#counts-party tr[data-key="{dpd}"]')).to_have_count(1)
    marked = page.locator("#log-entries tr[data-console-read]")
    assert marked.count() >= PAGE_VIEWS
    expect(marked.first.locator(".console-read")).to_have_text("lecture de la console")
    shot("with-console-reads")
    page.locator('a[hreflang="en"]').first.click()
    page.wait_for_load_state()
    expect(page.locator("#f-console")).to_be_checked()  # the filter is kept
    expect(page.locator('label[for="f-console"]')).to_have_text("Include the console's reads")
    expect(page.locator("#log-entries tr[data-console-read] .console-read").first).to_have_text(
        "console read"
    )
    shot("with-console-reads-en")

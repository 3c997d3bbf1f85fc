"""The families' and citizens' page (``/transparence/`` on the gateway) in Chromium, with
JavaScript off: French, English, the example classroom CL06 checked against the atmo
SQLite data, the usage counts against the node's audit log, nothing loaded from outside,
and axe-core's accessibility check (JavaScript on for axe alone)."""

from __future__ import annotations

import csv
import math
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import sleep
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from tests.console_browser.conftest import ROOT, DemoSpace, Shot

AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CALENDAR = ROOT / "connector" / "demo" / "data" / "calendrier_scolaire_zone_a_2025_2026.csv"
SCHOOL = "École Saint-Christophe"
UAI = "0171234Z"
PUBLIC = "https://guichet.agglo-larochelle.fr/participants/public"
MESURES = "mesures-salles"
# The demo school's timetable (connector/demo/atmo.toml, [indoor_air]): Monday, Tuesday,
# Thursday, Friday (ISO 1, 2, 4, 5), 08:30-11:45 and 13:30-16:30 local time, each range
# from its start included to its end excluded; the school year [2025-09-01, 2026-07-04).
WEEKDAYS = {1, 2, 4, 5}
HOURS = ((time(8, 30), time(11, 45)), (time(13, 30), time(16, 30)))
YEAR = (date(2025, 9, 1), date(2026, 7, 4))
LAST_WEEK = (date(2026, 6, 29), date(2026, 7, 4))  # ISO week 2026-W27, cut by the year's end


@dataclass(frozen=True)
class Expected:
    icone: int
    above_1500: int  # per cent of occupied readings, rounded half up


def days_without_class() -> set[date]:
    """Holidays, bridges and public holidays of the calendar, ``debut`` to ``fin`` inclusive."""
    lines = [x for x in CALENDAR.read_text("utf-8").splitlines() if not x.startswith("#")]
    off: set[date] = set()
    for row in csv.DictReader(lines):
        if row["type"] in ("vacances", "pont", "ferie"):
            day, last = date.fromisoformat(row["debut"]), date.fromisoformat(row["fin"])
            while day <= last:
                off.add(day)
                day += timedelta(days=1)
    return off


def expected(db: Path, room: str, period: tuple[date, date]) -> Expected:
    """ICONE and the share above 1500 ppm of ``room``'s occupied CO2 readings in ``period``,
    from the platform's table itself: f1 = share in (1000, 1700] ppm, f2 = share above 1700;
    ICONE = 2.5 / log10(2) x log10(1 + f1 + 3 f2), rounded half up (CSTB; Ribéron et al.,
    Pollution Atmosphérique 228, 2016)."""
    off = days_without_class()
    values = []
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT horodatage, valeur FROM vue_mesures_salles "
            "WHERE salle = ? AND polluant = 'CO2'",
            (room,),
        ).fetchall()
    for stamp, value in rows:
        moment = datetime.fromisoformat(stamp)
        day = moment.date()
        if not (period[0] <= day < period[1]) or day in off:
            continue
        if day.isoweekday() in WEEKDAYS and any(a <= moment.time() < b for a, b in HOURS):
            values.append(float(value))
    n = len(values)
    f1 = sum(1000 < v <= 1700 for v in values) / n
    f2 = sum(v > 1700 for v in values) / n
    icone = math.floor(2.5 / math.log10(2) * math.log10(1 + f1 + 3 * f2) + 0.5)
    above = sum(v > 1500 for v in values) / n
    return Expected(icone=min(max(icone, 0), 5), above_1500=math.floor(100 * above + 0.5))


def public_uses(db: Path) -> tuple[int, int]:
    """Permitted and refused entries of the public naming the readings' dataset."""
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        log = next(t for t in sorted(tables) if f"{t}_datasets" in tables)
        row = conn.execute(
            f"SELECT SUM(e.decision = 'permit'), SUM(e.decision = 'deny') FROM {log} e "
            f"JOIN {log}_datasets d ON d.seq = e.seq WHERE e.party = ? AND d.dataset = ?",
            (PUBLIC, MESURES),
        ).fetchone()
    return int(row[0] or 0), int(row[1] or 0)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """JavaScript off (the page must work without it); any request that leaves loopback is
    recorded and aborted."""
    ctx = browser.new_context(
        locale="fr-FR", viewport={"width": 1100, "height": 900}, java_script_enabled=False
    )
    ctx.set_default_timeout(30_000)
    outside: list[str] = []

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    ctx.outside = outside  # type: ignore[attr-defined]
    yield ctx
    ctx.close()
    assert outside == [], f"the page asked for resources outside: {outside}"


def _numbers(page: Page, selector: str, pattern: str) -> tuple[int, ...]:
    text = page.locator(selector).inner_text()
    found = re.search(pattern, text)
    assert found, f"{selector}: {text!r} does not match {pattern!r}"
    return tuple(int(g) for g in found.groups())


def test_french_page_without_javascript(page: Page, demo_space: DemoSpace, shot: Shot) -> None:
    page.goto(demo_space.gateway + "/transparence/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("link", name=SCHOOL).click()
    page.wait_for_url(f"**/transparence/{UAI}?lang=fr")
    room = page.locator("#CL06")
    assert "Classe ULIS" in room.locator("h3").inner_text()
    year = expected(demo_space.directory / "atmo.db", "CL06", YEAR)
    week = expected(demo_space.directory / "atmo.db", "CL06", LAST_WEEK)
    card = "#CL06 [data-period=year]"
    assert _numbers(page, f"{card} .icone", r"ICONE (\d) sur 5") == (year.icone,)
    assert _numbers(
        page, f"{card} .action", r"(\d+)\u202f% du temps de classe au-dessus de 1500 ppm"
    ) == (year.above_1500,)
    card = "#CL06 [data-period=week]"
    assert "29 juin 2026" in page.locator(f"{card} .period").inner_text()
    assert _numbers(page, f"{card} .icone", r"ICONE (\d) sur 5") == (week.icone,)
    assert _numbers(page, f"{card} .action", r"(\d+)\u202f%") == (week.above_1500,)
    chart = room.locator("svg[role=img]")
    assert "CL06" in (chart.locator("title").text_content() or "")
    assert chart.locator("rect").count() > 30  # one bar per week of class
    # who used the data: the page's counts are the node's log, grouped, never a party
    permit, deny = public_uses(demo_space.audit_db("atmo"))
    row = page.locator("table.uses tr", has=page.locator("th", has_text="public, sans jeton"))
    cells = row.locator("td").all_inner_texts()
    assert cells[1:] == [str(permit), str(deny)], cells
    assert permit > 0
    # what answering cost: the node's footprint totals (written every 2 s in the demo),
    # energy and g CO2e by the cited factors (51.9 g per kWh: g = Wh x 0.0519)
    if page.locator("p.cost").count() == 0:  # this very page's reads not yet written
        sleep(3)
        page.reload()
    line = page.locator("p.cost").first.inner_text()
    found = re.search(r"environ ([\d,]+) Wh d'électricité, soit ([\d,]+) g", line)
    assert found, line
    wh, grams = (float(g.replace(",", ".")) for g in found.groups())
    assert wh > 0
    assert grams == pytest.approx(wh * 0.0519, rel=0.1)  # both shown to two figures
    text = page.locator("main").inner_text()
    for name in ("Claire Martin", "Paul Durand", "participants/"):
        assert name not in text
    for heading in ("Ce qui est mesuré, par qui et pourquoi", "Les règles d'usage, en clair"):
        assert page.get_by_role("heading", name=heading).count() >= 1
    assert "Tout le monde peut calculer des résultats journaliers" in text
    assert page.locator("a[href^='mailto:']").count() == 1
    page.goto(page.url + "#CL06")  # the browser scrolls to the classroom, no script needed
    shot("transparence-fr-CL06")  # the README's picture (docs/transparence-CL06.png)
    room.locator("summary").click()  # <details> opens without script
    assert room.locator("table tbody tr").count() == chart.locator("rect").count()
    shot("transparence-fr", full=True)


def test_english_page_without_javascript(page: Page, demo_space: DemoSpace, shot: Shot) -> None:
    page.goto(f"{demo_space.gateway}/transparence/{UAI}")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    year = expected(demo_space.directory / "atmo.db", "CL06", YEAR)
    card = "#CL06 [data-period=year]"
    assert _numbers(page, f"{card} .icone", r"ICONE (\d) out of 5") == (year.icone,)
    assert _numbers(page, f"{card} .action", r"(\d+)% of class time above 1500 ppm") == (
        year.above_1500,
    )
    for heading in (
        "Who used the data",
        "The terms of use, in plain words",
        "Your rights and the data protection officer",
    ):
        assert page.get_by_role("heading", name=heading).count() == 1
    assert "Everyone may derive daily results" in page.locator("main").inner_text()
    page.goto(page.url + "#CL06")
    shot("transparence-en-CL06")
    page.get_by_role("link", name="Français").click()
    page.wait_for_url("**lang=fr")
    assert page.locator("html").get_attribute("lang") == "fr"


def test_unknown_school(page: Page, demo_space: DemoSpace) -> None:
    answer = page.goto(f"{demo_space.gateway}/transparence/0000000A")
    assert answer is not None and answer.status == 404
    assert "Aucune école n'a le code UAI 0000000A." in page.locator("main").inner_text()


def test_axe_finds_a_violation(browser: Browser) -> None:
    """The check can fail: an image without a text alternative is a violation."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.set_content('<html lang="fr"><body><main><img src="data:,"></main></body></html>')
        page.add_script_tag(path=str(AXE))
        ids = page.evaluate("async () => (await axe.run(document)).violations.map(v => v.id)")
    finally:
        ctx.close()
    assert "image-alt" in ids


@pytest.mark.parametrize(
    "path", ["/transparence/", f"/transparence/{UAI}", f"/transparence/{UAI}?lang=en"]
)
def test_accessibility(browser: Browser, demo_space: DemoSpace, path: str) -> None:
    """axe-core (tools/axe, from npm) finds no violation. The page's CSP allows no script,
    so this context bypasses it for axe alone."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: run `make axe`", pytrace=False)
    ctx = browser.new_context(locale="fr-FR", bypass_csp=True)
    try:
        page = ctx.new_page()
        page.goto(demo_space.gateway + path)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """async () => (await axe.run(document)).violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
        )
    finally:
        ctx.close()
    assert violations == []

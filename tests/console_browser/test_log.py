"""The audit log in the console: filters, counts, exports, and nonsense filters."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import tomllib
from contextlib import closing

from playwright.sync_api import Page, expect
from pyld import jsonld

from tests.console_browser.conftest import NODES, DemoSpace, Shot, set_field

SPACE = "https://guichet.agglo-larochelle.fr/participants/"
UNIV = SPACE + "univ-lr"
CDA = SPACE + "cda"
PROV_ACTIVITY = "http://www.w3.org/ns/prov#Activity"
PROV_AGENT = "http://www.w3.org/ns/prov#wasAssociatedWith"
PROV_USED = "http://www.w3.org/ns/prov#used"


def stored(space: DemoSpace, node: str, party: str, decision: str) -> list[int]:
    """The sequence numbers of ``node``'s log entries for ``party`` and ``decision``, read
    from its audit database on disk."""
    with closing(sqlite3.connect(space.audit_db(node))) as conn:
        rows = conn.execute(
            "SELECT seq FROM guichet_audit WHERE party = ? AND decision = ? ORDER BY seq",
            (party, decision),
        ).fetchall()
    return [seq for (seq,) in rows]


def stored_everywhere(space: DemoSpace, party: str) -> dict[str, list[int]]:
    """``node → sequence numbers`` of ``party``'s entries, whatever the decision."""
    found = {}
    for node in NODES:
        with closing(sqlite3.connect(space.audit_db(node))) as conn:
            rows = conn.execute(
                "SELECT seq FROM guichet_audit WHERE party = ? ORDER BY seq", (party,)
            ).fetchall()
        found[node] = [seq for (seq,) in rows]
    return found


def label_of(space: DemoSpace, node: str, iri: str) -> str:
    """The party's French name in the node's ``[labels]`` (its IRI when it has none)."""
    config = tomllib.loads((space.directory / f"{node}.toml").read_text("utf-8"))
    label = config.get("labels", {}).get(iri, iri)
    return str(label["fr"] if isinstance(label, dict) else label)


def filter_log(page: Page, **fields: str) -> None:
    page.locator("#nav-log").click()
    page.wait_for_load_state()
    for name, value in fields.items():
        set_field(page, "#log-filters", name, value)
    page.locator("#log-filters [type=submit]").click()
    page.wait_for_load_state()


def test_the_log_filtered_by_party_and_decision(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    # the showcase's third step: the university asked for raw CO2 readings and was refused
    expected = stored(demo_space, "atmo", UNIV, "deny")
    assert len(expected) == 1
    page = dpd_page
    filter_log(page, node="atmo")
    shot("log-atmo")  # the README's picture of the console (docs/console-log.png)
    filter_log(page, node="atmo", party=UNIV, decision="deny")
    rows = page.locator("#log-entries tbody tr[data-seq]")
    expect(rows).to_have_count(len(expected))
    assert sorted(int(r.get_attribute("data-seq") or 0) for r in rows.all()) == expected
    name = label_of(demo_space, "atmo", UNIV)
    for row in rows.all():
        assert row.get_attribute("data-node") == "atmo"
        assert row.get_attribute("data-decision") == "deny"
        expect(row.locator(f'td[title="{UNIV}"]')).to_have_text(name)
        expect(row).to_contain_text("mesures-salles")
    expect(page.locator("#counts-party")).to_contain_text(name)
    by_dataset = page.locator("#counts-dataset tbody tr[data-key]")
    expect(by_dataset).to_have_count(1)
    assert (by_dataset.get_attribute("data-key") or "").endswith("mesures-salles")
    expect(by_dataset.locator("td")).to_have_text(
        ["atmo", "0", str(len(expected)), str(len(expected))]
    )
    chart = page.locator('svg[role="img"]').first
    expect(chart.locator(":scope > title")).not_to_be_empty()
    shot("log-filtered")

    filter_log(page, node="atmo", party=UNIV, decision="permit")
    permitted = stored(demo_space, "atmo", UNIV, "permit")
    rows = page.locator("#log-entries tbody tr[data-seq]")
    expect(rows).to_have_count(len(permitted))
    assert {r.get_attribute("data-decision") for r in rows.all()} == {"permit"}
    shot("log-permitted")


def test_the_exports_hold_what_the_filter_shows(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    expected = stored(demo_space, "atmo", UNIV, "deny")
    page = dpd_page
    filter_log(page, node="atmo", party=UNIV, decision="deny")
    shot("before-export")

    with page.expect_download() as info:
        page.locator("#export-csv").click()
    text = info.value.path().read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["seq"]) for r in rows] == expected, text
    assert {(r["party"], r["decision"]) for r in rows} == {(UNIV, "deny")}, text

    with page.expect_download() as info:
        page.locator("#export-jsonld").click()
    document = json.loads(info.value.path().read_text("utf-8"))
    activities = [
        node for node in jsonld.expand(document) if PROV_ACTIVITY in node.get("@type", [])
    ]
    assert len(activities) == len(expected), document
    for activity in activities:
        assert [a["@id"] for a in activity[PROV_AGENT]] == [UNIV], activity
    # the datasets by the IRIs atmo's /catalog publishes (connector/demo/atmo.toml's `iri`)
    used = {u["@id"] for activity in activities for u in activity[PROV_USED]}
    assert used and used <= {
        "https://guichet.agglo-larochelle.fr/datasets/atmo/mesures-salles",
        "https://guichet.agglo-larochelle.fr/datasets/atmo/capteurs-salles",
    }, used

    # no node chosen: the export merges every node's entries (the agglomeration's federated
    # query of the showcase reached all three)
    everywhere = stored_everywhere(demo_space, CDA)
    assert all(everywhere.values()), everywhere
    filter_log(page, party=CDA)
    with page.expect_download() as info:
        page.locator("#export-csv").click()
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text("utf-8"))))
    merged = {node: sorted(int(r["seq"]) for r in rows if r["node"] == node) for node in NODES}
    assert merged == everywhere
    assert {r["party"] for r in rows} == {CDA}


def test_nonsense_filters_get_a_message_not_an_error(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    page = dpd_page
    for query, field in (
        ("decision=maybe", "decision"),
        ("since=yesterday", "since"),
        ("since=2026-06-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until"),
    ):
        response = page.goto(f"{demo_space.console}log?node=atmo&{query}")
        assert response is not None and response.status < 500, query
        expect(page.locator(f'#filter-errors li[data-field="{field}"]')).not_to_be_empty()
        assert "Traceback" not in page.content()
        expect(page.locator("#log-entries")).to_have_count(0)
        shot(f"nonsense-{field}")

"""The processing register as the CNIL's model lays it out, in Chromium: contacts and
rights per node, the personal-data processing with the model's further fields, the
platform's own processing (each node's audit log), the CSV export and the printed page.
Expected values are read from the demo's TOML files on disk, not from the console."""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date
from typing import Any

from playwright.sync_api import Page, expect

from tests.console_browser.conftest import NODES, DemoSpace, Shot


def config(space: DemoSpace, node: str) -> dict[str, Any]:
    return tomllib.loads((space.directory / f"{node}.toml").read_text("utf-8"))


def test_the_register_follows_the_cnil_model_exports_and_prints(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    page = dpd_page
    page.locator("#nav-register").click()
    page.wait_for_load_state()

    contacts = page.locator("#register-contacts tbody tr[data-node]")
    expect(contacts.first).to_be_visible()
    nodes = [str(r.get_attribute("data-node")) for r in contacts.all()]  # the console's nodes
    assert set(NODES) <= set(nodes)
    for node in nodes:
        register = config(demo_space, node)["register"]
        row = page.locator(f'#register-contacts tr[data-node="{node}"]')
        expect(row.locator(".dpd-contact")).to_have_text(register["dpd_contact"])
        expect(row.locator(".rights")).to_have_text(register["rights"]["fr"])

    processing = config(demo_space, "cda")["datasets"]["consommations-energie"]["processing"]
    energy = page.locator('#register tr[data-node="cda"][data-dataset="consommations-energie"]')
    expect(energy.locator(".dpia")).to_have_text(f"Réalisée ({processing['dpia_date']})")
    expect(energy.locator(".dates")).to_have_text(
        f"{processing['created']} / {processing['updated']}"
    )
    expect(energy.locator(".sources li")).to_have_text([s["fr"] for s in processing["sources"]])
    # a field the TOML leaves out is said to be so, never left blank
    expect(energy.locator(".joint")).to_have_text("non renseigné")

    platform = page.locator("#register-platform tbody tr[data-kind=platform]")
    expect(platform).to_have_count(len(nodes) + 1)  # each node's audit log, the issuer's accounts
    accounts = page.locator('#register-platform tr[data-dataset="issuer-accounts"]')
    expect(accounts).to_contain_text("empreinte scrypt du mot de passe")
    for node in nodes:
        row = page.locator(f'#register-platform tr[data-node="{node}"]')
        expect(row.locator("code")).to_have_text("audit-log")
        retention = config(demo_space, node)["register"]["audit_retention"]
        expect(row.locator("span[title]")).to_have_attribute("title", retention)
    # retention: cda keeps the energy records P5Y; the demo holds 2023 and 2024, so nothing
    # is overdue; the cut-off is today five years back
    today = date.today()
    five_years = today.replace(year=today.year - 5, day=min(today.day, 28))
    watched = page.locator(
        '#retention tr[data-node="cda"][data-dataset="consommations-energie"]'
        '[data-entity="EnergyUse"]'
    )
    expect(watched.locator(".state")).to_have_text("à jour")
    expect(watched.locator(".overdue")).to_have_text("0")
    if today.day <= 28:
        expect(watched.locator(".cutoff")).to_have_text(five_years.isoformat())
    shot("register-cnil", full=True)

    with page.expect_download() as info:
        page.locator("#register-export").click()
    text = info.value.path().read_text("utf-8")
    lines = list(csv.reader(io.StringIO(text)))
    personal = sum(
        1
        for node in nodes
        for ds in config(demo_space, node).get("datasets", {}).values()
        if ds.get("personal_data")
    )
    # header, each personal processing, each node's audit log, the issuer's accounts
    assert len(lines) == 1 + personal + len(nodes) + 1
    header = lines[0]
    assert header[:3] == ["Nœud", "Jeu de données", "Responsable de traitement"]
    assert "Analyse d'impact (AIPD)" in header
    by_dataset = {row[1]: dict(zip(header, row, strict=True)) for row in lines[1:]}
    energy_line = next(v for k, v in by_dataset.items() if k.endswith("(consommations-energie)"))
    assert energy_line["Analyse d'impact (AIPD)"] == f"Réalisée ({processing['dpia_date']})"
    assert energy_line["Responsables conjoints"] == "non renseigné"

    page.emulate_media(media="print")
    expect(page.locator("nav.main-nav")).to_be_hidden()
    expect(page.locator("#register-export")).to_be_hidden()
    expect(page.locator("#register")).to_be_visible()
    shot("register-print", full=True)

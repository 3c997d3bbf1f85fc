"""The data space's catalog in Chromium: the gateway's union of the three demo nodes'
catalogs, searched with the form, in French and English."""

from __future__ import annotations

import tomllib

import httpx
from playwright.sync_api import Page, expect
from rdflib import Graph, Namespace, URIRef

from tests.console_browser.conftest import DemoSpace, Shot

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DS = "https://guichet.agglo-larochelle.fr/datasets/"


def served(space: DemoSpace, **params: str) -> set[str]:
    """The dataset IRIs the gateway's ``/catalog`` serves for ``params``, read as RDF."""
    r = httpx.get(
        f"{space.gateway}/catalog", params=params, headers={"Accept": "text/turtle"}, timeout=30
    )
    assert r.status_code == 200, r.text
    graph = Graph().parse(data=r.text, format="turtle")
    return {str(d) for d in graph.objects(URIRef(f"{space.gateway}/catalog"), DCAT.dataset)}


def shown(page: Page) -> set[str]:
    return {
        str(s.get_attribute("data-iri")) for s in page.locator("section.dataset[data-iri]").all()
    }


def test_the_catalog_page_lists_and_searches_the_data_space(
    dpd_page: Page, demo_space: DemoSpace, shot: Shot
) -> None:
    page = dpd_page
    page.locator("#nav-catalog").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Catalogue de l'espace de données")
    everything = served(demo_space)
    declared = sum(
        len(tomllib.loads((demo_space.directory / f"{n}.toml").read_text("utf-8"))["datasets"])
        for n in ("cda", "atmo", "bouygues", "lagord", "bailleur")
    )
    assert len(everything) == declared  # the five partners' datasets, as their TOMLs say
    assert shown(page) == everything
    assert page.locator("#catalog-problems").count() == 0
    carbon = page.locator(f'section.dataset[data-iri="{DS}cda/bilans-carbone"]')
    expect(carbon.locator(".cat-node")).to_have_text("cda")
    expect(carbon.locator("ol.policy-sentences > li")).not_to_have_count(0)
    shot("catalog", full=True)

    page.locator("#f-q").fill("énergie")
    page.locator("#f-commune").select_option("17300")
    page.locator("#catalog-submit").click()
    page.wait_for_load_state()
    assert page.url.endswith("/catalog?q=%C3%A9nergie&node=&publisher=&theme=&commune=17300")
    assert shown(page) == served(demo_space, q="énergie", commune="17300")
    assert shown(page) == {f"{DS}cda/consommations-energie", f"{DS}cda/bilans-carbone"}
    expect(page.locator("#catalog-summary")).to_have_text(f"2 jeu(x) de données sur {declared}.")
    shot("catalog-searched")

    page.locator('a[hreflang="en"]').first.click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("The data space's catalog")
    expect(page.locator("#catalog-summary")).to_have_text(f"2 of {declared} dataset(s).")
    assert shown(page) == {f"{DS}cda/consommations-energie", f"{DS}cda/bilans-carbone"}
    shot("catalog-en")

    page.locator("#f-theme").select_option(label="HEAL")
    page.locator("#f-q").fill("")
    page.locator("#f-commune").select_option("")
    page.locator("#catalog-submit").click()
    page.wait_for_load_state()
    assert shown(page) == {f"{DS}atmo/mesures-salles"}
    page.locator('a[hreflang="fr"]').first.click()
    page.wait_for_load_state()

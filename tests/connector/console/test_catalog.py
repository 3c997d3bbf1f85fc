"""The data space's catalog page: the gateway's union of the nodes' catalogs (a real
:class:`CatalogUnion` over nodes behind ``httpx.MockTransport``) as the DPD sees it, in
French and English, searched, with a node's failure and a bad parameter shown."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from html import unescape

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from connector.console import ConsoleSettings, create_console
from connector.gateway._catalog import CatalogUnion
from tests.connector.console.conftest import CONSOLE, Clock, login
from tests.connector.console.fakes import FakeIssuer, FakeNode, Space

pytestmark = pytest.mark.anyio

CDA_PARTY = "https://guichet.agglo-larochelle.fr/participants/cda"
THEME = "http://publications.europa.eu/resource/authority/data-theme/"
CDA_CATALOG = f"""@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix odrl: <http://www.w3.org/ns/odrl/2/> .
<http://cda/catalog> a dcat:Catalog ; dct:title "CdA" ;
    dcat:dataset <https://ex.org/ds/energie>, <https://ex.org/ds/registre> .
<https://ex.org/ds/energie> a dcat:Dataset ; dct:title "Consommations d'énergie"@fr ;
    dct:description "Relevés <annuels> & factures" ; dcat:keyword "énergie" ;
    dct:publisher <{CDA_PARTY}> ; dcat:theme <{THEME}ENER> ;
    dct:spatial <https://w3id.org/guichet/area/epci-241700434> ;
    odrl:hasPolicy <https://ex.org/policy/energie> .
<https://ex.org/policy/energie> a odrl:Set ; odrl:permission [ odrl:action odrl:read ;
    odrl:target <https://ex.org/ds/energie> ; odrl:assignee <{CDA_PARTY}> ] .
<https://ex.org/ds/registre> a dcat:Dataset ; dct:title "<script>alert('registre')</script>" ;
    dct:publisher <{CDA_PARTY}> ; odrl:hasPolicy <https://ex.org/policy/registre> .
<https://ex.org/policy/registre> a odrl:Set ; odrl:permission [ odrl:action odrl:read ;
    odrl:target <https://ex.org/ds/registre> ] .
"""


@pytest.fixture
def answers() -> dict[str, httpx.Response]:
    return {
        "cda": httpx.Response(200, text=CDA_CATALOG, headers={"content-type": "text/turtle"}),
        "atmo": httpx.Response(502, text="bad gateway"),
    }


@pytest.fixture
async def client(
    settings: ConsoleSettings,
    issuer: FakeIssuer,
    cda: FakeNode,
    atmo: FakeNode,
    clock: Clock,
    answers: dict[str, httpx.Response],
) -> AsyncIterator[httpx.AsyncClient]:
    nodes = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: answers[r.url.host]))
    union = CatalogUnion(
        [("cda", "http://cda/catalog"), ("atmo", "http://atmo/catalog")], http=nodes
    )
    await union.refresh()
    space = httpx.AsyncClient(transport=httpx.MockTransport(Space(issuer, [cda, atmo])))
    console = create_console(settings, http=space, clock=clock, catalog=union)
    app = Starlette(routes=[Mount("/console", app=console)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=CONSOLE) as c:
        yield c
    await space.aclose()
    await nodes.aclose()


def sections(html: str) -> dict[str, str]:
    return dict(
        re.findall(r'<section class="dataset" data-iri="([^"]+)".*?>(.*?)</section>', html, re.S)
    )


async def test_the_page_lists_each_dataset_with_its_node_publisher_and_policy(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    await login(client, issuer)
    r = await client.get("/console/catalog")
    assert r.status_code == 200
    html = r.text
    assert 'id="nav-catalog" href="/console/catalog" aria-current="page"' in html
    found = sections(html)
    assert sorted(found) == ["https://ex.org/ds/energie", "https://ex.org/ds/registre"]
    energie = found["https://ex.org/ds/energie"]
    assert "<h2" in energie and "Consommations d&#39;énergie</h2>" in energie
    assert "Relevés &lt;annuels&gt; &amp; factures" in energie
    assert re.search(r'class="cat-node">cda<', energie)
    assert f'<code title="{CDA_PARTY}">cda</code>' in energie
    assert f'<code title="{THEME}ENER">ENER</code>' in energie
    assert "Communaute d&#39;agglomeration de La Rochelle" in energie  # the area's label
    assert "Le participant « cda » peut lire le jeu de données « energie »." in energie
    pre = re.search(r'<pre class="policy-jsonld"[^>]*>(.*?)</pre>', energie, re.S)
    assert pre is not None
    policy = json.loads(unescape(pre.group(1)))  # the policy in JSON-LD, with ODRL's context
    assert policy["uid"] == "https://ex.org/policy/energie"
    assert policy["permission"]["action"] == "read"
    # a node's words are text, never markup
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;registre&#39;)&lt;/script&gt;" in html
    # atmo's catalog could not be read: said on the page
    problems = re.search(r'id="catalog-problems".*?</div>', html, re.S)
    assert problems is not None
    assert (
        "node &#39;atmo&#39;: catalog http://atmo/catalog: HTTP 502; its datasets are missing"
        in (problems.group(0))
    )
    assert re.search(r'id="catalog-summary">2 jeu\(x\) de données sur 2\.', html)


async def test_in_english(client: httpx.AsyncClient, issuer: FakeIssuer) -> None:
    await login(client, issuer)
    html = (await client.get("/console/catalog?lang=en")).text
    assert "<h1>The data space&#39;s catalog</h1>" in html
    assert "The participant “cda” may read the dataset “energie”." in html
    assert re.search(r'id="catalog-summary">2 of 2 dataset\(s\)\.', html)


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("q=ENERGIE", ["https://ex.org/ds/energie"]),
        (
            "q=&node=&publisher=&theme=&commune=",
            ["https://ex.org/ds/energie", "https://ex.org/ds/registre"],
        ),
        ("commune=17300", ["https://ex.org/ds/energie"]),
        (f"theme={THEME}ENER", ["https://ex.org/ds/energie"]),
        ("node=atmo", []),
        ("q=introuvable", []),
    ],
)
async def test_the_search_form(
    client: httpx.AsyncClient, issuer: FakeIssuer, query: str, shown: list[str]
) -> None:
    await login(client, issuer)
    r = await client.get(f"/console/catalog?{query}")
    assert r.status_code == 200
    assert sorted(sections(r.text)) == shown
    if not shown:
        assert 'id="catalog-empty"' in r.text


async def test_a_bad_parameter_is_named_on_the_page(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    await login(client, issuer)
    r = await client.get("/console/catalog?commune=%3Cb%3E17300")
    assert r.status_code == 400
    errors = re.search(r'id="catalog-errors".*?</div>', r.text, re.S)
    assert errors is not None
    assert 'data-field="commune"' in errors.group(0)
    assert "INSEE commune code" in errors.group(0)
    assert "<b>17300" not in r.text
    assert sections(r.text) == {}


async def test_without_a_catalog_there_is_no_page(
    settings: ConsoleSettings, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode, clock: Clock
) -> None:
    space = httpx.AsyncClient(transport=httpx.MockTransport(Space(issuer, [cda, atmo])))
    app = Starlette(
        routes=[Mount("/console", app=create_console(settings, http=space, clock=clock))]
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=CONSOLE) as c:
        await login(c, issuer)
        assert (await c.get("/console/catalog")).status_code == 404
        assert "nav-catalog" not in (await c.get("/console/")).text
    await space.aclose()


async def test_the_page_needs_a_session(client: httpx.AsyncClient) -> None:
    r = await client.get("/console/catalog")
    assert r.status_code == 401

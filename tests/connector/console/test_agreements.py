"""The agreements page over two fake nodes: each node's agreements, their duties in
words, a node without any, a node down."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.connector.console.conftest import PARTY_UNIV, RESEARCH, login
from tests.connector.console.fakes import FakeIssuer, FakeNode

pytestmark = pytest.mark.anyio

AGREEMENT = "https://cda.example/agreements/1"
OFFER = "https://guichet.example/offers/energie-recherche"


def answer() -> dict[str, object]:
    return {
        "agreements": [
            {
                "iri": AGREEMENT,
                "party": {"iri": PARTY_UNIV, "label": "La Rochelle Université"},
                "dataset": "consommations-energie",
                "datasetTitle": "Consommations d'énergie",
                "offer": OFFER,
                "purpose": {"iri": RESEARCH, "label": "Recherche académique"},
                "issued": "2026-01-31T08:00:00+00:00",
                "duties": ["attribute", "inform"],
                "sentences": [{"rule": "r", "kind": "permission", "text": "Une phrase."}],
            }
        ]
    }


async def test_each_nodes_agreements_with_their_duties_in_words(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode
) -> None:
    cda.answers["ConsoleAgreements"] = answer()
    atmo.answers["ConsoleAgreements"] = {"agreements": []}
    await login(client, issuer)
    r = await client.get("/console/agreements")
    assert r.status_code == 200
    assert cda.calls[-1][:2] == ("ConsoleAgreements", {"lang": "fr"})
    row = re.search(r'<tr data-agreement="([^"]+)" data-party="([^"]+)">(.*?)</tr>', r.text, re.S)
    assert row is not None and row.group(1, 2) == (AGREEMENT, PARTY_UNIV)
    assert "La Rochelle Université" in row.group(3)
    # 08:00 UTC is 09:00 in Paris in January (CET, UTC+1)
    assert '<time datetime="2026-01-31T08:00:00+00:00">2026-01-31 09:00:00</time>' in row.group(3)
    assert re.findall(r'<li data-duty="(\w+)">([^<]+)</li>', row.group(3)) == [
        ("attribute", "citer la source (attribution)"),
        ("inform", "informer le DPD"),
    ]
    assert '<section class="node" data-node="atmo"' in r.text
    assert '<p class="agreements-none">Aucun accord.</p>' in r.text
    english = await client.get("/console/agreements", params={"lang": "en"})
    assert '<li data-duty="attribute">credit the source (attribution)</li>' in english.text
    assert "Agreements of node cda" in english.text


async def test_a_node_down_is_a_message(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode
) -> None:
    cda.answers["ConsoleAgreements"] = answer()
    atmo.down = True
    await login(client, issuer)
    r = await client.get("/console/agreements")
    assert r.status_code == 200
    assert 'data-node="atmo" data-kind="unreachable"' in r.text
    assert f'data-agreement="{AGREEMENT}"' in r.text

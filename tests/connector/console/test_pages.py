"""The DPD's pages over two fake nodes: what each page shows from the nodes' answers,
a node down or refusing as a message on the page, French and English."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.connector.console.conftest import PARTY_CDA, PARTY_UNIV, RESEARCH, login
from tests.connector.console.fakes import FakeIssuer, FakeNode

pytestmark = pytest.mark.anyio

POLICY = {
    "@context": "http://www.w3.org/ns/odrl.jsonld",
    "uid": "https://guichet.example/policies/mesures",
    "permission": [{"target": "mesures-salles", "action": "read"}],
}
SENTENCE = (
    "Les chercheurs de l'Université de La Rochelle peuvent lire les moyennes horaires de CO2 "
    "des salles de classe, pour la recherche scientifique, au plus 100 fois par jour."
)


def atmo_datasets() -> dict[str, object]:
    return {
        "node": {"name": "atmo", "title": "Atmo Nouvelle-Aquitaine"},
        "datasets": [
            {
                "id": "mesures-salles",
                "iri": "http://127.0.0.1:8102/catalog/mesures-salles",
                "title": "Mesures de CO2 des salles",
                "description": "Relevés <toutes les 10 min>",
                "publisher": "Atmo Nouvelle-Aquitaine",
                "personalData": False,
                "policyIri": POLICY["uid"],
                "policy": json.dumps(POLICY),
                "policyStatus": "ok",
                "sentences": [{"rule": "r1", "kind": "permission", "text": SENTENCE}],
                "versions": [
                    {
                        "version": 2,
                        "sha256": "b" * 64,
                        "since": "2026-03-01T10:00:00+00:00",
                        "policy": json.dumps(POLICY),
                    },
                    {
                        "version": 1,
                        "sha256": "a" * 64,
                        "since": "2026-01-05T09:30:00+00:00",
                        "policy": json.dumps({**POLICY, "uid": "urn:old"}),
                    },
                ],
            }
        ],
    }


async def test_datasets_show_each_policy_in_words_and_json_ld_with_versions(
    client: httpx.AsyncClient, issuer: FakeIssuer, atmo: FakeNode, cda: FakeNode
) -> None:
    atmo.answers["ConsoleDatasets"] = atmo_datasets()
    cda.answers["ConsoleDatasets"] = {"node": {"name": "cda", "title": "CdA"}, "datasets": []}
    await login(client, issuer)
    r = await client.get("/console/datasets")
    assert r.status_code == 200
    html = r.text
    section = re.search(
        r'<section class="dataset" data-dataset="mesures-salles".*?</section>', html, re.S
    )
    assert section is not None
    s = section.group(0)
    sentences = re.search(r'<ol class="policy-sentences">(.*?)</ol>', s, re.S)
    assert sentences is not None
    assert re.findall(r"<li [^>]*>(.*?)</li>", sentences.group(1)) == [
        SENTENCE.replace("'", "&#39;")
    ]
    pre = re.search(r'<pre class="policy-jsonld"[^>]*>(.*?)</pre>', s, re.S)
    assert pre is not None
    shown = pre.group(1).replace("&#34;", '"').replace("&quot;", '"')
    assert json.loads(shown) == POLICY
    assert "Relevés &lt;toutes les 10 min&gt;" in s
    versions = re.findall(
        r'<tr data-version="(\d+)"><td>\d+</td><td><time datetime="([^"]+)">'
        r"([^<]+)</time>",
        s,
    )
    assert versions == [
        # shown in Paris time: CET (UTC+1) on both dates, summer time starts 29 March 2026
        ("2", "2026-03-01T10:00:00+00:00", "2026-03-01 11:00:00"),
        ("1", "2026-01-05T09:30:00+00:00", "2026-01-05 10:30:00"),
    ]
    documents = re.findall(
        r"<summary>Document de la version (\d+)</summary>\s*<pre [^>]*>(.*?)</pre>", s, re.S
    )
    assert [(v, json.loads(d.replace("&#34;", '"'))["uid"]) for v, d in documents] == [
        ("2", POLICY["uid"]),
        ("1", "urn:old"),
    ]
    assert "Ce nœud ne publie aucun jeu de données." in html
    assert atmo.calls[-1][1] == {"lang": "fr"}


async def test_a_node_down_or_refusing_is_a_message_not_a_failure(
    client: httpx.AsyncClient, issuer: FakeIssuer, atmo: FakeNode, cda: FakeNode
) -> None:
    await login(client, issuer)
    atmo.down = True
    cda.errors["ConsoleHome"] = [
        {
            "message": "reading the audit log needs the role 'dpd'",
            "extensions": {"code": "FORBIDDEN"},
        }
    ]
    r = await client.get("/console/")
    assert r.status_code == 200
    problems = re.findall(r'<li class="node-problem" data-node="(\w+)" data-kind="(\w+)">', r.text)
    assert problems == [("cda", "forbidden"), ("atmo", "unreachable")]
    assert "nœud injoignable" in r.text
    assert re.findall(r'<tr data-node="(\w+)" data-ok="(\w+)">', r.text) == [
        ("cda", "false"),
        ("atmo", "false"),
    ]


async def test_the_register_lists_personal_data_processing(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode
) -> None:
    cda.answers["ConsoleRegister"] = {
        "processingRegister": [
            {
                "dataset": "consommations-energie",
                "datasetTitle": "Consommations d'énergie",
                "controller": {"iri": PARTY_CDA, "label": "Agglomération de La Rochelle"},
                "purposes": [{"iri": "dpv:ServiceProvision", "label": "Fourniture du service"}],
                "legalBasis": {"iri": "public_task", "label": "Mission d'intérêt public"},
                "dataCategories": ["consommation annuelle d'énergie"],
                "dataSubjects": ["occupants des logements"],
                "recipients": [{"iri": PARTY_UNIV, "label": "La Rochelle Université"}],
                "retention": "5 ans",
                "retentionIso": "P5Y",
                "transfers": "aucun transfert hors UE",
                "securityMeasures": ["journal chaîné", "contrôle d'accès"],
                "kind": "dataset",
                "controllerContact": "Agglomération, 6 rue Saint-Michel",
                "dpdContact": None,
                "rights": "Écrire au DPD.",
                "jointControllers": [],
                "processors": ["Hébergeur en France"],
                "sources": ["Relevés des fournisseurs"],
                "created": "2025-09-01",
                "updated": None,
                "dpia": "Réalisée",
                "dpiaDate": "2025-08-20",
            }
        ]
    }
    await login(client, issuer)
    r = await client.get("/console/register")
    row = re.search(
        r'<tr data-node="cda" data-dataset="consommations-energie" data-kind="dataset">(.*?)</tr>',
        r.text,
        re.S,
    )
    assert row is not None
    cells = [
        " ".join(re.sub(r"<[^>]+>", " ", c).split()).replace("&#39;", "'")
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    ]
    assert cells == [
        "Consommations d'énergie consommations-energie",
        "cda",
        "Agglomération de La Rochelle",
        "non renseigné",
        "Fourniture du service",
        "Mission d'intérêt public",
        "consommation annuelle d'énergie",
        "occupants des logements",
        "La Rochelle Université",
        "Hébergeur en France",
        "5 ans",
        "aucun transfert hors UE",
        "journal chaîné contrôle d'accès",
        "Relevés des fournisseurs",
        "2025-09-01 / non renseigné",
        "Réalisée (2025-08-20)",
    ]
    contacts = re.search(r'<tr data-node="cda">(.*?)</tr>', r.text, re.S)
    assert contacts is not None
    assert "Agglomération, 6 rue Saint-Michel" in contacts.group(1)
    assert 'class="dpd-contact"><span class="not-stated">non renseigné</span>' in contacts.group(1)


async def test_integrity_names_the_first_bad_entry(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode
) -> None:
    cda.answers["ConsoleIntegrity"] = {
        "auditChain": {
            "ok": True,
            "entries": 40,
            "headSeq": 40,
            "headHash": "c" * 64,
            "problem": None,
            "badEntry": None,
        }
    }
    atmo.answers["ConsoleIntegrity"] = {
        "auditChain": {
            "ok": False,
            "entries": 57,
            "headSeq": 57,
            "headHash": "d" * 64,
            "problem": "entry 12: its hash does not match its content",
            "badEntry": 12,
        }
    }
    await login(client, issuer)
    r = await client.get("/console/integrity")
    rows = re.findall(
        r'<tr data-node="(\w+)" data-ok="(\w+)" data-state="(\w+)">.*?'
        r'<td class="bad-entry">([^<]*)</td>\s*<td>([^<]*)</td>',
        r.text,
        re.S,
    )
    assert rows == [
        ("cda", "true", "ok", "—", ""),
        ("atmo", "false", "broken", "12", "entry 12: its hash does not match its content"),
    ]


async def test_what_if_asks_the_chosen_node_and_shows_the_decision(
    client: httpx.AsyncClient, issuer: FakeIssuer, atmo: FakeNode, cda: FakeNode
) -> None:
    choices = {
        "labels": [{"iri": PARTY_UNIV, "label": "La Rochelle Université"}],
        "purposes": [{"iri": RESEARCH, "label": "Recherche académique"}],
        "datasets": [{"id": "mesures-salles", "title": "Mesures de CO2"}],
    }
    atmo.answers["ConsoleChoices"] = cda.answers["ConsoleChoices"] = choices
    atmo.answers["ConsoleWhatIf"] = {
        "whatIf": {
            "decision": "deny",
            "reason": "raw readings are not permitted",
            "policy": "https://guichet.example/policies/mesures",
            "rule": "r2",
            "duties": [],
        }
    }
    await login(client, issuer)
    form = await client.get("/console/whatif")
    assert 'id="whatif-result"' not in form.text
    assert '<option value="https://w3id.org/dpv#AcademicResearch">Recherche académique' in form.text
    r = await client.get(
        "/console/whatif",
        params={
            "node": "atmo",
            "party": PARTY_UNIV,
            "purpose": RESEARCH,
            "dataset": "mesures-salles",
            "action": "aggregate",
            "level": "PT1H",
        },
    )
    assert r.status_code == 200
    assert '<section id="whatif-result" data-decision="deny"' in r.text
    assert "raw readings are not permitted" in r.text
    assert atmo.calls[-1][:2] == (
        "ConsoleWhatIf",
        {
            "party": PARTY_UNIV,
            "dataset": "mesures-salles",
            "action": "aggregate",
            "purpose": RESEARCH,
            "level": "PT1H",
        },
    )
    assert not any(c[0] == "ConsoleWhatIf" for c in cda.calls)
    asked = [c[0] for c in cda.calls + atmo.calls].count("ConsoleWhatIf")
    bad = await client.get(
        "/console/whatif",
        params={
            "node": "mars",
            "party": "not an iri",
            "dataset": "x",
            "action": "burn",
            "level": "P9Y",
        },
    )
    assert bad.status_code == 200
    assert re.findall(r'<li data-field="(\w+)">', bad.text) == ["node", "party", "action", "level"]
    assert [c[0] for c in cda.calls + atmo.calls].count("ConsoleWhatIf") == asked


async def test_english_is_one_click_away_and_remembered(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    await login(client, issuer)
    fr = (await client.get("/console/")).text
    link = re.search(r'<a href="([^"]+)" hreflang="en"', fr)
    assert link is not None and link.group(1) == "/console/?lang=en"
    en = await client.get(link.group(1))
    assert '<html lang="en">' in en.text and ">Access log<" in en.text
    assert "Tableau de bord" not in en.text
    later = await client.get("/console/integrity")
    assert '<html lang="en">' in later.text and "Integrity of the logs" in later.text
    back = await client.get("/console/integrity?lang=fr")
    assert '<html lang="fr">' in back.text


async def test_the_home_page_raises_an_alert_for_a_broken_chain(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode
) -> None:
    await login(client, issuer)
    calm = await client.get("/console/")
    assert 'id="integrity-alert"' not in calm.text
    atmo.answers["ConsoleHome"] = {
        **atmo.answers["ConsoleHome"],
        "auditChain": {"ok": False, "entries": 57, "badEntry": 12},
    }
    r = await client.get("/console/")
    alert = re.search(
        r'<div class="problems" role="alert" id="integrity-alert">(.*?)</div>', r.text, re.S
    )
    assert alert is not None
    assert "La chaîne du journal de atmo est rompue" in alert.group(1)
    assert "72 heures" in alert.group(1)

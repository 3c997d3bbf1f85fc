"""The access log page and its exports over two fake nodes: the filters as the nodes get
them, the counts summed by hand, the chart, the entries newest first, nonsense filters."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.connector.console.conftest import PARTY_CDA, PARTY_UNIV, RESEARCH, login
from tests.connector.console.fakes import CLIENT_ID, FakeIssuer, FakeNode

MINE = {"excludeClientId": CLIENT_ID}
"""What every log request adds by default: leave out the console's own reads."""

pytestmark = pytest.mark.anyio

CHOICES = {
    "labels": [
        {"iri": PARTY_UNIV, "label": "La Rochelle Université"},
        {"iri": PARTY_CDA, "label": "Agglomération"},
    ],
    "purposes": [{"iri": RESEARCH, "label": "Recherche académique"}],
    "datasets": [
        {
            "id": "mesures-salles",
            "title": "Mesures de CO2",
            "sentences": [
                {
                    "rule": "https://guichet.example/policies/p#deny",
                    "text": "Les chercheurs peuvent obtenir des agrégats horaires.",
                }
            ],
        }
    ],
}


def entry(node: str, seq: int, time: str, decision: str, reason: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "time": time,
        "node": node,
        "party": PARTY_UNIV,
        "purpose": RESEARCH,
        "datasets": ["mesures-salles"],
        "decision": decision,
        "rule": f"https://guichet.example/policies/p#{decision}",
        "reason": reason,
    }


def log_answer(node: str, permit: int, deny: int, entries: list[dict[str, Any]]) -> Any:
    return {
        "auditCounts": {
            "total": permit + deny,
            "permit": permit,
            "deny": deny,
            "byParty": [
                {
                    "key": PARTY_UNIV,
                    "label": "La Rochelle Université",
                    "permit": permit,
                    "deny": deny,
                    "total": permit + deny,
                }
            ],
            "byDataset": [
                {
                    "key": "mesures-salles",
                    "label": "Mesures de CO2",
                    "permit": permit,
                    "deny": deny,
                    "total": permit + deny,
                }
            ],
        },
        "auditLog": {"entries": entries, "hasNextPage": False},
    }


@pytest.fixture(autouse=True)
def answers(cda: FakeNode, atmo: FakeNode) -> None:
    atmo.answers["ConsoleChoices"] = CHOICES
    cda.answers["ConsoleChoices"] = {
        **CHOICES,
        "datasets": [{"id": "registre-batiments", "title": "Registre des bâtiments"}],
    }
    cda.answers["ConsoleLog"] = log_answer(
        "cda", 2, 1, [entry("cda", 7, "2026-02-01T10:00:00+00:00", "permit", "rule r1 permits")]
    )
    atmo.answers["ConsoleLog"] = log_answer(
        "atmo",
        3,
        4,
        [
            entry("atmo", 3, "2026-01-15T08:00:00+00:00", "deny", "raw readings: no rule permits"),
            entry("atmo", 9, "2026-02-03T12:30:00+00:00", "permit", "aggregates permitted"),
        ],
    )


async def test_the_log_merges_the_nodes_counts_entries_and_draws_the_chart(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode
) -> None:
    await login(client, issuer)
    r = await client.get("/console/log", params={"since": "2026-01-01T00:00", "decision": ""})
    assert r.status_code == 200
    html = r.text
    sent = [v for op, v, _ in atmo.calls if op == "ConsoleLog"][-1]
    # a time without offset is Paris time: CET (UTC+1) in January
    assert sent == {"filter": {**MINE, "since": "2026-01-01T00:00:00+01:00"}, "first": 200}
    # 2 + 3 permitted, 1 + 4 denied, summed by hand
    assert "10 décisions : 5 autorisées, 5 refusées." in html
    party = re.search(r'<table id="counts-party">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert party is not None
    assert re.sub(r"\s+", "", party.group(1)) == (
        f'<trdata-key="{PARTY_UNIV}"><thscope="row">LaRochelleUniversité</th>'
        "<td>5</td><td>5</td><td>10</td></tr>"
    )
    datasets = re.findall(
        r'<tr data-key="mesures-salles" data-node="(\w+)">.*?<td>(\d+)</td>'
        r"<td>(\d+)</td><td>(\d+)</td></tr>",
        html,
    )
    assert datasets == [("atmo", "3", "4", "7"), ("cda", "2", "1", "3")]
    seqs = re.findall(r'<tr data-node="(\w+)" data-seq="(\d+)" data-decision="(\w+)">', html)
    assert seqs == [("atmo", "9", "permit"), ("cda", "7", "permit"), ("atmo", "3", "deny")]
    assert "raw readings: no rule permits" in html
    # the deciding rule in words (from the node's sentences) beside its IRI; no words known
    # for the permit rule
    rules = re.findall(r'<td class="rule">(.*?)</td>', html)
    assert rules == [
        "<code>https://guichet.example/policies/p#permit</code>",
        "<code>https://guichet.example/policies/p#permit</code>",
        '<span class="rule-text">Les chercheurs peuvent obtenir des agrégats horaires.</span> '
        "<code>https://guichet.example/policies/p#deny</code>",
    ]
    assert '<td title="' + PARTY_UNIV + '">La Rochelle Université</td>' in html
    svg = re.search(r'<svg role="img"[^>]*id="chart-party".*?</svg>', html, re.S)
    assert svg is not None
    assert '<title id="chart-party-title">Décisions par participant</title>' in svg.group(0)
    # one bar, the largest: 340 px wide, half permitted (170), half denied (170)
    assert 'class="permit" x="230" y="4" width="170.0"' in svg.group(0)
    assert 'class="deny" x="400.0" y="4" width="170.0"' in svg.group(0)
    export = re.search(r'<a id="export-csv" href="([^"]+)"', html)
    assert export is not None
    assert export.group(1) == "/console/log/export.csv?since=2026-01-01T00%3A00"
    for name in ("node", "party", "dataset", "decision", "purpose", "since", "until"):
        assert re.search(
            rf'<label for="f-{name}">[^<]+</label>\s*<(select|input) id="f-{name}" '
            rf'name="{name}"',
            html,
        ), name


async def test_choosing_a_node_asks_that_node_only(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode
) -> None:
    await login(client, issuer)
    r = await client.get(
        "/console/log",
        params={
            "node": "atmo",
            "party": PARTY_UNIV,
            "dataset": "mesures-salles",
            "decision": "deny",
            "purpose": RESEARCH,
            "until": "2026-02-01",
            "console": "1",  # the console's own reads included: nothing left out
        },
    )
    assert r.status_code == 200
    assert [op for op, _, _ in cda.calls if op == "ConsoleLog"] == []
    sent = [v for op, v, _ in atmo.calls if op == "ConsoleLog"][-1]
    assert sent["filter"] == {
        "party": PARTY_UNIV,
        "dataset": "mesures-salles",
        "decision": "deny",
        "purpose": RESEARCH,
        "until": "2026-02-01T00:00:00+01:00",  # midnight in Paris (CET, UTC+1)
    }
    assert f'<option value="{PARTY_UNIV}" selected>La Rochelle Université</option>' in r.text
    assert '<option value="deny" selected>refusé</option>' in r.text


async def test_nonsense_filters_get_messages_and_no_node_is_asked(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode
) -> None:
    await login(client, issuer)
    r = await client.get(
        "/console/log",
        params={
            "node": "mars",
            "decision": "maybe",
            "since": "yesterday",
            "party": "<script>",
            "dataset": "a b",
            "until": "2026-13-45",
        },
    )
    assert r.status_code == 400
    found = re.findall(r'<li data-field="(\w+)">([^<]+)</li>', r.text)
    assert found == [
        ("node", "Nœud : « mars » n&#39;est pas un nœud de cette console (attendu : cda, atmo)."),
        ("party", "Participant : « &lt;script&gt; » n&#39;est pas un identifiant (IRI) valable."),
        ("dataset", "Jeu de données : « a b » n&#39;est pas un identifiant de jeu valable."),
        ("decision", "Décision : « maybe » n&#39;est pas une décision (attendu : permit, deny)."),
        (
            "since",
            "Depuis (inclus) : « yesterday » n&#39;est pas une date et heure (attendu : "
            "AAAA-MM-JJ ou AAAA-MM-JJTHH:MM).",
        ),
        (
            "until",
            "Jusqu&#39;à (exclu) : « 2026-13-45 » n&#39;est pas une date et heure "
            "(attendu : AAAA-MM-JJ ou AAAA-MM-JJTHH:MM).",
        ),
    ]
    assert "<script>" not in r.text
    assert [op for op, _, _ in cda.calls if op == "ConsoleLog"] == []
    assert 'id="log-entries"' not in r.text
    backwards = await client.get(
        "/console/log", params={"since": "2026-02-01", "until": "2026-01-01", "lang": "en"}
    )
    assert re.findall(r'<li data-field="(\w+)">([^<]+)</li>', backwards.text) == [
        ("until", "Time range: “Since” must come before “Until”.")
    ]


async def test_a_node_refusing_a_filter_says_why_on_the_page(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode
) -> None:
    cda.errors["ConsoleLog"] = [{"message": "filter.purpose: 'x:y' is named by no policy"}]
    await login(client, issuer)
    r = await client.get("/console/log", params={"purpose": "x:y"})
    assert r.status_code == 200
    assert re.search(
        r'<li class="node-problem" data-node="cda" data-kind="error">\s*<strong>cda</strong>'
        r" — le nœud signale une erreur : <span class=\"detail\">filter.purpose: "
        r"&#39;x:y&#39; is named by no policy</span>",
        r.text,
    )
    assert re.findall(r'data-seq="(\d+)"', r.text) == ["9", "3"]


async def test_a_dataset_filter_asks_only_the_nodes_holding_it(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode
) -> None:
    await login(client, issuer)
    r = await client.get("/console/log", params={"dataset": "mesures-salles"})
    assert r.status_code == 200
    assert [op for op, _, _ in cda.calls if op == "ConsoleLog"] == []
    assert [v for op, v, _ in atmo.calls if op == "ConsoleLog"] == [
        {"filter": {**MINE, "dataset": "mesures-salles"}, "first": 200}
    ]
    assert 'class="node-problem"' not in r.text
    nowhere = await client.get("/console/log", params={"dataset": "inconnu"})
    assert nowhere.status_code == 400
    assert re.findall(r'<li data-field="(\w+)">([^<]+)</li>', nowhere.text) == [
        ("dataset", "Jeu de données : aucun des nœuds choisis ne tient « inconnu ».")
    ]
    export = await client.get("/console/log/export.csv", params={"dataset": "inconnu"})
    assert (export.status_code, 'data-error="bad-request"' in export.text) == (400, True)


CSV_HEADER = "seq,time,node,party,decision"


async def test_exports_merge_the_chosen_nodes(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode
) -> None:
    cda.answers["ConsoleExport"] = {"auditExport": f"{CSV_HEADER}\r\n7,t7,cda,p,permit\r\n"}
    atmo.answers["ConsoleExport"] = {"auditExport": f"{CSV_HEADER}\r\n3,t3,atmo,p,deny\r\n"}
    await login(client, issuer)
    r = await client.get("/console/log/export.csv", params={"decision": "deny"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="guichet-audit-\d{8}T\d{6}Z\.csv"', r.headers["content-disposition"]
    )
    assert r.text == f"{CSV_HEADER}\r\n7,t7,cda,p,permit\r\n3,t3,atmo,p,deny\r\n"
    sent = [v for op, v, _ in atmo.calls if op == "ConsoleExport"][-1]
    assert sent == {"format": "CSV", "filter": {**MINE, "decision": "deny"}}

    ctx = {"prov": "http://www.w3.org/ns/prov#"}
    cda.answers["ConsoleExport"] = {
        "auditExport": json.dumps(
            {"@context": ctx, "@graph": [{"@id": "http://127.0.0.1:8101/audit/7"}]}
        )
    }
    atmo.answers["ConsoleExport"] = {
        "auditExport": json.dumps(
            {"@context": ctx, "@graph": [{"@id": "http://127.0.0.1:8102/audit/3"}]}
        )
    }
    r = await client.get("/console/log/export.jsonld", params={"node": "atmo"})
    assert r.headers["content-type"] == "application/ld+json"
    assert r.json() == {"@context": ctx, "@graph": [{"@id": "http://127.0.0.1:8102/audit/3"}]}


async def test_an_export_with_a_node_down_or_bad_filters_is_a_clear_page(
    client: httpx.AsyncClient, issuer: FakeIssuer, atmo: FakeNode
) -> None:
    await login(client, issuer)
    bad = await client.get("/console/log/export.csv", params={"since": "soon"})
    assert bad.status_code == 400
    assert 'data-error="bad-request"' in bad.text and "« soon »" in bad.text
    atmo.down = True
    down = await client.get("/console/log/export.jsonld?lang=en")
    assert down.status_code == 502
    assert "The export could not be made: some nodes did not answer. atmo: node unreachable" in (
        down.text
    )


async def test_a_node_answering_nonsense_is_a_clear_page_not_a_trace(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode
) -> None:
    cda.answers["ConsoleLog"] = {"auditLog": {"entries": [{"seq": 1}], "hasNextPage": False}}
    await login(client, issuer)
    r = await client.get("/console/log")
    assert r.status_code == 502
    assert '<main id="main" data-error="unavailable">' in r.text
    assert "Un service nécessaire ne répond pas." in r.text
    assert "Traceback" not in r.text and "KeyError" not in r.text


async def test_one_request_per_node_asks_the_newest_entries_first(
    client: httpx.AsyncClient, issuer: FakeIssuer, atmo: FakeNode
) -> None:
    atmo.answers["ConsoleLog"]["auditLog"] = {
        "entries": [
            entry("atmo", 1500, "2026-03-01T08:00:00+00:00", "permit", "newest"),
            entry("atmo", 1499, "2026-02-01T08:00:00+00:00", "deny", "older"),
        ],
        "hasNextPage": True,
    }
    await login(client, issuer)
    r = await client.get("/console/log", params={"node": "atmo"})
    assert [v for op, v, _ in atmo.calls if op == "ConsoleLog"] == [{"filter": MINE, "first": 200}]
    assert [op for op, _, _ in atmo.calls if op not in ("ConsoleChoices", "ConsoleLog")] == []
    assert re.findall(r'data-seq="(\d+)"', r.text) == ["1500", "1499"]
    assert "Au plus 200 entrées par page, des plus récentes aux plus anciennes" in r.text


async def test_older_entries_page_through_every_node_without_losing_one(
    client: httpx.AsyncClient, issuer: FakeIssuer, cda: FakeNode, atmo: FakeNode
) -> None:
    # the page holds 200 entries; atmo sends its 200 newest (more remain), cda its last 3.
    # Merged by time: atmo's entries are newer than cda's #3 but older than cda's #5 and #4,
    # so the page shows cda 5 and 4, then atmo 1000 down to 803, and neither cda 3 nor
    # atmo 802 and 801.
    atmo.answers["ConsoleLog"]["auditLog"] = {
        "entries": [
            entry(
                "atmo",
                1000 - i,
                f"2026-02-{10 - i // 100:02d}T{23 - (i % 100) // 5:02d}:{59 - i % 5:02d}:00+00:00",
                "permit",
                "r",
            )
            for i in range(200)
        ],
        "hasNextPage": True,
    }
    cda.answers["ConsoleLog"]["auditLog"] = {
        "entries": [
            entry("cda", 5, "2026-03-01T00:00:00+00:00", "permit", "r"),
            entry("cda", 4, "2026-02-28T00:00:00+00:00", "permit", "r"),
            entry("cda", 3, "2026-01-01T00:00:00+00:00", "deny", "r"),
        ],
        "hasNextPage": False,
    }
    await login(client, issuer)
    r = await client.get("/console/log")
    shown = re.findall(r'<tr data-node="(\w+)" data-seq="(\d+)"', r.text)
    assert len(shown) == 200
    assert shown[:3] == [("cda", "5"), ("cda", "4"), ("atmo", "1000")]
    assert shown[-1] == ("atmo", "803")
    older = re.search(r'<a id="log-older" href="([^"]+)"', r.text)
    assert older is not None
    # atmo continues below 803; cda below 4 (its #3 was fetched but not shown)
    assert older.group(1) == "/console/log?older=atmo%3A803%2Ccda%3A4"
    await client.get(older.group(1).replace("&amp;", "&"))
    asked = {
        node.name: [v for op, v, _ in node.calls if op == "ConsoleLog"][-1] for node in (atmo, cda)
    }
    assert asked == {
        "atmo": {"filter": MINE, "first": 200, "after": 803},
        "cda": {"filter": MINE, "first": 200, "after": 4},
    }
    broken = await client.get("/console/log", params={"older": "atmo:x"})
    assert broken.status_code == 400
    assert '<li data-field="older">' in broken.text


async def test_the_console_reads_are_left_out_unless_asked_and_marked_when_shown(
    client: httpx.AsyncClient, issuer: FakeIssuer, atmo: FakeNode
) -> None:
    mine = entry("atmo", 7, "2026-03-01T08:00:00+00:00", "permit", "mine")
    app = entry("atmo", 6, "2026-03-01T07:00:00+00:00", "permit", "app")
    atmo.answers["ConsoleLog"]["auditLog"] = {
        "entries": [{**mine, "clientId": CLIENT_ID}, {**app, "clientId": "app"}],
        "hasNextPage": False,
    }
    await login(client, issuer)
    r = await client.get("/console/log", params={"node": "atmo"})
    assert 'id="console-left-out"' in r.text
    assert '<input id="f-console" name="console" type="checkbox" value="1" ' in r.text
    r = await client.get("/console/log", params={"node": "atmo", "console": "1"})
    sent = [v for op, v, _ in atmo.calls if op == "ConsoleLog"][-1]
    assert sent == {"filter": {}, "first": 200}
    assert 'value="1" checked' in r.text and 'id="console-left-out"' not in r.text
    assert re.findall(r'data-seq="(\d+)"[^>]*data-console-read="1"', r.text) == ["7"]
    assert r.text.count('class="badge console-read"') == 1
    bad = await client.get("/console/log", params={"console": "yes", "lang": "en"})
    assert bad.status_code == 400
    assert "Console reads: “yes” is not a checkbox value (expected: 1)." in bad.text

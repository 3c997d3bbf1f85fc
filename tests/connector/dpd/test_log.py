"""The DPD reads, filters, exports and checks the audit log; nobody else can, and every
read is itself logged."""

from __future__ import annotations

import csv
import io
import json

import pytest
from pyld import jsonld

import ontology
from connector.identity import Identity
from connector.usage import Action, Use
from connector.usage.resources import AUDIT_LOG
from tests.connector.usage.conftest import P
from tests.connector.usage.test_enforcement import BUILDING

pytestmark = pytest.mark.anyio

LOG = """query($f: AuditFilterInput) { auditLog(filter: $f) {
  entries { seq party datasets decision rule reason reasonCode duties rowsReturned details }
  endCursor hasNextPage } }"""


async def audit(node, query: str, token: str | None, **variables) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = await node.client.post(
        "/audit/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_only_the_dpd_reads_the_log_and_refusals_are_logged(node) -> None:
    for token in (None, "city"):
        body = await audit(node, LOG, token)
        assert body["data"] is None
        assert body["errors"][0]["message"] == "reading the audit log needs the role 'dpd'"
    entries = await node.app.state.usage.audit.query()
    assert [(e.party, e.decision, e.details["action"]) for e in entries] == [
        ("https://guichet.agglo-larochelle.fr/participants/public", "deny", "auditRead"),
        (P + "city", "deny", "auditRead"),
    ]


async def test_dpd_filters_the_log_and_the_read_is_logged(node) -> None:
    await node(BUILDING, token="city")
    await node(BUILDING)
    body = await audit(node, LOG, "dpd", f={"decision": "deny"})
    assert "errors" not in body
    (denied,) = body["data"]["auditLog"]["entries"]
    assert denied["party"] == "https://guichet.agglo-larochelle.fr/participants/public"
    assert denied["datasets"] == ["energie"]
    assert "public is not city" in denied["reason"]
    details = json.loads(denied["details"])
    assert details.pop("requestId")  # the id of the answer the decision was made for
    assert details == {"action": "read", "reasonCode": "not-assignee"}
    assert denied["reasonCode"] == "not-assignee"
    body = await audit(node, LOG, "dpd", f={"party": P + "city/dpd"})
    reads = body["data"]["auditLog"]["entries"]
    assert [(r["decision"], json.loads(r["details"])) for r in reads] == [
        ("permit", {"action": "auditRead", "decision": "deny", "reasonCode": "audit-read"}),
        ("permit", {"action": "auditRead", "party": P + "city/dpd", "reasonCode": "audit-read"}),
    ]


async def test_exports_csv_and_prov_jsonld_over_http(node) -> None:
    await node(BUILDING, token="city")
    headers = {"Authorization": "Bearer dpd"}
    r = await node.client.get("/audit/export.csv", params={"party": P + "city"}, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(row["party"], row["datasets"], row["decision"]) for row in rows] == [
        (P + "city", "energie", "permit"),
        (P + "city", "registre", "permit"),
    ]
    r = await node.client.get("/audit/export.jsonld", headers=headers)
    assert r.status_code == 200
    expanded = jsonld.expand(r.json(), {"documentLoader": ontology.document_loader})
    activities = [n for n in expanded if "http://www.w3.org/ns/prov#Activity" in n.get("@type", [])]
    assert len(activities) == 4  # two decisions, the CSV export and this export itself
    refused = await node.client.get("/audit/export.csv")
    assert refused.status_code == 403
    bad = await node.client.get("/audit/export.csv", params={"since": "yesterday"}, headers=headers)
    assert bad.status_code == 400
    assert bad.json() == {
        "error": "since: expected an ISO 8601 date-time such as 2026-11-26T00:00:00Z, "
        "got 'yesterday'"
    }


async def test_dpd_checks_the_chain(node) -> None:
    await node(BUILDING, token="city")
    body = await audit(node, "{ auditChain { ok entries problem badEntry } }", "dpd")
    assert body["data"]["auditChain"] == {
        "ok": True,
        "entries": 3,
        "problem": None,
        "badEntry": None,
    }


WHAT_IF = """query($party: String!, $dataset: String!, $purpose: String, $action: String!,
                  $level: String, $size: Int) {
  whatIf(party: $party, dataset: $dataset, purpose: $purpose, action: $action,
         aggregationLevel: $level, groupSize: $size) { decision reason policy rule duties } }"""


async def test_what_if_is_a_dry_run_for_the_dpd(node) -> None:
    ask = {
        "party": P + "univ",
        "dataset": "mesures",
        "action": "aggregate",
        "purpose": "https://w3id.org/dpv#AcademicResearch",
        "level": "PT1H",
        "size": 10,
    }
    body = await audit(node, WHAT_IF, "dpd", **ask)
    assert "errors" not in body, body
    assert body["data"]["whatIf"] == {
        "decision": "permit",
        "policy": "https://example.org/policy/mesures",
        "rule": "https://example.org/policy/mesures#research",
        "duties": [],
        "reason": body["data"]["whatIf"]["reason"],
    }
    denied = await audit(node, WHAT_IF, "dpd", **{**ask, "action": "read"})
    assert denied["data"]["whatIf"]["decision"] == "deny"
    assert "univ is not staff" in denied["data"]["whatIf"]["reason"]
    # three dry runs of the 2-a-day quota and the real query still passes: nothing counted
    await audit(node, WHAT_IF, "dpd", **ask)
    from tests.connector.usage.test_enforcement import STATS

    assert "errors" not in await node(STATS, token="univ")
    entries = await node.app.state.usage.audit.query()
    assert [(e.party, e.datasets, e.details["action"]) for e in entries] == [
        (P + "city/dpd", (), "auditRead"),
        (P + "city/dpd", (), "auditRead"),
        (P + "city/dpd", (), "auditRead"),
        (P + "univ", ("mesures",), "aggregate"),
    ]


async def test_what_if_needs_the_dpd_role_and_a_known_dataset(node) -> None:
    body = await audit(node, WHAT_IF, "city", party=P + "univ", dataset="mesures", action="read")
    assert body["errors"][0]["message"] == "reading the audit log needs the role 'dpd'"
    body = await audit(node, WHAT_IF, "dpd", party=P + "univ", dataset="castles", action="read")
    assert body["errors"][0]["message"] == (
        "no dataset 'castles' on this node; datasets: registre, energie, mesures"
    )


async def test_one_request_asking_several_fields_is_one_entry_naming_them(node) -> None:
    many = """query Home($f: AuditFilterInput) { node { name } auditChain { ok }
      auditLog(filter: $f, first: 5) { endCursor } }"""
    body = await audit(node, many, "dpd", f={"decision": "deny"})
    assert "errors" not in body, body
    await audit(node, "{ auditChain { ok } }", "dpd")
    body = await audit(node, many, "city")
    assert {e["message"] for e in body["errors"]} == {"reading the audit log needs the role 'dpd'"}
    entries = await node.app.state.usage.audit.query()
    assert [(e.operation_name, e.decision, e.details) for e in entries] == [
        (
            "node, auditChain, auditLog",
            "permit",
            {
                "action": "auditRead",
                "fields": ["node", "auditChain", "auditLog"],
                "reasonCode": "audit-read",
                "variables": {"f": {"decision": "deny"}},
            },
        ),
        ("auditChain", "permit", {"action": "auditRead", "reasonCode": "audit-read"}),
        (
            "node, auditChain, auditLog",
            "deny",
            {
                "action": "auditRead",
                "fields": ["node", "auditChain", "auditLog"],
                "reasonCode": "audit-forbidden",
            },
        ),
    ]
    # the operation hash is the query's and its variables'
    assert entries[0].operation_hash != entries[1].operation_hash
    assert entries[0].operation_hash != entries[2].operation_hash


async def test_the_log_pages_newest_first_and_says_when_more_remain(node) -> None:
    for _ in range(3):
        await node(BUILDING, token="city")  # two entries each (energie, registre): 1 to 6
    page = """query($after: Int) { auditLog(filter: {party: "%s"}, first: 2, newestFirst: true,
      after: $after) { entries { seq } endCursor hasNextPage } }""" % (P + "city")
    first = (await audit(node, page, "dpd"))["data"]["auditLog"]
    assert first == {"entries": [{"seq": 6}, {"seq": 5}], "endCursor": 5, "hasNextPage": True}
    last = (await audit(node, page, "dpd", after=3))["data"]["auditLog"]
    assert last == {"entries": [{"seq": 2}, {"seq": 1}], "endCursor": 1, "hasNextPage": False}
    exact = page.replace("first: 2", "first: 6")
    assert (await audit(node, exact, "dpd"))["data"]["auditLog"]["hasNextPage"] is False


async def test_audit_reads_are_decided_by_usage_control_like_any_dataset(node) -> None:
    """The audit log is a resource of the node's usage control: a DPD read (GraphQL or a
    file export) and a refusal both name the built-in rule's decision, not a role check
    of their own."""
    base = node.app.state.usage.config.base_iri
    rule = f"{base}/policies/audit-log#dpd"
    await audit(node, "{ auditChain { ok } }", "dpd")
    await audit(node, "{ auditChain { ok } }", "city")
    r = await node.client.get("/audit/export.csv", headers={"Authorization": "Bearer dpd"})
    assert r.status_code == 200
    r = await node.client.get("/audit/export.csv", headers={"Authorization": "Bearer univ"})
    assert r.status_code == 403
    entries = await node.app.state.usage.audit.query()
    # a refusal names the rule that came closest (the DPD's), as a permit names its own
    assert [(e.decision, e.rule, e.details["action"]) for e in entries] == [
        ("permit", rule, "auditRead"),
        ("deny", rule, "auditRead"),
        ("permit", rule, "auditRead"),
        ("deny", rule, "auditRead"),
    ]
    dpd = Identity(party=P + "city/dpd", roles=("dpd",))
    decided = await node.app.state.usage.decide(dpd, [Use(dataset=AUDIT_LOG, action=Action.READ)])
    (only,) = decided.decisions.values()
    assert only.permitted and only.rule == rule


async def test_a_clients_entries_can_be_left_out_of_counts_and_pages(node) -> None:
    """``excludeClientId`` (the console leaves out its own reads so): entries of that
    client go, entries of other clients and of callers without a client stay."""
    await node(BUILDING, token="city")  # client city-app: energie and registre, 2 entries
    await node(BUILDING)  # the public, no client: 2 entries
    query = """query($f: AuditFilterInput) { auditCounts(filter: $f) { total byParty { key } }
      auditLog(filter: $f) { entries { party clientId } } }"""
    body = await audit(node, query, "dpd", f={"excludeClientId": "city-app"})
    assert "errors" not in body, body
    counts = body["data"]["auditCounts"]
    # 2 public entries + this very read by the DPD (logged before the query runs) = 3
    assert counts["total"] == 3
    assert P + "city" not in {c["key"] for c in counts["byParty"]}
    clients = [e["clientId"] for e in body["data"]["auditLog"]["entries"]]
    assert "city-app" not in clients and clients.count(None) == 2

"""``/metrics`` on a node, read with Prometheus' own text parser: requests by face,
operation type and outcome; usage decisions by dataset and outcome, equal to the audit
log's entries; audit append latency; the database pools."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from connector.app import create_app
from connector.config import load_config
from tests.connector.usage.conftest import BASE, Clock, TableVerifier, write_node

pytestmark = pytest.mark.anyio

BUILDING = '{ building(rnbId: "PG46YY6YJW8N") { name energyUses { id kwh } } }'


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_requests_decisions_and_audit_appends_are_counted(tmp_path: Path) -> None:
    app = create_app(load_config(write_node(tmp_path)), verifier=TableVerifier(), clock=Clock())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        city = {"Authorization": "Bearer city"}
        assert (await client.post("/graphql", json={"query": BUILDING}, headers=city)).is_success
        await client.post("/graphql", json={"query": BUILDING})  # public: energie denied
        await client.post("/graphql", json={"query": BUILDING})
        bad = await client.post("/graphql", content=b"{not json", headers=city)
        assert bad.status_code == 400
        forged = await client.post(
            "/graphql", json={"query": BUILDING}, headers={"Authorization": "Bearer forged"}
        )
        assert forged.status_code == 401
        await client.get("/health")
        page = await client.get("/metrics")
        entries = await app.state.usage.audit.query()
    await app.state.usage.audit.aclose()

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain; version=")
    found = samples(page.text)
    n = "guichet_http_request_duration_seconds_count"
    assert value(found, n, face="graphql", operation="query", outcome="ok") == 1
    # a usage decision denied part of the answer: the request is counted as denied
    assert value(found, n, face="graphql", operation="query", outcome="denied") == 2
    assert value(found, n, face="graphql", operation="none", outcome="refused") == 1
    assert value(found, n, face="graphql", operation="none", outcome="denied") == 1
    assert value(found, n, face="health", operation="none", outcome="ok") == 1
    assert not any(dict(k[1]).get("face") == "metrics" for k in found)  # scrapes not counted

    # decisions per dataset and outcome: exactly the audit log's entries
    by_log: dict[tuple[str, str], int] = {}
    for e in entries:
        for ds in e.datasets or ("-",):
            by_log[(ds, e.decision)] = by_log.get((ds, e.decision), 0) + 1
    by_metrics = {
        (dict(k[1])["dataset"], dict(k[1])["outcome"]): int(v)
        for k, v in found.items()
        if k[0] == "guichet_usage_decisions_total"
    }
    assert by_metrics == by_log
    # city: energie + registre permitted; public twice: energie denied, registre permitted
    assert by_metrics[("energie", "deny")] == 2
    assert by_metrics[("energie", "permit")] == 1
    assert value(found, "guichet_audit_append_duration_seconds_count") == len(entries)

    pools = {dict(k[1])["pool"] for k in found if k[0] == "guichet_db_pool_connections"}
    assert pools == {"source:ville", "audit"}


async def test_metrics_is_read_only(tmp_path: Path) -> None:
    app = create_app(load_config(write_node(tmp_path)), verifier=TableVerifier(), clock=Clock())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        r = await client.post("/metrics", content=b"x")
    await app.state.usage.audit.aclose()
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"

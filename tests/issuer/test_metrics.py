"""``/metrics`` on the issuer: token requests by grant type and outcome; each request gets
an ``X-Request-Id`` (the issuer has no edge middleware of its own)."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from issuer import Credentials

from .conftest import get_token

pytestmark = pytest.mark.anyio
COUNT = "guichet_http_request_duration_seconds_count"


async def test_token_requests_are_counted_by_grant_and_outcome(
    http: httpx.AsyncClient, school: Credentials
) -> None:
    ok = await get_token(http, school)
    assert ok.status_code == 200
    assert ok.headers["x-request-id"]
    wrong = await http.post(
        "/token",
        data={"grant_type": "client_credentials"},
        auth=(school.client_id, "not-the-secret"),
    )
    assert wrong.status_code == 401
    odd = await http.post("/token", data={"grant_type": "password", "username": "x"})
    assert odd.status_code in (400, 401)
    await http.get("/jwks.json")
    page = await http.get("/metrics")
    assert page.status_code == 200
    counts = {
        (s.labels["face"], s.labels["operation"], s.labels["outcome"]): s.value
        for f in text_string_to_metric_families(page.text)
        for s in f.samples
        if s.name == COUNT
    }
    assert counts[("token", "client_credentials", "ok")] == 1
    assert counts[("token", "client_credentials", "denied")] == 1
    outcome = "denied" if odd.status_code == 401 else "refused"
    assert counts[("token", "other", outcome)] == 1
    assert counts[("jwks.json", "none", "ok")] == 1

"""A malformed or misunderstood policy: the file and the offending term are named, and the
node refuses to serve that dataset rather than serve it unprotected."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from tests.connector.usage.conftest import BASE, POLICIES, Clock, TableVerifier, write_node
from tests.connector.usage.test_enforcement import BUILDING

pytestmark = pytest.mark.anyio


def unknown_operator() -> dict:
    policy = copy.deepcopy(POLICIES["energie"])
    policy["permission"][0]["constraint"] = [
        {
            "leftOperand": "dateTime",
            "operator": "almostEq",
            "rightOperand": {"@value": "2026-01-01", "@type": "xsd:date"},
        }
    ]
    return policy


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ('{"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Set", ', "energie.jsonld"),
        (unknown_operator(), "almostEq"),
    ],
)
async def test_bad_policy_closes_only_its_dataset(tmp_path: Path, policy, expected) -> None:
    config = write_node(tmp_path, policies={**POLICIES, "energie": policy})
    app = create_app(load_config(config), verifier=TableVerifier(), clock=Clock())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        body = (
            await client.post(
                "/graphql", json={"query": BUILDING}, headers={"Authorization": "Bearer city"}
            )
        ).json()
        health = (await client.get("/health")).json()
    await app.state.usage.audit.aclose()
    assert body["data"]["building"]["name"] == "École des Salines"
    assert body["data"]["building"]["energyUses"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "POLICY_DENIED"
    assert expected in error["extensions"]["reason"]
    assert "is not served" in error["extensions"]["reason"]
    assert health["status"] == "degraded"
    assert list(health["policyErrors"]) == ["energie"]
    assert expected in health["policyErrors"]["energie"]

    proc = subprocess.run(
        [sys.executable, "-m", "connector.cli", "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"error: {config}: datasets.energie.policy: ")
    assert expected in line

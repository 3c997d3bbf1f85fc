"""Configurations that contradict themselves are named, with file and key, by
``check-config`` and ``/health`` — before a caller meets the contradiction."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from connector.usage import load_policies
from connector.usage.consistency import check_consistency
from tests.connector.usage.adversary import BASE, POLICIES, P, make_partner

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)


def partner(folder: Path, **policies: dict[str, Any]) -> Path:
    config = make_partner(folder)
    for name, policy in policies.items():
        (folder / f"{name}.jsonld").write_text(json.dumps(policy), encoding="utf-8")
    return config


def findings(config: Path) -> list[str]:
    loaded = load_config(config)
    return [str(f) for f in check_consistency(loaded, load_policies(loaded), now=NOW)]


def check_config(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_coherent_partner_has_no_finding(tmp_path: Path) -> None:
    config = partner(tmp_path)
    assert findings(config) == []
    proc = check_config(config)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"ok: {config}")


def test_a_policy_aimed_at_another_target_is_named(tmp_path: Path) -> None:
    wrong = copy.deepcopy(POLICIES["registre"])
    wrong["target"] = "https://example.org/datasets/somewhere-else"
    config = partner(tmp_path, registre=wrong)
    (found,) = [f for f in findings(config) if f.startswith("datasets.registre.policy")]
    assert "targets https://example.org/datasets/somewhere-else" in found
    assert f"not the dataset's IRI {BASE}/catalog/registre" in found
    proc = check_config(config)
    assert proc.returncode == 1
    assert f"error: {config}: datasets.registre.policy: " in proc.stderr
    assert "somewhere-else" in proc.stderr


def test_personal_data_read_by_a_party_outside_the_register_is_named(tmp_path: Path) -> None:
    leaky = copy.deepcopy(POLICIES["energie"])
    leaky["permission"].append(
        {"uid": "https://example.org/policy/energie#ana", "action": "read", "assignee": P + "ana"}
    )
    config = partner(tmp_path, energie=leaky)
    (found,) = [f for f in findings(config) if "recipients" in f]
    assert found.startswith("datasets.energie.processing.recipients: the policy lets ")
    assert P + "ana read this personal data" in found
    assert f"names as recipients only {P}city" in found


def test_a_derived_field_more_open_than_its_inputs_is_named(tmp_path: Path) -> None:
    closed = copy.deepcopy(POLICIES["mesures"])
    closed["permission"] = [p for p in closed["permission"] if p["action"] != "derive"]
    config = partner(tmp_path, mesures=closed)
    found = [f for f in findings(config) if "indoorAir" in f]
    assert found, findings(config)
    assert all(f.startswith("datasets.registre.policy: ") for f in found)
    assert any(
        "Space.indoorAir belongs to registre" in f
        and "https://guichet.agglo-larochelle.fr/participants/public" in f
        and "derived from mesures" in f
        for f in found
    )


@pytest.mark.anyio
async def test_health_names_the_contradictions(tmp_path: Path) -> None:
    wrong = copy.deepcopy(POLICIES["registre"])
    wrong["target"] = "https://example.org/datasets/somewhere-else"
    config = partner(tmp_path, registre=wrong)
    app = create_app(load_config(config))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        health = (await c.get("/health")).json()
    await app.state.usage.audit.aclose()
    assert health["status"] == "degraded"
    assert "somewhere-else" in health["policyErrors"]["registre"]
    assert any(
        e.startswith(f"{config}: datasets.registre.policy: ") for e in health["configErrors"]
    )

"""``guichet dsp`` as a user runs it, a process of its own, against two running nodes and
the issuer (:mod:`tests.connector.dsp.space`): the catalog, a negotiation to FINALIZED,
a transfer and the query with its token; and the errors, as ``error:`` lines."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.connector.dsp.space import OFFER, Space, check_all

ROOT = Path(__file__).resolve().parents[3]
ENERGY = '{ e1: energyUse(id: "E1") { id kwh } }'


def guichet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "connector.cli", "dsp", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def test_catalog_negotiate_transfer_and_query(space: Space) -> None:
    url, config = space.provider.url, str(space.consumer.toml)
    done = guichet("catalog", url)
    assert done.returncode == 0, done.stderr
    assert f"dataset {url}/catalog/energie" in done.stdout
    assert f"offer {OFFER}" in done.stdout

    done = guichet("negotiate", url, "energie", OFFER, "--config", config)
    assert done.returncode == 0, done.stderr
    (agreement,) = re.findall(r"^agreement: (\S+)$", done.stdout, re.M)
    assert agreement.startswith(f"{url}/agreements/")

    done = guichet("transfer", url, agreement, "--config", config, "--query", ENERGY)
    assert done.returncode == 0, done.stderr
    assert f"endpoint: {url}/graphql" in done.stdout
    assert re.search(r"^token: gdsp_\S+$", done.stdout, re.M)
    answer = json.loads(done.stdout[done.stdout.index("{") :])
    assert answer["data"] == {"e1": {"id": "E1", "kwh": 70470.0}}
    # the nodes' own messages (agreement, events, start) were valid
    assert check_all(space.capture.dsp()) == []


def test_errors_are_error_lines(space: Space) -> None:
    url, config = space.provider.url, str(space.consumer.toml)
    done = guichet(
        "negotiate", url, "energie", "https://example.org/offer/none", "--config", config
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: dataset ") and "has no offer" in done.stderr
    assert "Traceback" not in done.stderr
    done = guichet("transfer", url, "urn:uuid:no-agreement", "--config", config)
    assert done.returncode == 1
    assert "no agreement 'urn:uuid:no-agreement' of yours" in done.stderr
    done = guichet("catalog", "http://127.0.0.1:9")
    assert done.returncode == 1 and done.stderr.startswith("error: ")
    # a node without [dsp] credentials
    bare = space.consumer.folder / "bare.toml"  # beside its policies
    text = space.consumer.toml.read_text(encoding="utf-8")
    bare.write_text(text[: text.index("\n[dsp]")], encoding="utf-8")
    done = guichet("negotiate", url, "energie", OFFER, "--config", str(bare))
    assert done.returncode == 1 and "no [dsp] section" in done.stderr
    assert guichet("negotiate", url, "energie", OFFER).returncode == 2

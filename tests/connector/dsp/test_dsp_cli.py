"""``guichet dsp`` as a user runs it, a process of its own, against two running nodes and
the issuer (:mod:`tests.connector.dsp.space`): the catalog, a negotiation to FINALIZED,
a transfer and the query with its token; the errors, as ``error:`` lines; and against a
provider that offers something else (:mod:`tests.connector.dsp.scripted`), the
negotiation terminated unless ``--accept-counter-offer``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.connector.dsp.scripted import WEEK, scripted
from tests.connector.dsp.space import OFFER, Space, check_all, serve

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


def test_an_offer_other_than_the_one_asked_ends_it_unless_allowed(space: Space) -> None:
    """Against a provider that answers every request with an offer of its own (7 days,
    under another @id): terminated, the reason said, unless --accept-counter-offer."""
    script = scripted(space)
    port = int(space.spare.rsplit(":", 1)[1])
    server, thread = serve(script.app(), port)
    before = len(space.capture.exchanges)
    try:
        config = str(space.consumer.toml)
        done = guichet("negotiate", space.spare, "energie", OFFER, "--config", config)
        assert done.returncode == 1, done.stdout
        assert done.stderr == (
            f"error: the negotiation ended TERMINATED: the provider offered {WEEK}, which is "
            f"not the offer asked for ({OFFER}, compared as RDF); negotiate with "
            "--accept-counter-offer to accept the provider's offer\n"
        )
        (ended,) = [m for m in script.received if "TerminationMessage" in m["@type"]]
        assert ended["code"] == "offer-refused" and ended["reason"][0].startswith(
            f"the provider offered {WEEK}"
        )
        assert not [m for m in script.received if m.get("eventType") == "ACCEPTED"]

        done = guichet(
            "negotiate", space.spare, "energie", OFFER, "--config", config, "--accept-counter-offer"
        )
        assert done.returncode == 0, done.stderr
        assert f"offer: {WEEK} (the provider's, accepted instead of {OFFER})" in done.stdout
        assert re.search(r"^agreement: urn:uuid:\S+$", done.stdout, re.M)
        kinds = [m.get("eventType") or m["@type"] for m in script.received]
        assert kinds[-3:] == [
            "ContractRequestMessage",
            "ACCEPTED",
            "ContractAgreementVerificationMessage",
        ]
    finally:
        server.should_exit = True
        thread.join(timeout=15)
    assert check_all(space.capture.dsp(before)) == []

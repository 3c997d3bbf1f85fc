"""``[dsp]``, the node's own credentials: read, never inline, every problem named; and the
protocol's state machines, row by row as DSP 2025-1 draws them (contract negotiation §
"Contract Negotiation States", transfer process § "Transfer Process States")."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.config import load_config
from connector.config.dsp import DspConfig
from connector.dsp.machine import (
    CONSUMER_NEGOTIATION,
    CONSUMER_SENDS,
    CONSUMER_TRANSFER,
    PROVIDER_NEGOTIATION,
    PROVIDER_SENDS,
    PROVIDER_TRANSFER,
    step,
)
from connector.errors import ConfigError
from tests.connector.tiny import make_tiny

AUTH = '\n[auth]\nissuer = "http://127.0.0.1:8100"\n'


def node(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "tiny.toml"
    if not path.exists():
        make_tiny(tmp_path)
        (tmp_path / "base.toml").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    path.write_text((tmp_path / "base.toml").read_text(encoding="utf-8") + extra, "utf-8")
    return path


def issues(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [(i.key, i.message) for i in caught.value.issues]


def test_dsp_credentials_from_a_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secret").write_text("s3cret\n", encoding="utf-8")
    config = load_config(
        node(tmp_path, AUTH + '[dsp]\nclient_id = "abc"\nclient_secret_file = "secret"\n')
    )
    assert config.dsp == DspConfig(
        issuer="http://127.0.0.1:8100",
        client_id="abc",
        secret_file=tmp_path / "secret",
        where=str(tmp_path / "tiny.toml"),
    )
    assert config.dsp.secret() == "s3cret"
    env = DspConfig("http://i", "abc", secret_env="GUICHET_TEST_DSP_SECRET")
    monkeypatch.setenv("GUICHET_TEST_DSP_SECRET", "from-env")
    assert env.secret() == "from-env"
    monkeypatch.delenv("GUICHET_TEST_DSP_SECRET")
    with pytest.raises(ConfigError, match="no client secret in the environment variable"):
        env.secret()


def test_dsp_problems_are_named(tmp_path: Path) -> None:
    text = (
        '[dsp]\nclient_id = "abc"\nclient_secret = "inline!"\nclient_secret_env = "X"\nsecret = 1\n'
    )
    found = issues(node(tmp_path, text))
    assert ("dsp.issuer", "missing: the issuer to get tokens from (or set [auth] issuer)") in found
    keys = [k for k, _ in found]
    assert "dsp.client_secret" in keys and "dsp.secret" in keys
    (inline,) = [m for k, m in found if k == "dsp.client_secret"]
    assert "never written in the configuration" in inline
    found = issues(node(tmp_path, AUTH + '[dsp]\nclient_id = "abc"\nclient_secret_file = "none"\n'))
    assert found == [("dsp.client_secret_file", f"file not found: {tmp_path / 'none'}")]
    found = issues(node(tmp_path, AUTH + '[dsp]\nclient_id = "abc"\n'))
    assert found == [("dsp", "expected exactly one of client_secret_file and client_secret_env")]


@pytest.mark.parametrize(
    ("table", "message", "state", "verdict"),
    [
        # the provider: a verification answers an agreement sent
        (PROVIDER_NEGOTIATION, "ContractAgreementVerificationMessage", "AGREED", "move"),
        (PROVIDER_NEGOTIATION, "ContractAgreementVerificationMessage", "FINALIZED", "repeat"),
        (
            PROVIDER_NEGOTIATION,
            "ContractAgreementVerificationMessage",
            "REQUESTED",
            "ContractAgreementVerificationMessage cannot be accepted in state REQUESTED: "
            "it is expected in state AGREED",
        ),
        # ACCEPTED answers an offer; termination from any state but the final ones
        (PROVIDER_NEGOTIATION, "ACCEPTED", "OFFERED", "move"),
        (PROVIDER_NEGOTIATION, "ContractNegotiationTerminationMessage", "VERIFIED", "move"),
        (PROVIDER_NEGOTIATION, "ContractNegotiationTerminationMessage", "TERMINATED", "repeat"),
        (
            PROVIDER_NEGOTIATION,
            "ContractNegotiationTerminationMessage",
            "FINALIZED",
            "ContractNegotiationTerminationMessage cannot be accepted in state FINALIZED: "
            "it is expected in state ACCEPTED or AGREED or OFFERED or REQUESTED or VERIFIED",
        ),
        # a request after the provider's offer (for it, or a counter-offer again)
        (PROVIDER_NEGOTIATION, "ContractRequestMessage", "OFFERED", "move"),
        (
            PROVIDER_NEGOTIATION,
            "ACCEPTED",
            "REQUESTED",
            "ACCEPTED cannot be accepted in state REQUESTED: it is expected in state OFFERED",
        ),
        # what the provider sends: an offer answers a request, an agreement a request or
        # the consumer's acceptance, FINALIZED the verification
        (PROVIDER_SENDS, "ContractOfferMessage", "REQUESTED", "move"),
        (PROVIDER_SENDS, "ContractAgreementMessage", "ACCEPTED", "move"),
        (
            PROVIDER_SENDS,
            "ContractAgreementMessage",
            "OFFERED",
            "ContractAgreementMessage cannot be accepted in state OFFERED: "
            "it is expected in state ACCEPTED or REQUESTED",
        ),
        (PROVIDER_SENDS, "FINALIZED", "VERIFIED", "move"),
        # the consumer: an offer after its request (again: a repeat); an agreement after
        # its request or its acceptance; FINALIZED after its verification
        (CONSUMER_NEGOTIATION, "ContractOfferMessage", "REQUESTED", "move"),
        (CONSUMER_NEGOTIATION, "ContractOfferMessage", "ACCEPTED", "repeat"),
        (
            CONSUMER_NEGOTIATION,
            "ContractOfferMessage",
            "AGREED",
            "ContractOfferMessage cannot be accepted in state AGREED: "
            "it is expected in state REQUESTED",
        ),
        (CONSUMER_SENDS, "ACCEPTED", "OFFERED", "move"),
        (CONSUMER_NEGOTIATION, "ContractAgreementMessage", "ACCEPTED", "move"),
        (CONSUMER_NEGOTIATION, "FINALIZED", "VERIFIED", "move"),
        (
            CONSUMER_NEGOTIATION,
            "FINALIZED",
            "AGREED",
            "FINALIZED cannot be accepted in state AGREED: it is expected in state VERIFIED",
        ),
        # transfers: completion and suspension of a started transfer; start after the
        # request or a suspension (the consumer's side)
        (PROVIDER_TRANSFER, "TransferCompletionMessage", "STARTED", "move"),
        (PROVIDER_TRANSFER, "TransferSuspensionMessage", "SUSPENDED", "repeat"),
        (PROVIDER_TRANSFER, "TransferTerminationMessage", "SUSPENDED", "move"),
        (CONSUMER_TRANSFER, "TransferStartMessage", "SUSPENDED", "move"),
        (
            PROVIDER_TRANSFER,
            "TransferCompletionMessage",
            "REQUESTED",
            "TransferCompletionMessage cannot be accepted in state REQUESTED: "
            "it is expected in state STARTED",
        ),
    ],
)
def test_the_state_machines(table: dict, message: str, state: str, verdict: str) -> None:
    assert step(table, message, state) == verdict

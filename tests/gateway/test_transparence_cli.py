"""``guichet gateway``'s options for the families' page: its participant from the command
line (the secret from a file), a half-given participant refused with what goes together."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.gateway.cli import main, parser, transparence_from


def test_the_participant_comes_from_the_options_and_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret\n", encoding="utf-8")
    args = parser().parse_args(
        [
            "--subgraph",
            "cda=http://127.0.0.1:1/graphql",
            "--transparence-issuer",
            "http://127.0.0.1:8100",
            "--transparence-client-id",
            "transparence",
            "--transparence-secret-file",
            str(secret),
            "--transparence-dpd-contact",
            "dpd@ville.example",
        ]
    )
    page = transparence_from(args)
    assert page.participant is not None
    assert (page.participant.client_id, page.participant.client_secret) == (
        "transparence",
        "s3cret",
    )
    assert page.dpd_contact == "dpd@ville.example"
    assert (
        transparence_from(parser().parse_args(["--subgraph", "a=http://x/g"])).participant is None
    )


def test_half_a_participant_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--subgraph", "cda=http://127.0.0.1:1/graphql", "--transparence-client-id", "t"])
    assert code == 1
    assert "go together" in capsys.readouterr().err

"""``guichet issuer add-account|add-web-client|accounts|web-clients`` through ``main(argv)``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from issuer.cli import main

DPD = "https://guichet.agglo-larochelle.fr/participants/cda/dpd/claire-martin"
PASSWORD = "un mot de passe assez long"


def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"


def test_add_account_from_a_file_and_list_without_the_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = db_url(tmp_path)
    secret = tmp_path / "dpd.password"
    secret.write_text(PASSWORD + "\n")
    argv = ["add-account", "dpd", "--iri", DPD, "--name", "Claire Martin", "--role", "dpd"]
    assert main([*argv, "--role", "staff", "--password-file", str(secret), "--db", db]) == 0
    added = capsys.readouterr().out
    assert added == f"account dpd added: {DPD} roles=dpd,staff\n"

    assert main(["accounts", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert listed == f"dpd\t{DPD}\tClaire Martin\troles=dpd,staff\n"
    assert "scrypt" not in listed and PASSWORD not in listed


def test_add_account_from_the_environment_and_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = db_url(tmp_path)
    monkeypatch.setenv("DPD_PASSWORD", PASSWORD)
    base = ["--iri", DPD, "--name", "C", "--db", db]
    assert main(["add-account", "dpd", *base, "--password-env", "DPD_PASSWORD"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["add-account", "agent", *base, "--password-file", "-"]) == 0
    capsys.readouterr()

    from issuer.cli_accounts import _run

    for username in ("dpd", "agent"):
        outcome = _run(db, lambda r, u=username: r.check_login(u, PASSWORD))  # type: ignore[misc]
        assert getattr(outcome, "username", None) == username


def test_add_account_errors_name_the_problem_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = db_url(tmp_path)
    base = ["--iri", DPD, "--name", "C", "--db", db]
    monkeypatch.delenv("NO_SUCH_VARIABLE", raising=False)
    assert main(["add-account", "dpd", *base, "--password-env", "NO_SUCH_VARIABLE"]) == 1
    assert "environment: NO_SUCH_VARIABLE: the variable is not set" in capsys.readouterr().err

    missing = tmp_path / "nope"
    assert main(["add-account", "dpd", *base, "--password-file", str(missing)]) == 1
    assert f"{missing}: password_file:" in capsys.readouterr().err

    short = tmp_path / "short"
    short.write_text("abc\n")
    assert main(["add-account", "dpd", *base, "--password-file", str(short)]) == 1
    assert "password: expected 12 to 1024 characters, got 3" in capsys.readouterr().err

    with pytest.raises(SystemExit):  # argparse: a password source is required
        main(["add-account", "dpd", *base])
    assert "--password-file" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # and no --password option exists
        main(["add-account", "dpd", *base, "--password", PASSWORD])


def test_add_web_client_and_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = db_url(tmp_path)
    one, two = "http://127.0.0.1:8104/console/callback", "http://127.0.0.1:8101/console/callback"
    argv = ["add-web-client", "guichet-console", "--name", "Console DPD", "--redirect-uri", one]
    assert main([*argv, "--redirect-uri", two, "--db", db]) == 0
    assert capsys.readouterr().out == f"web client guichet-console added: {one} {two}\n"
    assert main(["web-clients", "--db", db]) == 0
    assert capsys.readouterr().out == f"guichet-console\tConsole DPD\t{one} {two}\n"

    bad = ["add-web-client", "app", "--name", "A", "--redirect-uri", "http://example.org/cb"]
    assert main([*bad, "--db", db]) == 1
    assert "plain http is accepted on loopback only" in capsys.readouterr().err

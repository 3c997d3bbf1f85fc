"""The README's ``guichet issuer`` commands, run as written, one after the other, in one
folder: everything they add lands in the one default database, where every listing
command finds it; a listing pointed at another database says so instead of showing
nothing."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.support.cli import guichet

ROOT = Path(__file__).resolve().parents[2]
SECTION = "### Participants and tokens (`guichet issuer`)"


def readme_issuer_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    section = text[start : text.index("\n### ", start + len(SECTION))]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[:2] == ["guichet", "issuer"] and words[2] != "serve":
                commands.append(words[1:])
    return commands


def test_the_readme_commands_share_one_database(tmp_path: Path) -> None:
    commands = readme_issuer_commands()
    verbs = [c[1] for c in commands]
    assert verbs == ["register", "rotate-keys", "add-account", "add-web-client", "accounts"]
    assert not any("--db" in c for c in commands)
    (tmp_path / "claire.txt").write_text("un mot de passe assez long\n", encoding="utf-8")
    default = "sqlite+aiosqlite:///guichet-issuer.db"
    for command in commands:
        done = guichet(*command, cwd=tmp_path)
        assert done.returncode == 0, (command, done.stderr)
        if command[1] in ("register", "add-account", "add-web-client"):
            assert done.stderr == f"(issuer database: {default})\n", command
    assert (tmp_path / "guichet-issuer.db").is_file()

    listed = guichet("issuer", "accounts", cwd=tmp_path)
    assert listed.stdout == (
        "claire\thttps://example.org/people/claire\tClaire Martin\troles=dpd\n"
    )
    clients = guichet("issuer", "web-clients", cwd=tmp_path)
    assert clients.stdout == (
        "guichet-console\tConsole du DPD\thttps://gateway.example/console/callback\n"
    )
    participants = guichet("issuer", "list", cwd=tmp_path)
    assert participants.stdout.startswith(
        "https://guichet.agglo-larochelle.fr/participants/univ-lr\tLa Rochelle Université\t"
    )

    # the database the README used to give `register` only: not there, and said so
    other = f"sqlite+aiosqlite:///{tmp_path / 'issuer.db'}"
    for verb in ("accounts", "web-clients", "list"):
        done = guichet("issuer", verb, "--db", other, cwd=tmp_path)
        assert (done.returncode, done.stdout) == (1, ""), verb
        assert done.stderr == (
            f"error: command line: --db: no issuer database at {tmp_path / 'issuer.db'} "
            f"(default of every guichet issuer command: {default}, in the current folder)\n"
        )
    assert not (tmp_path / "issuer.db").exists()


def test_an_empty_listing_says_so(tmp_path: Path) -> None:
    made = guichet("issuer", "add-web-client", "app", "--name", "A", "--redirect-uri",
                   "http://127.0.0.1:9/cb", cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    done = guichet("issuer", "accounts", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == "no person accounts in sqlite+aiosqlite:///guichet-issuer.db\n"

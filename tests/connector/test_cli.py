"""The ``guichet`` command line as a newcomer meets it: every command and option explains
itself under one program name, and the exit status means the same everywhere (0 ok, 1 bad
input or a failed check, 2 a command line that cannot be parsed)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.cli import DELEGATED, parser, sub_parser
from tests.support.cli import guichet


def walk(
    p: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser under ``p``, with the words that lead to it; a delegated command
    (``gateway``, ``audit``, ``policy``) by the parser that really reads its arguments."""
    yield path, p
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                real = sub_parser(name) if not path and name in DELEGATED else sub
                yield from walk(real, (*path, name))


def all_parsers() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    return list(walk(parser()))


def test_the_walk_reaches_every_command() -> None:
    commands = {" ".join(path) for path, _ in all_parsers()}
    assert commands == {
        "",
        "node",
        "check-config",
        "sdl",
        "demo",
        "footprint",
        "issuer",
        "issuer serve",
        "issuer register",
        "issuer list",
        "issuer rotate-keys",
        "issuer add-account",
        "issuer add-web-client",
        "issuer accounts",
        "issuer web-clients",
        "gateway",
        "audit",
        "audit verify",
        "audit export",
        "audit notice",
        "audit prune",
        "policy",
        "policy check",
        "policy evaluate",
        "policy conformance",
        "dsp",
        "dsp catalog",
        "dsp negotiate",
        "dsp transfer",
        "rollup",
        "rollup refresh",
    }


def test_every_command_is_named_guichet_and_every_option_has_help() -> None:
    missing: list[str] = []
    for path, p in all_parsers():
        expected = " ".join(("guichet", *path))
        if p.prog != expected:
            missing.append(f"{expected}: prog is {p.prog!r}")
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [
                    f"{expected} {choice.dest}: no help"
                    for choice in action._choices_actions
                    if not choice.help
                ]
                continue
            name = "/".join(action.option_strings) or action.dest
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{expected} {name}: no help")
    assert missing == []


def test_guichet_help_lists_every_command_and_the_exit_status() -> None:
    done = guichet("--help")
    assert done.returncode == 0
    text = done.stdout
    assert text.startswith("usage: guichet [-h] COMMAND ...")
    assert "``" not in text
    for command in ("node", "check-config", "sdl", "demo", "issuer", "gateway", "audit"):
        assert f"\n    {command}" in text, command
    assert "  2  the command line cannot be parsed" in text


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["policy", "-h"], "usage: guichet policy [-h] COMMAND ..."),
        (["policy", "evaluate", "-h"], "usage: guichet policy evaluate [-h] --request REQUEST"),
        (["audit", "export", "-h"], "usage: guichet audit export [-h] (--config NODE.toml"),
        (["issuer", "accounts", "-h"], "usage: guichet issuer accounts [-h] [--db URL]"),
        (["gateway", "-h"], "usage: guichet gateway [-h]"),
    ],
)
def test_sub_command_help_is_under_guichet(args: list[str], usage: str) -> None:
    done = guichet(*args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(usage)


def test_exit_status_is_the_same_everywhere(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.toml")
    # 1: the input is wrong (here: a file that is not there), whichever command reads it
    for args in (
        ["node", missing],
        ["check-config", missing],
        ["sdl", missing],
        ["policy", "check", str(tmp_path / "nowhere.jsonld")],
        ["audit", "verify", "--db", f"sqlite+aiosqlite:///{tmp_path / 'nowhere.db'}"],
        ["issuer", "accounts", "--db", f"sqlite+aiosqlite:///{tmp_path / 'nowhere.db'}"],
        ["gateway", "--supergraph", missing],
    ):
        done = guichet(*args)
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr.startswith("error: "), (args, done.stderr)
        assert "nowhere" in done.stderr and "Traceback" not in done.stderr, args
    # 2: the command line cannot be parsed
    for args in (
        [],
        ["nodes"],
        ["node"],
        ["check-config", "--probes", missing],
        ["policy", "evaluate", "p.jsonld"],
        ["audit", "verify"],
        ["issuer", "register", "https://example.org/p"],
        ["gateway", "--port", "eighty"],
        ["gateway"],
    ):
        done = guichet(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "error" in done.stderr and "Traceback" not in done.stderr, args

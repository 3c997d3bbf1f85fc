"""``guichet policy``: command-line entry points for policy authors.

``check_command(paths)`` validates policy files; ``evaluate_command(policies, request,
state)`` prints the FORCE compliance report (Turtle, the decision and its reason as
comments; or JSON-LD); ``conformance_command(folder)`` runs test-suite cases. All
return ``(exit code, text)``: 0 for valid / permit, 1 for problems / deny and when a file
cannot be read or parsed (2 is left to the command line itself, as in every ``guichet``
command).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from policies.errors import PolicyError

from .check import check_policies
from .conformance import conformance_text, run_folder
from .decision import evaluate
from .grants import policies_warnings
from .loader import parse_text
from .model import Policy
from .parse import policies_from_graph
from .request import State, request_from_graph, state_from_graph
from .rules import short


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{path}: is not UTF-8 text") from exc


def load_policies(paths: Sequence[str]) -> list[Policy]:
    """Every policy in the given JSON-LD or Turtle files."""
    found: list[Policy] = []
    for path in paths:
        found.extend(policies_from_graph(parse_text(_read(path), name=path), source=path))
    return found


def check_command(paths: list[str]) -> tuple[int, str]:
    """Validate policy files; the text names every problem (file and offending term), then
    warns (``warning: `` lines, not problems) about rules that omit their action, target
    or assignee, saying what they then grant."""
    if not paths:
        return 1, "no policy file given"
    lines: list[str] = []
    policies: list[Policy] = []
    for path in paths:
        try:
            policies.extend(load_policies([path]))
        except PolicyError as exc:
            lines.append(str(exc))
    issues = check_policies(policies)
    lines.extend(str(issue) for issue in issues)
    warnings = [f"warning: {issue}" for issue in policies_warnings(policies)]
    if lines:
        return 1, "\n".join(lines + warnings)
    names = ", ".join(p.iri for p in policies)
    return 0, "\n".join([f"{len(policies)} policy(ies) valid: {names}", *warnings])


def evaluate_command(
    policy_paths: list[str],
    request_path: str,
    state_path: str | None,
    *,
    fmt: str = "turtle",
    request_iri: str | None = None,
) -> tuple[int, str]:
    """Evaluate a request. The text is the FORCE report: Turtle followed by the decision,
    rule, reason and duties as Turtle comments (so the whole text parses as Turtle), or
    JSON-LD (``fmt="jsonld"``) alone."""
    try:
        return _evaluation(policy_paths, request_path, state_path, fmt, request_iri)
    except PolicyError as exc:
        return 1, str(exc)


def _evaluation(
    policy_paths: list[str],
    request_path: str,
    state_path: str | None,
    fmt: str = "turtle",
    request_iri: str | None = None,
) -> tuple[int, str]:
    """:func:`evaluate_command`, raising :class:`PolicyError` for a file it cannot use.

    Each file may hold other things as well (the test suite's files do): policies are the
    ``odrl:Set``/``Offer``/``Agreement``/``Policy`` nodes, the request the one
    ``sotw:EvaluationRequest`` or ``odrl:Request`` (``request_iri`` picks one of several),
    the state everything in its file."""
    policies = load_policies(policy_paths)
    request = request_from_graph(
        parse_text(_read(request_path), name=request_path), name=request_path, subject=request_iri
    )
    state = (
        state_from_graph(parse_text(_read(state_path), name=state_path), name=state_path)
        if state_path
        else None
    )
    report = evaluate(policies, request, state or State())
    code = 0 if report.permitted else 1
    if fmt == "jsonld":
        return code, report.to_jsonld()
    lines = [report.to_turtle().rstrip(), "", f"# decision: {report.decision}"]
    if report.rule:
        lines.append(f"# rule: {report.rule}")
    lines.append(f"# reason: {report.reason}")
    for duty in report.duties:
        parties = "".join(f" {short(function)}={party}" for function, party in duty.parties)
        lines.append(f"# duty: {short(duty.action)} ({duty.rule}){parties}")
    return code, "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    """``guichet policy check FILE...``, ``guichet policy evaluate POLICY... --request
    FILE [--state FILE]`` and ``guichet policy conformance DIR``."""
    p = argparse.ArgumentParser(
        prog="guichet policy",
        description="Check ODRL 2.2 policies (JSON-LD or Turtle) and evaluate a request "
        "against them, as a node does. Exit status: 0 valid / permit, 1 problems / deny or "
        "a file that cannot be read, 2 a command line that cannot be parsed.",
    )
    commands = p.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    check = commands.add_parser("check", help="validate policy files")
    check.add_argument("files", nargs="+", help="policy files (JSON-LD or Turtle)")
    run = commands.add_parser("evaluate", help="evaluate a request against policies")
    run.add_argument("policies", nargs="+", help="policy files (JSON-LD or Turtle)")
    run.add_argument(
        "--request",
        required=True,
        help="the request (Turtle or JSON-LD; a FORCE EvaluationRequest or an ODRL Request)",
    )
    run.add_argument(
        "--state",
        help="the state of the world (Turtle or JSON-LD, FORCE sotw: current time, duty "
        "states...); default: empty",
    )
    run.add_argument(
        "--request-iri",
        help="which request, when the request file holds several",
    )
    run.add_argument(
        "--format",
        choices=("turtle", "jsonld"),
        default="turtle",
        help="the FORCE compliance report in Turtle (default; the decision follows as "
        "comments) or JSON-LD",
    )
    suite = commands.add_parser(
        "conformance",
        help="run a folder of ODRL test-suite cases and print agreement with their reports",
    )
    suite.add_argument(
        "folder",
        help="test cases (ex:TestCase with ex:policy, ex:request, ex:sotw, ex:expectedReport) "
        "and the policies, requests and states they name, in Turtle or JSON-LD",
    )
    return p


def conformance_command(folder: str) -> tuple[int, str]:
    """Run the folder's cases: 0 when every rule and premise agrees, 1 otherwise."""
    try:
        tally = run_folder(Path(folder))
    except PolicyError as exc:
        return 1, str(exc)
    return (0 if not tally.differences else 1), conformance_text(tally)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``guichet policy ...`` (``argv`` without the ``guichet policy`` prefix)."""
    args = parser().parse_args(argv)
    if args.command == "evaluate":
        try:
            code, text = _evaluation(
                list(args.policies), args.request, args.state, args.format, args.request_iri
            )
        except PolicyError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(text)  # the report, whatever the decision
        return code
    if args.command == "conformance":
        try:
            tally = run_folder(Path(args.folder))
        except PolicyError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(conformance_text(tally))
        return 0 if not tally.differences else 1
    code, text = check_command(list(args.files))
    for line in text.splitlines():
        if code == 0:
            print(line)
        elif line.startswith("warning: "):
            print(line, file=sys.stderr)
        else:
            print(f"error: {line}", file=sys.stderr)
    return code

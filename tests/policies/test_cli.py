"""The command-line functions on real files: check names problems, evaluate prints the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph

from policies.cli import check_command, evaluate_command, main
from policies.vocab import REPORT

from .support import PREFIXES

GOOD = {
    "@context": "http://www.w3.org/ns/odrl.jsonld",
    "@type": "Set",
    "uid": "http://example.com/p",
    "permission": [
        {"uid": "http://example.com/r", "target": "http://example.com/x", "action": "use"}
    ],
}
BAD = {
    "@context": "http://www.w3.org/ns/odrl.jsonld",
    "@type": "Offer",
    "uid": "http://example.com/bad",
    "conflict": "maybe",
    "permission": [
        {
            "target": "http://example.com/x",
            "action": "teleport",
            "constraint": [
                {"leftOperand": "purpose", "operator": "near", "rightOperand": "x"},
                {"leftOperand": "weather", "operator": "eq"},
            ],
        }
    ],
}


def write(tmp_path: Path, name: str, content: object) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_check_valid_file(tmp_path: Path) -> None:
    path = write(tmp_path, "good.jsonld", GOOD)
    code, text = check_command([path])
    assert code == 0
    assert text.splitlines() == [
        "1 policy(ies) valid: http://example.com/p",
        f"warning: {path}: http://example.com/r: permission has no assignee: it permits "
        "odrl:use on http://example.com/x to every party",
    ]


def test_check_names_every_problem_with_file_and_term(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.jsonld", BAD)
    code, text = check_command([path])
    assert code == 1
    lines = text.splitlines()
    expected = [
        f"{path}: 'maybe': conflict must be odrl:perm, odrl:prohibit or odrl:invalid",
        f"{path}: 'teleport': action of permission",
        f"{path}: 'near': operator in permission",
        f"{path}: 'weather': left operand in permission",
        "has no rightOperand",
        "permission of an odrl:Offer needs an assigner",
    ]
    for fragment in expected:
        assert any(fragment in line for line in lines), fragment
    assert all(line.startswith((f"{path}: ", f"warning: {path}: ")) for line in lines)


def test_check_unreadable_and_malformed_files(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.jsonld", '{"@type": "Set",')
    turtle = write(
        tmp_path, "broken.ttl", "@prefix odrl: <http://www.w3.org/ns/odrl/2/> .\n<a> odrl:"
    )
    missing = str(tmp_path / "missing.ttl")
    remote = write(
        tmp_path, "remote.jsonld", {"@context": "https://example.org/ctx.jsonld", "@type": "Set"}
    )
    code, text = check_command([broken, turtle, missing, remote])
    assert code == 1
    lines = text.splitlines()
    assert lines[0].startswith(f"{broken}: not valid JSON (line 1")
    assert lines[1].startswith(f"{turtle}: not valid Turtle")
    assert lines[2].startswith(f"{missing}: cannot be read")
    assert lines[3].startswith(f"{remote}: JSON-LD cannot be processed")
    assert "only the bundled ODRL context" in lines[3]


def test_check_inherit_from_cycle_across_files(tmp_path: Path) -> None:
    a = {**GOOD, "uid": "http://example.com/a", "inheritFrom": "http://example.com/b"}
    b = {**GOOD, "uid": "http://example.com/b", "inheritFrom": "http://example.com/a"}
    code, text = check_command([write(tmp_path, "a.jsonld", a), write(tmp_path, "b.jsonld", b)])
    assert code == 1
    assert (
        "inheritFrom cycle: http://example.com/a → http://example.com/b → http://example.com/a"
        in text
    )


REQUEST = (
    PREFIXES
    + """
<urn:uuid:req> a sotw:EvaluationRequest ; sotw:requestedAction odrl:read ;
  sotw:requestingParty <http://example.com/alice> ; sotw:requestedTarget <http://example.com/x> .
"""
)
STATE = (
    PREFIXES
    + """
<urn:uuid:sotw> a sotw:SotW ; sotw:currentTime [ dct:issued "2024-02-12T11:20:10Z"^^xsd:dateTime ] .
"""
)


def test_evaluate_prints_turtle_report_and_decision(tmp_path: Path) -> None:
    policy = write(tmp_path, "p.jsonld", GOOD)
    request = write(tmp_path, "request.ttl", REQUEST)
    state = write(tmp_path, "state.ttl", STATE)
    code, text = evaluate_command([policy], request, state)
    assert code == 0
    turtle, _, tail = text.partition("\n\n# decision: ")
    assert tail.splitlines() == [
        "permit",
        "# rule: http://example.com/r",
        "# reason: permission http://example.com/r allows alice to read x",
    ]
    graph = Graph().parse(data=turtle, format="turtle")
    report_types = {str(o) for o in graph.objects() if str(o).startswith(REPORT)}
    assert {
        REPORT + "PolicyReport",
        REPORT + "PermissionReport",
        REPORT + "Active",
        REPORT + "Satisfied",
    } <= report_types


def test_evaluate_several_policies_in_one_turtle_file_denies(tmp_path: Path) -> None:
    policies = write(
        tmp_path,
        "both.ttl",
        PREFIXES
        + """
ex:p1 a odrl:Set ; odrl:permission [ odrl:target ex:x ; odrl:action odrl:use ] .
ex:p2 a odrl:Set ; odrl:prohibition ex:no [ ] .
ex:no odrl:target ex:x ; odrl:action odrl:read .
""".replace("ex:no [ ]", "ex:no"),
    )
    code, text = evaluate_command(
        [policies],
        write(tmp_path, "r.ttl", REQUEST.replace("<http://example.com/x>", "ex:x")),
        None,
    )
    assert code == 1
    assert "# decision: deny" in text and "# rule: http://example.com/no" in text


def test_evaluate_with_a_bad_request_file(tmp_path: Path) -> None:
    policy = write(tmp_path, "p.jsonld", GOOD)
    code, text = evaluate_command([policy], write(tmp_path, "r.ttl", PREFIXES), None)
    assert (code, text) == (
        1,
        f"{tmp_path / 'r.ttl'}: no sotw:EvaluationRequest nor odrl:Request found",
    )


def test_main_runs_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", write(tmp_path, "good.jsonld", GOOD)]) == 0
    assert "valid" in capsys.readouterr().out

"""``guichet policy conformance DIR`` on cases written in the FORCE test suite's format for
the city profile (tests/policies/conformance/: DPV purposes, communes, gui:dailyCount,
gui:groupSize, odrl:elapsedTime, a permission without action)."""

from __future__ import annotations

import shutil
from pathlib import Path

from policies.cli import conformance_command, main

CASES = Path(__file__).parent / "conformance"


def test_every_case_agrees_per_activation_state_and_premise() -> None:
    code, text = conformance_command(str(CASES))
    # 10 cases (testcases.ttl): 5 expected Active, 5 Inactive; premises counted by hand
    assert text.splitlines() == [
        "agreement with the expected reports:",
        "  activation Active: 5/5",
        "  activation Inactive: 5/5",
        "  premise party: 1/1",
        "  premise action: 3/3",
        "  premise target: 3/3",
        "  premise constraint: 9/9",
    ]
    assert code == 0


def test_a_wrong_expectation_is_counted_and_named(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    shutil.copytree(CASES, folder)
    cases = folder / "testcases.ttl"
    text = cases.read_text(encoding="utf-8")
    # claim the 101st read of the day is allowed: rule Active, its constraint satisfied
    text = text.replace(
        "ex:quota-100-rule a report:PermissionReport ; report:rule ex:quota-r ;\n"
        "  report:activationState report:Inactive",
        "ex:quota-100-rule a report:PermissionReport ; report:rule ex:quota-r ;\n"
        "  report:activationState report:Active",
    )
    cases.write_text(text, encoding="utf-8")
    code, out = conformance_command(str(folder))
    assert code == 1
    assert "  activation Active: 5/6" in out.splitlines()
    assert "  activation Inactive: 4/4" in out.splitlines()
    assert (
        "differs: The 101st read of the day: rule http://example.org/quota-r Active"
        in out.splitlines()
    )


def test_a_folder_without_cases_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p.ttl").write_text(
        "@prefix odrl: <http://www.w3.org/ns/odrl/2/> .\n<urn:p> a odrl:Set .\n", encoding="utf-8"
    )
    code, text = conformance_command(str(tmp_path))
    assert (code, text) == (1, f"{tmp_path}: no ex:TestCase (<http://example.org/TestCase>) found")
    assert main(["conformance", str(tmp_path / "missing")]) == 1


def test_a_case_of_the_suite_itself_as_published() -> None:
    # testcase-016-bob (SolidLabResearch/ODRL-Test-Suite): only Alice may use; Bob reads x.
    # Expected report: rule Inactive, party Unsatisfied, action Satisfied.
    code, text = conformance_command(str(Path(__file__).parent / "conformance-suite"))
    assert text.splitlines() == [
        "agreement with the expected reports:",
        "  activation Inactive: 1/1",
        "  premise party: 1/1",
        "  premise action: 1/1",
    ]
    assert code == 0

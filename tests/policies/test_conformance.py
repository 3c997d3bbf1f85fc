"""``guichet policy conformance DIR`` on cases written in the FORCE test suite's format for
the city profile (tests/policies/conformance/: DPV purposes, communes, gui:dailyCount,
gui:groupSize, odrl:elapsedTime at and just past its boundary, a permission without
action, a duty to inform fulfilled, violated and not yet reported). The suite's own cases
are in test_suite_conformance.py."""

from __future__ import annotations

import shutil
from pathlib import Path

from policies.cli import conformance_command, main

CASES = Path(__file__).parent / "conformance"


def test_every_case_agrees_per_activation_state_and_premise() -> None:
    code, text = conformance_command(str(CASES))
    # 15 cases (testcases.ttl): 8 expected Active, 7 Inactive; premises and duty reports
    # counted by hand in that file
    assert text.splitlines() == [
        "agreement with the expected reports:",
        "  activation Active: 8/8",
        "  activation Inactive: 7/7",
        "  premise party: 1/1",
        "  premise action: 5/5",
        "  premise target: 5/5",
        "  premise constraint: 11/11",
        "  duty NonSet: 1/1",
        "  duty Fulfilled: 1/1",
        "  duty Violated: 1/1",
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
    assert "  activation Active: 8/9" in out.splitlines()
    assert "  activation Inactive: 6/6" in out.splitlines()
    assert (
        "differs: testcases.ttl: The 101st read of the day: rule http://example.org/quota-r Active"
        in out.splitlines()
    )


def test_a_folder_without_cases_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p.ttl").write_text(
        "@prefix odrl: <http://www.w3.org/ns/odrl/2/> .\n<urn:p> a odrl:Set .\n", encoding="utf-8"
    )
    code, text = conformance_command(str(tmp_path))
    assert (code, text) == (1, f"{tmp_path}: no ex:TestCase (<http://example.org/TestCase>) found")
    assert main(["conformance", str(tmp_path / "missing")]) == 1


def test_a_wrong_duty_state_is_counted_and_named(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    shutil.copytree(CASES, folder)
    cases = folder / "testcases.ttl"
    text = cases.read_text(encoding="utf-8")
    # claim the unreported duty to inform is already fulfilled
    text = text.replace(
        "report:rule ex:inform-d ; report:deonticState report:NonSet",
        "report:rule ex:inform-d ; report:deonticState report:Fulfilled",
    )
    cases.write_text(text, encoding="utf-8")
    code, out = conformance_command(str(folder))
    assert code == 1
    assert "  duty Fulfilled: 1/2" in out.splitlines()
    assert "  duty NonSet: 1/1" not in out.splitlines()
    assert (
        "differs: testcases.ttl: Alice reads, the duty to inform not yet reported (to perform): "
        "duty http://example.org/inform-d Fulfilled" in out.splitlines()
    )

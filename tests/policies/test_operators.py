"""Each ODRL operator and each logical combination, through the whole evaluator."""

from __future__ import annotations

from typing import Any

import pytest

from policies import Iri, Request, State, UsageCount, evaluate
from policies.vocab import AREA, DPV, ODRL, XSD

from .support import EX, at, jsonld_policy, req


def decide(constraint: dict[str, Any], request: Request, state: State | None = None) -> str:
    policy = jsonld_policy(
        {
            "@type": "Set",
            "uid": EX + "policy",
            "permission": [
                {
                    "uid": EX + "perm",
                    "target": EX + "x",
                    "action": "use",
                    "constraint": [constraint],
                }
            ],
        }
    )
    return evaluate(policy, request, state or State()).decision


def purposes(*names: str) -> Request:
    return req(purpose=tuple(Iri(DPV + n) for n in names))


def c(left: str, operator: str, right: Any) -> dict[str, Any]:
    return {"leftOperand": left, "operator": operator, "rightOperand": right}


def dpv(*names: str) -> list[dict[str, str]]:
    return [{"@id": DPV + n} for n in names]


@pytest.mark.parametrize(
    ("constraint", "asked", "expected"),
    [
        (c("purpose", "eq", dpv("ScientificResearch")), ("ScientificResearch",), "permit"),
        (c("purpose", "eq", dpv("ScientificResearch")), ("AcademicResearch",), "deny"),
        (c("purpose", "neq", dpv("Marketing")), ("ScientificResearch",), "permit"),
        (c("purpose", "neq", dpv("Marketing")), ("Marketing",), "deny"),
        # DPV: AcademicResearch rdfs:subClassOf ResearchAndDevelopment.
        (c("purpose", "isA", dpv("ResearchAndDevelopment")), ("AcademicResearch",), "permit"),
        # DPV: CommercialResearch ⊂ CommercialPurpose and ⊂ ResearchAndDevelopment.
        (c("purpose", "isA", dpv("CommercialPurpose")), ("CommercialResearch",), "permit"),
        (c("purpose", "isA", dpv("ResearchAndDevelopment")), ("Marketing",), "deny"),
        # the superclass is not an instance of its subclass
        (c("purpose", "isA", dpv("AcademicResearch")), ("ResearchAndDevelopment",), "deny"),
        (
            c("purpose", "isAllOf", dpv("ScientificResearch", "PublicBenefit")),
            ("ScientificResearch", "PublicBenefit"),
            "permit",
        ),
        (
            c("purpose", "isAllOf", dpv("ScientificResearch", "PublicBenefit")),
            ("ScientificResearch",),
            "deny",
        ),
        (
            c("purpose", "isAnyOf", dpv("ScientificResearch", "PublicBenefit")),
            ("PublicBenefit",),
            "permit",
        ),
        (
            c("purpose", "isAnyOf", dpv("ScientificResearch", "PublicBenefit")),
            ("Marketing",),
            "deny",
        ),
        (
            c("purpose", "isAnyOf", dpv("ScientificResearch", "PublicBenefit")),
            ("PublicBenefit", "Marketing"),
            "deny",
        ),
        (
            c("purpose", "isNoneOf", dpv("Marketing", "SellProducts")),
            ("ScientificResearch",),
            "permit",
        ),
        (c("purpose", "isNoneOf", dpv("Marketing", "SellProducts")), ("Marketing",), "deny"),
    ],
)
def test_set_and_class_operators(
    constraint: dict[str, Any], asked: tuple[str, ...], expected: str
) -> None:
    assert decide(constraint, purposes(*asked)) == expected


EPCI = AREA + "epci-241700434"
LA_ROCHELLE = AREA + "commune-17300"
NIORT = AREA + "commune-79191"  # Niort is in Deux-Sèvres, not in the agglomeration


@pytest.mark.parametrize(
    ("constraint", "where", "expected"),
    [
        (c("spatial", "isPartOf", {"@id": EPCI}), LA_ROCHELLE, "permit"),
        (c("spatial", "isPartOf", {"@id": EPCI}), NIORT, "deny"),
        (c("spatial", "hasPart", {"@id": LA_ROCHELLE}), EPCI, "permit"),
        (c("spatial", "hasPart", {"@id": NIORT}), EPCI, "deny"),
        (c("spatial", "eq", {"@id": LA_ROCHELLE}), LA_ROCHELLE, "permit"),
    ],
)
def test_spatial_operators(constraint: dict[str, Any], where: str, expected: str) -> None:
    assert decide(constraint, req(spatial=(Iri(where),))) == expected


def counted(done: int) -> State:
    return State(counters=(UsageCount(count=done, party=EX + "alice", target=EX + "x"),))


def integer(value: int) -> dict[str, str]:
    return {"@value": str(value), "@type": XSD + "integer"}


@pytest.mark.parametrize(
    ("operator", "limit", "done", "expected"),
    [
        # 4 uses done: this request is the 5th.
        ("lteq", 5, 4, "permit"),
        ("lteq", 5, 5, "deny"),
        ("lt", 5, 3, "permit"),
        ("lt", 5, 4, "deny"),
        ("gt", 4, 4, "permit"),
        ("gt", 5, 4, "deny"),
        ("gteq", 5, 4, "permit"),
        ("gteq", 6, 4, "deny"),
        ("eq", 5, 4, "permit"),
        ("neq", 5, 4, "deny"),
    ],
)
def test_ordering_operators_on_count(operator: str, limit: int, done: int, expected: str) -> None:
    assert decide(c("count", operator, integer(limit)), req(), counted(done)) == expected


def test_count_without_counter_denies_with_reason() -> None:
    policy = jsonld_policy(
        {
            "@type": "Set",
            "uid": EX + "p",
            "permission": [
                {
                    "target": EX + "x",
                    "action": "use",
                    "constraint": [c("count", "lteq", integer(5))],
                }
            ],
        }
    )
    report = evaluate(policy, req(), State())
    assert report.decision == "deny"
    assert "no usage counter" in report.reason


SCI = c("purpose", "eq", dpv("ScientificResearch"))
BEFORE_2025 = c("dateTime", "lt", {"@value": "2025-01-01T00:00:00Z", "@type": XSD + "dateTime"})


@pytest.mark.parametrize(
    ("operator", "first", "second", "expected"),
    [
        ("and", True, True, "permit"),
        ("and", True, False, "deny"),
        ("and", False, True, "deny"),
        ("and", False, False, "deny"),
        ("or", True, True, "permit"),
        ("or", True, False, "permit"),
        ("or", False, True, "permit"),
        ("or", False, False, "deny"),
        ("xone", True, True, "deny"),
        ("xone", True, False, "permit"),
        ("xone", False, True, "permit"),
        ("xone", False, False, "deny"),
        ("andSequence", True, True, "permit"),
        ("andSequence", True, False, "deny"),
        ("andSequence", False, True, "deny"),
        ("andSequence", False, False, "deny"),
    ],
)
def test_logical_truth_tables(operator: str, first: bool, second: bool, expected: str) -> None:
    request = purposes("ScientificResearch" if first else "Marketing")
    now = "2024-06-01T00:00:00+00:00" if second else "2025-06-01T00:00:00+00:00"
    constraint = {operator: {"@list": [SCI, BEFORE_2025]}}
    assert decide(constraint, request, at(now)) == expected


@pytest.mark.parametrize(
    ("operator", "purpose", "expected"),
    [
        # the time is unknown: "or" is still true when its other side holds ...
        ("or", "ScientificResearch", "permit"),
        # ... "and" is false when its other side fails, and unknown (so deny) otherwise.
        ("and", "Marketing", "deny"),
        ("and", "ScientificResearch", "deny"),
        ("xone", "ScientificResearch", "deny"),
    ],
)
def test_logical_with_missing_information(operator: str, purpose: str, expected: str) -> None:
    constraint = {operator: {"@list": [SCI, BEFORE_2025]}}
    assert decide(constraint, purposes(purpose), State()) == expected


def test_unknown_operator_denies_naming_it() -> None:
    policy = jsonld_policy(
        {
            "@type": "Set",
            "uid": EX + "p",
            "permission": [
                {
                    "target": EX + "x",
                    "action": "use",
                    "constraint": [
                        {
                            "leftOperand": "purpose",
                            "operator": {"@id": EX + "near"},
                            "rightOperand": {"@id": DPV + "Marketing"},
                        }
                    ],
                }
            ],
        }
    )
    report = evaluate(policy, purposes("Marketing"), State())
    assert report.decision == "deny"
    assert "unknown operator near" in report.reason


def test_action_refinement_is_checked() -> None:
    policy = jsonld_policy(
        {
            "@type": "Set",
            "uid": EX + "p",
            "permission": [
                {
                    "target": EX + "x",
                    "action": [{"rdf:value": {"@id": ODRL + "use"}, "refinement": [SCI]}],
                }
            ],
        }
    )
    assert evaluate(policy, purposes("ScientificResearch"), State()).decision == "permit"
    assert evaluate(policy, purposes("Marketing"), State()).decision == "deny"

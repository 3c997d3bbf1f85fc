"""The demo partners' policies (policies/demo) are valid and decide as their own
descriptions (dct:description) say."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from pyld import jsonld

from policies import (
    Iri,
    Policy,
    Request,
    State,
    UsageCount,
    check_policies,
    document_loader,
    evaluate,
    jsonld_to_graph,
    policies_from_graph,
)
from policies.cli import load_policies
from policies.vocab import DPV, GP, ODRL

DEMO = Path(__file__).resolve().parents[2] / "policies" / "demo"
SITE = "https://guichet.agglo-larochelle.fr/"
FILES = sorted(str(p) for p in DEMO.glob("*.jsonld"))


def test_demo_policies_exist_and_are_valid() -> None:
    assert len(FILES) >= 5
    assert check_policies(load_policies(FILES)) == []


@pytest.mark.parametrize("path", FILES, ids=[Path(f).name for f in FILES])
def test_demo_policy_expanded_form_gives_the_same_model(path: str) -> None:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    expanded = jsonld.expand(document, {"documentLoader": document_loader})
    compact_model = policies_from_graph(jsonld_to_graph(document))
    assert policies_from_graph(jsonld_to_graph(expanded)) == compact_model


def demo(name: str) -> list[Policy]:
    return load_policies([str(DEMO / name)])


MEASURES = SITE + "datasets/atmo/mesures-salles"
RESEARCHER = SITE + "participants/univ-lr/alice"
TODAY = datetime.fromisoformat("2026-11-26T10:00:00+01:00")


def research_state(done_today: int, now: datetime = TODAY) -> State:
    return State(
        now=now,
        part_of=frozenset({(RESEARCHER, SITE + "participants/univ-lr/chercheurs")}),
        counters=(UsageCount(count=done_today, party=RESEARCHER, target=MEASURES, period="P1D"),),
    )


def research_request(
    action: str = "aggregate", purpose: str = "AcademicResearch", level: str = "PT1H"
) -> Request:
    return Request.create(
        party=RESEARCHER,
        action=ODRL + action,
        target=MEASURES,
        purpose=(DPV + purpose,),
        aggregation_level=level,
    )


@pytest.mark.skipif(not (DEMO / "atmo-mesures-salles.jsonld").exists(), reason="demo file absent")
def test_researchers_get_hourly_aggregates_within_quota_and_date() -> None:
    policies = demo("atmo-mesures-salles.jsonld")
    ok = evaluate(policies, research_request(), research_state(done_today=99))
    assert ok.permitted, ok.reason
    (duty,) = ok.duties
    assert duty.action == ODRL + "attribute"
    assert duty.parties == ((ODRL + "attributedParty", SITE + "participants/atmo"),)
    # the 101st query of the day is refused (100 a day at most)
    assert not evaluate(policies, research_request(), research_state(done_today=100)).permitted
    # finer than an hour, another purpose, raw rows, or after 31 August 2027: refused
    for request in (
        research_request(level="PT30M"),
        research_request(purpose="Marketing"),
        research_request(action="read"),
    ):
        assert not evaluate(policies, request, research_state(done_today=1)).permitted
    late = research_state(1, now=datetime.fromisoformat("2027-09-01T00:00:00+00:00"))
    assert not evaluate(policies, research_request(), late).permitted


@pytest.mark.skipif(not (DEMO / "bouygues-metres.jsonld").exists(), reason="demo file absent")
def test_bill_of_quantities_only_for_carbon_accounting_no_distribution() -> None:
    policies = demo("bouygues-metres.jsonld")
    target = SITE + "datasets/bouygues/metres"
    cda = SITE + "participants/cda"

    def ask(party: str, action: str, purpose: str) -> Request:
        return Request(
            party=party,
            action=ODRL + action,
            target=target,
            parameters={ODRL + "purpose": (Iri(purpose),)},
        )

    assert evaluate(policies, ask(cda, "read", GP + "CarbonAccounting"), State()).permitted
    assert not evaluate(policies, ask(cda, "read", DPV + "Marketing"), State()).permitted
    distribute = evaluate(policies, ask(cda, "distribute", GP + "CarbonAccounting"), State())
    assert distribute.decision == "deny" and "pas-de-diffusion" in (distribute.rule or "")
    school = SITE + "participants/ecole-saint-christophe"
    assert not evaluate(policies, ask(school, "read", GP + "CarbonAccounting"), State()).permitted


@pytest.mark.skipif(
    not (DEMO / "cda-registre-batiments.jsonld").exists(), reason="demo file absent"
)
def test_building_register_is_open_with_attribution() -> None:
    policies = demo("cda-registre-batiments.jsonld")
    anonymous = Request(
        party=None, action=ODRL + "read", target=SITE + "datasets/cda/registre-batiments"
    )
    report = evaluate(policies, anonymous, State())
    assert report.permitted
    assert [d.action for d in report.duties] == [ODRL + "attribute"]

"""The demo partners' ODRL policies: valid JSON-LD, one per dataset, the rules of issue 3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from connector.config import load_config
from connector.demo.generate import NODES, TEMPLATE_DIR
from ontology import document_loader

POLICY_DIR = Path(__file__).resolve().parents[3] / "policies" / "demo"
ODRL = "http://www.w3.org/ns/odrl/2/"
BASE = "https://guichet.agglo-larochelle.fr"
POLICIES = sorted(POLICY_DIR.glob("*.jsonld"))


def expand_all(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = jsonld.expand(doc, {"documentLoader": document_loader})
    return found


def expand(path: Path) -> dict[str, Any]:
    """The file's one Set (Offers may stand beside it)."""
    (policy,) = [p for p in expand_all(path) if p["@type"] == [ODRL + "Set"]]
    return policy


def ids(values: list[dict[str, Any]]) -> list[str]:
    return [v["@id"] for v in values]


def rules(policy: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {r["@id"].split("#")[1]: r for r in policy.get(ODRL + kind, [])}


def constraints(rule: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    out = {}
    for c in rule.get(ODRL + "constraint", []):
        left = c[ODRL + "leftOperand"][0]["@id"]
        op = c[ODRL + "operator"][0]["@id"].removeprefix(ODRL)
        right = c[ODRL + "rightOperand"][0]
        out[left] = (op, right.get("@id") or (right["@value"], right.get("@type")))
    return out


def test_one_policy_per_dataset() -> None:
    used = []
    for node in NODES:
        for ds in load_config(TEMPLATE_DIR / f"{node}.toml").datasets.values():
            assert ds.policy is not None
            assert ds.policy.name == f"{node}-{ds.id}.jsonld"
            used.append(ds.policy)
    assert sorted(used) == POLICIES
    assert len(POLICIES) == 13


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_policy_is_odrl_json_ld(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["@context"][0] == "http://www.w3.org/ns/odrl.jsonld"
    policy = expand(path)
    node, dataset = path.stem.split("-", 1)
    assert policy["@type"] == [ODRL + "Set"]
    assert policy["@id"] == f"{BASE}/policies/{node}/{dataset}"
    assert ids(policy[ODRL + "target"]) == [f"{BASE}/datasets/{node}/{dataset}"]
    assert ids(policy[ODRL + "assigner"]) == [f"{BASE}/participants/{node}"]
    for rule in policy[ODRL + "permission"] + policy.get(ODRL + "prohibition", []):
        assert rule["@id"].startswith(policy["@id"] + "#")
        assert len(rule[ODRL + "action"]) == 1


@pytest.mark.parametrize(
    "name",
    [
        "cda-registre-batiments",
        "cda-declarations-environnementales",
        "cda-facteurs-emission",
        "atmo-capteurs-salles",
        "lagord-patrimoine-communal",
        # the energy of municipal buildings is no one's personal data
        "lagord-consommations-equipements",
        "bailleur-patrimoine-logement-social",
    ],
)
def test_open_datasets_are_usable_by_anyone_with_attribution(name: str) -> None:
    policy = expand(POLICY_DIR / f"{name}.jsonld")
    (rule,) = policy[ODRL + "permission"]
    assert ids(rule[ODRL + "action"]) == [ODRL + "use"]
    assert ODRL + "assignee" not in rule and ODRL + "constraint" not in rule
    (duty,) = rule[ODRL + "duty"]
    assert ids(duty[ODRL + "action"]) == [ODRL + "attribute"]
    assert ids(duty[ODRL + "attributedParty"]) == [f"{BASE}/participants/{name.split('-')[0]}"]


def test_classroom_readings_policy() -> None:
    policy = expand(POLICY_DIR / "atmo-mesures-salles.jsonld")
    perms = rules(policy, "permission")
    assert set(perms) == {
        "brutes-personnel-ecole",
        "brutes-atmo",
        "agregats-horaires-recherche",
        "icone-journalier",
    }
    staff = perms["brutes-personnel-ecole"][ODRL + "assignee"][0]
    assert staff["@type"] == [ODRL + "PartyCollection"]
    assert staff["@id"] == f"{BASE}/participants/ecole-saint-christophe/personnel"
    assert ids(perms["brutes-atmo"][ODRL + "assignee"]) == [f"{BASE}/participants/atmo"]

    research = perms["agregats-horaires-recherche"]
    assert ids(research[ODRL + "action"]) == [ODRL + "aggregate"]
    assert research[ODRL + "assignee"][0]["@id"] == f"{BASE}/participants/univ-lr/chercheurs"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    gui = "https://w3id.org/guichet/ontology#"
    assert constraints(research) == {
        ODRL + "purpose": ("isA", "https://w3id.org/dpv#AcademicResearch"),
        gui + "aggregationLevel": ("gteq", ("PT1H", xsd + "duration")),
        gui + "dailyCount": ("lteq", ("100", xsd + "integer")),
        ODRL + "dateTime": ("lteq", ("2027-08-31", xsd + "date")),
    }
    daily = perms["icone-journalier"]
    assert ids(daily[ODRL + "action"]) == [ODRL + "derive"]
    assert ODRL + "assignee" not in daily
    assert constraints(daily) == {gui + "aggregationLevel": ("gteq", ("P1D", xsd + "duration"))}


def test_bill_of_quantities_policy() -> None:
    policy = expand(POLICY_DIR / "bouygues-metres.jsonld")
    perms = rules(policy, "permission")
    carbon = perms["calcul-carbone-agglomeration"]
    assert ids(carbon[ODRL + "assignee"]) == [f"{BASE}/participants/cda"]
    assert ids(carbon[ODRL + "action"]) == [ODRL + "read"]
    assert constraints(carbon) == {
        ODRL + "purpose": ("isA", "https://w3id.org/guichet/ontology#CarbonAccounting")
    }
    assert ids(carbon[ODRL + "duty"][0][ODRL + "action"]) == [ODRL + "attribute"]
    (no_distribution,) = policy[ODRL + "prohibition"]
    assert ids(no_distribution[ODRL + "action"]) == [ODRL + "distribute"]
    assert ids(no_distribution[ODRL + "assignee"]) == [f"{BASE}/participants/cda"]


def decide(
    name: str,
    *,
    party: str | None,
    action: str,
    level: str | None = None,
    member_of: str | None = None,
) -> bool:
    """The decision of the project's evaluator on one demo policy."""
    from policies import Request, State, evaluate
    from policies.cli import load_policies

    node, dataset = name.split("-", 1)
    request = Request.create(
        party=party,
        action=ODRL + action,
        target=f"{BASE}/datasets/{node}/{dataset}",
        aggregation_level=level,
    )
    state = State(part_of=frozenset({(party, member_of)}) if party and member_of else frozenset())
    report = evaluate(load_policies([str(POLICY_DIR / f"{name}.jsonld")]), request, state)
    return bool(report.permitted)


def test_raw_readings_for_school_staff_and_atmo_daily_indicators_for_anyone() -> None:
    teacher = f"{BASE}/participants/ecole-saint-christophe/clients/direction"
    staff = f"{BASE}/participants/ecole-saint-christophe/personnel"
    name = "atmo-mesures-salles"
    assert decide(name, party=teacher, action="read", member_of=staff)
    assert decide(name, party=f"{BASE}/participants/atmo", action="read")
    assert not decide(name, party=teacher, action="read")  # not (known as) school staff
    assert not decide(name, party=None, action="read")
    assert decide(name, party=None, action="derive", level="P1D")
    assert not decide(name, party=None, action="derive", level="PT1H")
    assert not decide(name, party=None, action="aggregate", level="P1D")


def test_energy_use_raw_for_the_agglomeration_computed_results_for_anyone() -> None:
    name = "cda-consommations-energie"
    assert decide(name, party=f"{BASE}/participants/cda", action="read")
    assert not decide(name, party=f"{BASE}/participants/univ-lr", action="read")
    assert decide(name, party=None, action="derive")


def test_the_energy_readings_are_offered_to_researchers_on_terms() -> None:
    """The demo's one Offer: monthly or coarser aggregates of the energy readings, for
    academic research, for a year after the agreement, crediting the agglomeration."""
    path = POLICY_DIR / "cda-consommations-energie.jsonld"
    offers = [p for p in expand_all(path) if p["@type"] == [ODRL + "Offer"]]
    (offer,) = offers
    assert offer["@id"] == f"{BASE}/policies/cda/consommations-energie/offre-recherche"
    assert ids(offer[ODRL + "assigner"]) == [f"{BASE}/participants/cda"]
    assert ids(offer[ODRL + "target"]) == [f"{BASE}/datasets/cda/consommations-energie"]
    (rule,) = offer[ODRL + "permission"]
    assert ids(rule[ODRL + "action"]) == [ODRL + "aggregate"]
    assert ODRL + "assignee" not in rule  # the agreement names whoever accepts
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert constraints(rule) == {
        ODRL + "purpose": ("isA", "https://w3id.org/dpv#AcademicResearch"),
        "https://w3id.org/guichet/ontology#aggregationLevel": ("gteq", ("P1M", xsd + "duration")),
        ODRL + "elapsedTime": ("lteq", ("P1Y", xsd + "duration")),
    }
    (duty,) = rule[ODRL + "duty"]
    assert ids(duty[ODRL + "action"]) == [ODRL + "attribute"]

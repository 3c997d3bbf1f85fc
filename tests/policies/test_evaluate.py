"""Decisions: actions, parties, collections, conflicts, inheritance, duties, fail-closed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from policies import Iri, Lit, Request, State, UsageCount, evaluate
from policies.vocab import AREA, DPV, GP, ODRL, REPORT, XSD

from .support import EX, at, jsonld_policy, req


def one_rule(kind: str = "permission", **rule: Any) -> dict[str, Any]:
    rule = {"uid": EX + "rule", "target": EX + "x", "action": "use", **rule}
    return {"@type": "Set", "uid": EX + "policy", kind: [rule]}


@pytest.mark.parametrize(
    ("granted", "asked", "expected"),
    [
        ("use", "read", "permit"),  # odrl:read includedIn odrl:use
        ("use", "aggregate", "permit"),
        ("transfer", "sell", "permit"),  # odrl:sell includedIn odrl:transfer
        ("read", "use", "deny"),  # not the other way round
        ("sell", "transfer", "deny"),
        ("use", "sell", "deny"),  # sell is a transfer, not a use
        ("read", "read", "permit"),
    ],
)
def test_actions_follow_included_in(granted: str, asked: str, expected: str) -> None:
    policy = jsonld_policy(one_rule(action=granted))
    assert evaluate(policy, req(asked), State()).decision == expected


def test_prohibited_narrower_action_denies_even_with_broader_permission() -> None:
    document = {
        "@type": "Set",
        "uid": EX + "p",
        "conflict": "prohibit",
        "permission": [{"uid": EX + "r1", "target": EX + "x", "action": "use"}],
        "prohibition": [{"uid": EX + "r2", "target": EX + "x", "action": "aggregate"}],
    }
    policy = jsonld_policy(document)
    assert evaluate(policy, req("read"), State()).decision == "permit"
    report = evaluate(policy, req("aggregate"), State())
    assert (report.decision, report.rule) == ("deny", EX + "r2")


@pytest.mark.parametrize(
    ("conflict", "expected", "rule"),
    [
        ("perm", "permit", EX + "allow"),
        ("prohibit", "deny", EX + "forbid"),
        ("invalid", "deny", EX + "forbid"),
        (None, "deny", EX + "forbid"),
    ],
)
def test_conflict_strategies(conflict: str | None, expected: str, rule: str) -> None:
    document: dict[str, Any] = {
        "@type": "Set",
        "uid": EX + "p",
        "permission": [{"uid": EX + "allow", "target": EX + "x", "action": "use"}],
        "prohibition": [{"uid": EX + "forbid", "target": EX + "x", "action": "read"}],
    }
    if conflict:
        document["conflict"] = conflict
    report = evaluate(jsonld_policy(document), req("read"), State())
    assert (report.decision, report.rule) == (expected, rule)
    if conflict in (None, "invalid"):
        assert "void" in report.reason


def test_closed_world_nothing_permitted_is_denied() -> None:
    policy = jsonld_policy(one_rule(target=EX + "y"))
    report = evaluate(policy, req(), State())
    assert report.decision == "deny"
    assert report.rule is None
    assert "no permission" in report.reason and "x is not y" in report.reason


def test_assignee_and_anonymous_caller() -> None:
    policy = jsonld_policy(one_rule(assignee=EX + "alice"))
    assert evaluate(policy, req(party=EX + "alice"), State()).permitted
    assert not evaluate(policy, req(party=EX + "bob"), State()).permitted
    anonymous = evaluate(policy, req(party=None), State())
    assert not anonymous.permitted and "an anonymous caller" in anonymous.reason


def test_collections_membership_from_the_state_of_the_world() -> None:
    policy = jsonld_policy(
        one_rule(
            target={"@type": "AssetCollection", "uid": EX + "readings"},
            assignee={"@type": "PartyCollection", "uid": EX + "school-staff"},
        )
    )
    request = req(target=EX + "room-12", party=EX + "teacher")
    assert not evaluate(policy, request, State()).permitted
    members = frozenset(
        {
            (EX + "room-12", EX + "readings"),
            (EX + "teacher", EX + "staff"),
            (EX + "staff", EX + "school-staff"),
        }
    )
    assert evaluate(policy, request, State(part_of=members)).permitted


def test_party_collection_refinement() -> None:
    policy = jsonld_policy(
        one_rule(
            assignee={
                "@type": "PartyCollection",
                "source": EX + "researchers",
                "refinement": [
                    {
                        "leftOperand": "purpose",
                        "operator": "isA",
                        "rightOperand": {"@id": DPV + "ResearchAndDevelopment"},
                    }
                ],
            }
        )
    )
    members = State(part_of=frozenset({(EX + "alice", EX + "researchers")}))
    research = req(purpose=(Iri(DPV + "ScientificResearch"),))
    assert evaluate(policy, research, members).permitted
    assert not evaluate(policy, req(purpose=(Iri(DPV + "Marketing"),)), members).permitted


def test_compact_policy_properties_reach_every_rule() -> None:
    compact = jsonld_policy(
        {
            "@type": "Set",
            "uid": EX + "p",
            "target": EX + "x",
            "assignee": EX + "alice",
            "permission": [{"uid": EX + "r1", "action": ["read", "aggregate"]}],
            "prohibition": [{"uid": EX + "r2", "action": "distribute"}],
        }
    )
    assert len(compact.rules) == 3  # read and aggregate split into atomic rules
    assert {r.target.iri for r in compact.rules if r.target} == {EX + "x"}
    assert {r.assignee.iri for r in compact.rules if r.assignee} == {EX + "alice"}
    assert evaluate(compact, req("aggregate"), State()).permitted
    assert not evaluate(compact, req("read", party=EX + "bob"), State()).permitted


def inheriting(uid: str, parent: str | None, **extra: Any) -> dict[str, Any]:
    document = {"@type": "Set", "uid": EX + uid, **extra}
    if parent:
        document["inheritFrom"] = EX + parent
    return document


def test_inherit_from_merges_parent_rules() -> None:
    parent = jsonld_policy(
        inheriting(
            "parent",
            None,
            prohibition=[{"uid": EX + "no-sale", "target": EX + "x", "action": "sell"}],
        )
    )
    child = jsonld_policy(
        inheriting(
            "child",
            "parent",
            conflict="prohibit",
            permission=[{"uid": EX + "all", "target": EX + "x", "action": "transfer"}],
        )
    )
    assert evaluate(child, req("give"), State(), library=[parent]).permitted
    sold = evaluate(child, req("sell"), State(), library=[parent])
    assert (sold.decision, sold.rule) == ("deny", EX + "no-sale")


def test_inherit_from_cycle_and_missing_parent_deny() -> None:
    a = jsonld_policy(inheriting("a", "b", permission=[{"target": EX + "x", "action": "use"}]))
    b = jsonld_policy(inheriting("b", "a", permission=[{"target": EX + "x", "action": "use"}]))
    cycle = evaluate([a, b], req(), State())
    assert cycle.decision == "deny"
    assert f"inheritFrom cycle: {EX}a → {EX}b → {EX}a" in cycle.reason
    missing = evaluate(a, req(), State())
    assert missing.decision == "deny" and "was not given" in missing.reason


def test_unknown_profile_and_left_operand_deny_with_reason() -> None:
    profiled = jsonld_policy({**one_rule(), "profile": EX + "odrl:profile:01"})
    report = evaluate(profiled, req(), State())
    assert report.decision == "deny" and "unknown profile" in report.reason
    ours = jsonld_policy({**one_rule(), "profile": "https://w3id.org/guichet/odrl-profile"})
    assert evaluate(ours, req(), State()).permitted
    media = jsonld_policy(
        one_rule(constraint=[{"leftOperand": "media", "operator": "eq", "rightOperand": "print"}])
    )
    report = evaluate(media, req(), State())
    assert report.decision == "deny" and "odrl:media is not supported" in report.reason


def test_unknown_left_operand_in_a_prohibition_still_denies() -> None:
    document = {
        "@type": "Set",
        "uid": EX + "p",
        "conflict": "perm",
        "permission": [{"target": EX + "x", "action": "use"}],
        "prohibition": [
            {
                "target": EX + "x",
                "action": "use",
                "constraint": [
                    {
                        "leftOperand": {"@id": EX + "weather"},
                        "operator": "eq",
                        "rightOperand": "rain",
                    }
                ],
            }
        ],
    }
    report = evaluate(jsonld_policy(document), req(), State())
    assert report.decision == "deny" and "unknown left operand" in report.reason


def test_prohibition_that_cannot_be_decided_denies() -> None:
    document = {
        "@type": "Set",
        "uid": EX + "p",
        "conflict": "prohibit",
        "permission": [{"target": EX + "x", "action": "use"}],
        "prohibition": [
            {
                "uid": EX + "no-marketing",
                "target": EX + "x",
                "action": "use",
                "constraint": [
                    {
                        "leftOperand": "purpose",
                        "operator": "isA",
                        "rightOperand": {"@id": DPV + "Marketing"},
                    }
                ],
            }
        ],
    }
    policy = jsonld_policy(document)
    unknown = evaluate(policy, req(), State())
    assert unknown.decision == "deny"
    assert "cannot tell whether prohibition" in unknown.reason
    assert "no odrl:purpose" in unknown.reason
    assert evaluate(policy, req(purpose=(Iri(DPV + "ScientificResearch"),)), State()).permitted
    # DPV: DirectMarketing rdfs:subClassOf Marketing
    assert not evaluate(policy, req(purpose=(Iri(DPV + "DirectMarketing"),)), State()).permitted


def test_date_time_bounds() -> None:
    # ODRL IM example: permission until 2018-01-01 (lt the date, i.e. before that day).
    policy = jsonld_policy(
        one_rule(
            constraint=[
                {
                    "leftOperand": "dateTime",
                    "operator": "lt",
                    "rightOperand": {"@value": "2018-01-01Z", "@type": XSD + "date"},
                }
            ]
        )
    )
    assert evaluate(policy, req(), at("2017-12-31T23:59:59+00:00")).permitted
    assert not evaluate(policy, req(), at("2018-01-01T00:00:00+00:00")).permitted
    # 00:30 at +01:00 on 1 January is still 31 December in UTC.
    assert evaluate(policy, req(), at("2018-01-01T00:30:00+01:00")).permitted
    assert not evaluate(policy, req(), State()).permitted


def test_elapsed_time_from_the_agreement_date() -> None:
    document = {
        "@type": "Agreement",
        "uid": EX + "agreement",
        "assigner": EX + "city",
        "permission": [
            {
                "target": EX + "x",
                "action": "use",
                "assignee": EX + "alice",
                "constraint": [
                    {
                        "leftOperand": "elapsedTime",
                        "operator": "lteq",
                        "rightOperand": {"@value": "P30D", "@type": XSD + "duration"},
                    }
                ],
            }
        ],
    }
    policy = jsonld_policy(document)
    signed = {EX + "agreement": datetime.fromisoformat("2024-03-01T00:00:00+00:00")}
    # 1 March + 30 days = 31 March 00:00 (March has 31 days).
    on_time = State(now=datetime.fromisoformat("2024-03-31T00:00:00+00:00"), agreement_dates=signed)
    late = State(now=datetime.fromisoformat("2024-03-31T00:00:01+00:00"), agreement_dates=signed)
    assert evaluate(policy, req(), on_time).permitted
    assert not evaluate(policy, req(), late).permitted
    no_date = evaluate(policy, req(), State(now=on_time.now))
    assert not no_date.permitted and "gives no date for agreement" in no_date.reason


def test_recipient_category_from_state_types() -> None:
    policy = jsonld_policy(
        one_rule(
            constraint=[
                {
                    "leftOperand": "recipient",
                    "operator": "isA",
                    "rightOperand": {"@id": GP + "ResearchOrganisation"},
                }
            ]
        )
    )
    request = req(recipient=(Iri(EX + "univ-lr"),))
    assert not evaluate(policy, request, State()).permitted
    typed = State(types=frozenset({(EX + "univ-lr", GP + "University")}))
    assert evaluate(policy, request, typed).permitted  # gui:University ⊂ gui:ResearchOrganisation


def duty_policy() -> dict[str, Any]:
    return one_rule(
        duty=[
            {"uid": EX + "attribute", "action": "attribute"},
            {"uid": EX + "anonymise", "action": "anonymize"},
        ]
    )


def test_permit_lists_its_duties() -> None:
    report = evaluate(jsonld_policy(duty_policy()), req(), State())
    assert report.permitted
    assert {(d.rule, d.action) for d in report.duties} == {
        (EX + "attribute", ODRL + "attribute"),
        (EX + "anonymise", ODRL + "anonymize"),
    }
    assert "with duties: anonymize, attribute" in report.reason


def test_violated_duty_makes_the_permission_inactive() -> None:
    state = State(duty_states={EX + "attribute": REPORT + "Violated"})
    report = evaluate(jsonld_policy(duty_policy()), req(), state)
    assert report.decision == "deny" and "was violated" in report.reason


def test_fewest_duties_permission_decides() -> None:
    document = {
        "@type": "Set",
        "uid": EX + "p",
        "permission": [
            {
                "uid": EX + "with-duty",
                "target": EX + "x",
                "action": "use",
                "duty": [{"action": "inform"}],
            },
            {"uid": EX + "plain", "target": EX + "x", "action": "read"},
        ],
    }
    report = evaluate(jsonld_policy(document), req(), State())
    assert (report.rule, report.duties) == (EX + "plain", ())


def test_several_policies_any_deny_wins() -> None:
    allow = jsonld_policy(
        {"@type": "Set", "uid": EX + "a", "permission": [{"target": EX + "x", "action": "use"}]}
    )
    forbid = jsonld_policy(
        {
            "@type": "Set",
            "uid": EX + "b",
            "prohibition": [{"uid": EX + "f", "target": EX + "x", "action": "read"}],
        }
    )
    assert evaluate([allow], req(), State()).permitted
    both = evaluate([allow, forbid], req(), State())
    assert (both.decision, both.policy, both.rule) == ("deny", EX + "b", EX + "f")
    assert evaluate([], req(), State()).decision == "deny"


def test_request_for_other_target_of_prohibiting_policy_is_not_denied_by_it() -> None:
    allow = jsonld_policy(
        {"@type": "Set", "uid": EX + "a", "permission": [{"target": EX + "x", "action": "use"}]}
    )
    forbid = jsonld_policy(
        {"@type": "Set", "uid": EX + "b", "prohibition": [{"target": EX + "y", "action": "use"}]}
    )
    assert evaluate([allow, forbid], req(), State()).permitted


def test_request_object_from_plain_values() -> None:
    request = Request.create(
        party=EX + "alice",
        action=ODRL + "read",
        target=EX + "x",
        purpose=(DPV + "ScientificResearch",),
        group_size=12,
    )
    assert request.parameters[ODRL + "purpose"] == (Iri(DPV + "ScientificResearch"),)
    assert request.parameters[GP + "groupSize"] == (Lit("12", XSD + "integer"),)


def test_right_operand_reference_is_read_from_the_state() -> None:
    policy = jsonld_policy(
        one_rule(
            constraint=[
                {
                    "leftOperand": "count",
                    "operator": "lteq",
                    "rightOperandReference": {"@id": EX + "quota"},
                }
            ]
        )
    )
    state = State(
        counters=(UsageCount(count=2),), values={EX + "quota": (Lit("3", XSD + "integer"),)}
    )
    assert evaluate(policy, req(), state).permitted  # 3rd use, quota 3
    tight = State(counters=state.counters, values={EX + "quota": (Lit("2", XSD + "integer"),)})
    assert not evaluate(policy, req(), tight).permitted
    unknown = evaluate(policy, req(), State(counters=state.counters))
    assert "no value for the right operand reference" in unknown.reason


def test_asset_collection_refinement() -> None:
    policy = jsonld_policy(
        one_rule(
            target={
                "@type": "AssetCollection",
                "source": EX + "readings",
                "refinement": [
                    {
                        "leftOperand": "spatial",
                        "operator": "isPartOf",
                        "rightOperand": {"@id": AREA + "epci-241700434"},
                    }
                ],
            }
        )
    )
    member = State(part_of=frozenset({(EX + "room-12", EX + "readings")}))
    inside = req(target=EX + "room-12", spatial=(Iri(AREA + "commune-17300"),))
    outside = req(target=EX + "room-12", spatial=(Iri(AREA + "commune-79191"),))
    assert evaluate(policy, inside, member).permitted
    assert not evaluate(policy, outside, member).permitted


def test_remedy_and_consequence_are_parsed_as_nested_duties() -> None:
    policy = jsonld_policy(
        {
            "@type": "Set",
            "uid": EX + "p",
            "prohibition": [
                {
                    "uid": EX + "no",
                    "target": EX + "x",
                    "action": "distribute",
                    "remedy": [
                        {
                            "uid": EX + "delete",
                            "action": "delete",
                            "consequence": [{"uid": EX + "pay", "action": "compensate"}],
                        }
                    ],
                }
            ],
        }
    )
    (prohibition,) = policy.rules
    (remedy,) = prohibition.duties
    assert (remedy.iri, remedy.kind, remedy.action.iri) == (EX + "delete", "duty", ODRL + "delete")
    assert [c.iri for c in remedy.duties] == [EX + "pay"]
    report = evaluate(policy, req("distribute"), State())
    assert report.decision == "deny"
    (rule_report,) = report.policies[0].rules
    assert [c.rule for c in rule_report.conditions] == [EX + "delete"]


def test_fulfilled_consequences_make_up_for_a_violated_duty() -> None:
    document = one_rule(
        duty=[
            {
                "uid": EX + "attribute",
                "action": "attribute",
                "consequence": [{"uid": EX + "pay", "action": "compensate"}],
            }
        ]
    )
    policy = jsonld_policy(document)
    violated = {EX + "attribute": REPORT + "Violated"}
    assert not evaluate(policy, req(), State(duty_states=violated)).permitted
    made_up = State(duty_states={**violated, EX + "pay": REPORT + "Fulfilled"})
    assert evaluate(policy, req(), made_up).permitted


def test_duty_reported_fulfilled_is_not_listed_again() -> None:
    state = State(duty_states={EX + "attribute": REPORT + "Fulfilled"})
    report = evaluate(jsonld_policy(duty_policy()), req(), state)
    assert [d.rule for d in report.duties] == [EX + "anonymise"]

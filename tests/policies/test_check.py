"""Validation names the file and the offending term for each problem."""

from __future__ import annotations

import pytest
from pyld import jsonld

from policies import (
    PolicyError,
    check_policy,
    document_loader,
    parse_policies,
    parse_policy,
    rule_warnings,
)
from policies.vocab import ODRL

from .support import PREFIXES, ttl_policies


def messages(body: str) -> list[str]:
    (policy,) = ttl_policies(body)
    return [str(issue) for issue in check_policy(policy)]


def test_structural_problems_in_turtle() -> None:
    found = messages("""
ex:p a odrl:Agreement ; odrl:permission ex:r .
ex:r odrl:target ex:x ; odrl:assigner ex:city ;
  odrl:constraint [ odrl:leftOperand odrl:purpose ; odrl:rightOperand dpv:Marketing ],
                  [ odrl:operator odrl:eq ; odrl:rightOperand 3 ] .
""")
    assert not any("has no action" in m for m in found)  # an omitted action is a warning
    assert (
        "test.ttl: http://example.com/r: permission of an odrl:Agreement needs an assignee" in found
    )
    assert sum("has no operator" in m for m in found) == 1
    assert sum("has no leftOperand" in m for m in found) == 1
    assert all(m.startswith("test.ttl: ") for m in found)


def test_untyped_empty_policy_and_unknown_profile() -> None:
    found = messages("ex:p odrl:profile ex:other ; odrl:permission [ odrl:action odrl:use ] .")
    assert (
        "test.ttl: http://example.com/p: policy has no type "
        "(odrl:Set, odrl:Offer or odrl:Agreement)" in found
    )
    assert (
        "test.ttl: http://example.com/other: unknown profile: policies using it are denied" in found
    )
    assert not any("has no target" in m for m in found)


def test_valid_policy_has_no_issue() -> None:
    assert (
        messages("""
ex:p a odrl:Set ; odrl:profile <https://w3id.org/guichet/odrl-profile> ;
  odrl:permission [ odrl:target ex:x ; odrl:action odrl:read ;
    odrl:constraint [ odrl:leftOperand gui:dailyCount ; odrl:operator odrl:lteq ;
                      odrl:rightOperand 100 ] ] .
""")
        == []
    )


def test_document_without_policy_is_refused() -> None:
    with pytest.raises(PolicyError, match=r"doc\.ttl: no ODRL policy found"):
        parse_policies(PREFIXES + "ex:a ex:b ex:c .", name="doc.ttl")
    with pytest.raises(PolicyError, match="expected one policy, found 2"):
        parse_policy(PREFIXES + "ex:p a odrl:Set . ex:q a odrl:Offer .", name="two.ttl")


def test_document_loader_serves_only_the_bundled_context() -> None:
    served = document_loader("http://www.w3.org/ns/odrl.jsonld")
    assert served["document"]["@context"]["odrl"] == ODRL
    assert document_loader("https://www.w3.org/ns/odrl.jsonld")["document"] == served["document"]
    with pytest.raises(jsonld.JsonLdError):
        document_loader("https://example.org/context.jsonld")


def test_omitted_terms_are_warnings_saying_what_the_rule_grants() -> None:
    (policy,) = ttl_policies("""
ex:p a odrl:Set ;
  odrl:permission [ odrl:target ex:x ; odrl:assignee ex:alice ] ;
  odrl:permission ex:open ;
  odrl:prohibition [ odrl:action odrl:distribute ; odrl:target ex:x ] ;
  odrl:permission [ odrl:action odrl:read ; odrl:target ex:x ; odrl:assignee ex:bob ] .
ex:open odrl:action odrl:read .
""")
    found = sorted(issue.message for issue in rule_warnings(policy))
    assert found == [
        "permission has no action: it permits every action on http://example.com/x "
        "to http://example.com/alice",
        "permission has no target, no assignee: it permits odrl:read on every asset to every party",
        "prohibition has no assignee: it forbids odrl:distribute on "
        "http://example.com/x to every party",
    ]
    assert {issue.severity for issue in rule_warnings(policy)} == {"warning"}
    assert check_policy(policy) == []  # warnings, not problems


def test_an_obligation_without_action_is_still_a_problem() -> None:
    found = messages("ex:p a odrl:Set ; odrl:obligation [ odrl:assignee ex:alice ] .")
    assert any("obligation has no action: nothing says what must be done" in m for m in found)

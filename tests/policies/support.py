"""Helpers for the policy tests: build policies from JSON-LD dicts or Turtle text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from policies import (
    Policy,
    Request,
    State,
    jsonld_to_graph,
    parse_policies,
    parse_text,
    policies_from_graph,
    request_from_graph,
    state_from_graph,
)
from policies.vocab import AREA, DPV, GP, ODRL, XSD

EX = "http://example.com/"
CONTEXT: list[Any] = [
    "http://www.w3.org/ns/odrl.jsonld",
    {"dpv": DPV, "gui": GP, "area": AREA, "ex": EX, "xsd": XSD},
]
PREFIXES = f"""@prefix odrl: <{ODRL}> .
@prefix ex: <{EX}> .
@prefix dpv: <{DPV}> .
@prefix gui: <{GP}> .
@prefix area: <{AREA}> .
@prefix xsd: <{XSD}> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix report: <https://w3id.org/force/compliance-report#> .
@prefix sotw: <https://w3id.org/force/sotw#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def jsonld_policies(document: dict[str, Any]) -> list[Policy]:
    """Policies of a JSON-LD document given as a dict (its @context is added if absent)."""
    document = {"@context": CONTEXT, **document}
    return policies_from_graph(jsonld_to_graph(document, name="test"), source="test")


def jsonld_policy(document: dict[str, Any]) -> Policy:
    (found,) = jsonld_policies(document)
    return found


def ttl_policies(body: str) -> list[Policy]:
    return parse_policies(PREFIXES + body, name="test.ttl", fmt="turtle")


def ttl_request(body: str) -> Request:
    return request_from_graph(parse_text(PREFIXES + body, fmt="turtle"))


def ttl_state(body: str) -> State:
    return state_from_graph(parse_text(PREFIXES + body, fmt="turtle"))


def at(text: str) -> State:
    """A state of the world that only knows the current time."""
    return State(now=datetime.fromisoformat(text))


def req(
    action: str = "read",
    target: str | None = EX + "x",
    party: str | None = EX + "alice",
    **parameters: tuple[Any, ...],
) -> Request:
    """A request; ``parameters`` keys are ODRL left operand names (purpose=..., spatial=...)."""
    params = {(ODRL + key if ":" not in key else key): value for key, value in parameters.items()}
    return Request(party=party, action=ODRL + action, target=target, parameters=params)

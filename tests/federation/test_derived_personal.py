"""A value computed from personal data is personal data (issue 9): the operational carbon
of one identified house is computed from its dwelling's energy use, a dataset the
processing register marks as personal, with the agglomeration as its only recipient.
Through Apollo Gateway and ours, over the real demo nodes, the public and a university
researcher get the house (public register) without that figure; the agglomeration gets
it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.federation.conftest import Query

HOUSES = """{ buildings(filter: {usage: {eq: "individual_house"}}, first: 3) {
  nodes { rnbId usage } } }"""
CARBON = """query($r: RnbId!) { building(rnbId: $r) { rnbId usage
  carbon { operationalYear operationalKgCo2ePerYear operationalKgCo2ePerM2 } } }"""
ENERGY = "https://guichet.agglo-larochelle.fr/datasets/cda/consommations-energie"


def _houses(query: Query, token: str) -> list[str]:
    body = query(HOUSES, token=token)
    nodes = body["data"]["buildings"]["nodes"]
    assert len(nodes) == 3 and {n["usage"] for n in nodes} == {"individual_house"}
    return [n["rnbId"] for n in nodes]


def _denied_on_energy(body: dict[str, Any]) -> bool:
    return any(
        (e.get("extensions") or {}).get("code") == "POLICY_DENIED"
        and (e.get("extensions") or {}).get("dataset") == ENERGY
        for e in body.get("errors") or ()
    )


@pytest.mark.parametrize("gateway", ["apollo", "ours"])
@pytest.mark.parametrize("who", [None, "research"])
def test_a_single_house_operational_carbon_is_withheld_from_non_recipients(
    gateway: str, who: str | None, tokens: dict[str, str], request: pytest.FixtureRequest
) -> None:
    query: Query = request.getfixturevalue(f"query_{gateway}")
    token = tokens[who] if who else None
    for rnb in _houses(query, tokens["carbon"]):
        body = query(CARBON, {"r": rnb}, token)
        building = body["data"]["building"]
        assert building["rnbId"] == rnb  # the register itself stays open
        carbon = building["carbon"] or {}
        assert carbon.get("operationalKgCo2ePerYear") is None, body
        assert carbon.get("operationalKgCo2ePerM2") is None, body
        assert _denied_on_energy(body), body


@pytest.mark.parametrize("gateway", ["apollo", "ours"])
def test_the_agglomeration_gets_its_houses_operational_carbon(
    gateway: str, tokens: dict[str, str], request: pytest.FixtureRequest
) -> None:
    query: Query = request.getfixturevalue(f"query_{gateway}")
    for rnb in _houses(query, tokens["carbon"]):
        body = query(CARBON, {"r": rnb}, tokens["carbon"])
        carbon = body["data"]["building"]["carbon"]
        assert carbon["operationalKgCo2ePerYear"] > 0, body
        assert not _denied_on_energy(body), body

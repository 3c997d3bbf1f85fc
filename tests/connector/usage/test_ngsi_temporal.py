"""NGSI-LD readings under the tiny node's usage policies (tests/connector/usage/conftest.py):
``mesures`` lets the school's staff read under an anonymize duty, the researchers
aggregate at an hour or coarser for academic research (two requests a day), and the
city aggregate in groups of at least 3 readings.

The tiny CO2 readings (tests/connector/tiny.py) in UTC: S-CP-CO2 06/01 07:00Z 450,
08:00Z 1200, 09:00Z 1800, 07/01 08:00Z 900; S-CM2-CO2 06/01 08:00Z 700, 09:00Z 1100.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.connector.usage.conftest import P

pytestmark = pytest.mark.anyio

PUBLIC = "https://guichet.agglo-larochelle.fr/participants/public"
ENTITIES = "/ngsi-ld/v1/entities"
TEMPORAL = "/ngsi-ld/v1/temporal/entities"
IEO = "IndoorEnvironmentObserved"
CP = "urn:ngsi-ld:IndoorEnvironmentObserved:S-CP-CO2"
DENIED = "https://w3id.org/guichet/errors/PolicyDenied"
HOURLY = {
    "type": IEO,
    "options": "aggregatedValues",
    "aggrMethods": "avg,totalCount",
    "aggrPeriodDuration": "PT1H",
}


async def get(node: Any, url: str, token: str | None, **params: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await node.client.get(url, params=params, headers=headers)


async def audit(node: Any) -> list[tuple[str, tuple[str, ...], str, str]]:
    entries = await node.app.state.usage.audit.query()
    return [(e.party, e.datasets, e.decision, e.operation_name) for e in entries]


async def test_researchers_get_aggregates_only(node) -> None:
    raw = await get(node, TEMPORAL, "univ", type=IEO)
    assert raw.status_code == 403, raw.text
    body = raw.json()
    assert body["type"] == DENIED and body["code"] == "POLICY_DENIED"
    # the refusal names the policy's rule that offers aggregates, and how to ask for them
    assert "options=aggregatedValues" in body["detail"]
    assert "https://example.org/policy/mesures#research" in body["detail"]
    assert body["aggregatedOnly"] is True
    assert "1200" not in raw.text
    hourly = await get(node, TEMPORAL, "univ", **HOURLY)
    assert hourly.status_code == 200, hourly.text
    cp = next(e for e in hourly.json() if e["id"] == CP)
    # one reading per hour: the hourly averages are the readings themselves
    assert cp["co2"]["avg"] == [
        [450.0, "2025-01-06T07:00:00Z", "2025-01-06T08:00:00Z"],
        [1200.0, "2025-01-06T08:00:00Z", "2025-01-06T09:00:00Z"],
        [1800.0, "2025-01-06T09:00:00Z", "2025-01-06T10:00:00Z"],
        [900.0, "2025-01-07T08:00:00Z", "2025-01-07T09:00:00Z"],
    ]
    assert await audit(node) == [
        (P + "univ", ("mesures",), "deny", "GET /ngsi-ld/v1/temporal/entities"),
        (P + "univ", ("mesures",), "permit", "GET /ngsi-ld/v1/temporal/entities"),
    ]


async def test_the_latest_readings_are_raw_readings(node) -> None:
    r = await get(node, ENTITIES, "univ", type=IEO)
    assert r.status_code == 403, r.text
    assert "options=aggregatedValues" in r.json()["detail"]


async def test_aggregates_finer_than_the_policy_are_refused(node) -> None:
    # a half-hour span: the answer would show 30 minutes, finer than PT1H
    fine = await get(
        node,
        TEMPORAL,
        "univ",
        **HOURLY,
        timerel="between",
        timeAt="2025-01-06T08:30:00Z",
        endTimeAt="2025-01-06T09:00:00Z",
    )
    assert fine.status_code == 403, fine.text
    assert fine.json()["type"] == DENIED
    assert "PT30M" in fine.json()["reason"], fine.json()
    # aligned on whole hours it is an hourly aggregate
    ok = await get(
        node,
        TEMPORAL,
        "univ",
        **HOURLY,
        timerel="between",
        timeAt="2025-01-06T08:00:00Z",
        endTimeAt="2025-01-06T10:00:00Z",
    )
    assert ok.status_code == 200, ok.text
    assert {e["id"]: e["co2"]["totalCount"] for e in ok.json()}[CP] == [
        [1, "2025-01-06T08:00:00Z", "2025-01-06T09:00:00Z"],
        [1, "2025-01-06T09:00:00Z", "2025-01-06T10:00:00Z"],
    ]


async def test_wrong_purpose_and_no_token_are_refused_and_audited(node) -> None:
    nopurpose = await get(node, TEMPORAL, "univ-nopurpose", **HOURLY)
    public = await get(node, TEMPORAL, None, **HOURLY)
    for r in (nopurpose, public):
        assert r.status_code == 403, r.text
        assert r.json()["type"] == DENIED
        assert "1200" not in r.text
    assert "purpose" in nopurpose.json()["reason"]
    assert await audit(node) == [
        (P + "univ", ("mesures",), "deny", "GET /ngsi-ld/v1/temporal/entities"),
        (PUBLIC, ("mesures",), "deny", "GET /ngsi-ld/v1/temporal/entities"),
    ]


async def test_a_refused_token_is_a_401_problem(node) -> None:
    r = await get(node, TEMPORAL, "forged", **HOURLY)
    assert r.status_code == 401, r.text
    assert r.json()["type"] == "https://w3id.org/guichet/errors/Unauthenticated"
    assert "forged" in r.json()["detail"]
    assert r.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    # refused before any decision: one deny entry for the public party, naming the token
    entries = await node.app.state.usage.audit.query()
    assert [(e.party, e.decision) for e in entries] == [(PUBLIC, "deny")]
    assert "forged" in entries[0].reason


async def test_groups_smaller_than_the_policy_are_withheld(node) -> None:
    daily = await get(
        node,
        TEMPORAL,
        "city",
        type=IEO,
        options="aggregatedValues",
        aggrMethods="avg,totalCount",
        aggrPeriodDuration="P1D",
    )
    assert daily.status_code == 200, daily.text
    # groups of at least 3 readings: only S-CP-CO2 on 6 January (450, 1200, 1800);
    # its 7 January (1 reading) and S-CM2-CO2's day (2 readings) are withheld
    assert daily.json() == [
        {
            "id": CP,
            "type": IEO,
            "co2": {
                "type": "Property",
                "avg": [[1150.0, "2025-01-05T23:00:00Z", "2025-01-06T23:00:00Z"]],
                "totalCount": [[3, "2025-01-05T23:00:00Z", "2025-01-06T23:00:00Z"]],
            },
        }
    ]


async def test_pseudonymised_sensors_are_not_served_as_entity_ids(node) -> None:
    # the staff read the readings under an anonymize duty: sensor ids would undo it
    # (their aggregates too: the entity ids are the sensors' in clear)
    for url, params in ((TEMPORAL, {"type": IEO}), (ENTITIES, {"type": IEO}), (TEMPORAL, HOURLY)):
        r = await get(node, url, "ana", **params)
        assert r.status_code == 403, r.text
        assert "pseudonymised" in r.json()["detail"]
        assert "S-CP-CO2" not in r.text


async def test_an_aggregate_of_groups_all_too_small_is_refused(node) -> None:
    # hourly, every group holds one reading: fewer than the city's 3, none may be returned
    r = await get(node, TEMPORAL, "city", **HOURLY)
    assert r.status_code == 403, r.text
    assert r.json()["type"] == DENIED
    assert "450" not in r.text and "1200" not in r.text
    assert await audit(node) == [
        (P + "city", ("mesures",), "deny", "GET /ngsi-ld/v1/temporal/entities"),
    ]

"""Usage control on every query: deny nulls the dataset's fields with a POLICY_DENIED error
and keeps the rest; permits carry their duties; every decision is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from graphql import get_introspection_query

from tests.connector.usage.conftest import DS, P

pytestmark = pytest.mark.anyio

BUILDING = '{ building(rnbId: "PG46YY6YJW8N") { name floorArea energyUses { id kwh } } }'
STATS = (
    "{ observationStats(field: VALUE, groupBy: [SENSOR_ID], "
    "bucket: {field: RESULT_TIME, unit: DAY}) { group { sensorId } count max } }"
)


def denial(body: dict, dataset: str) -> dict:
    found = [
        e for e in body.get("errors", []) if e.get("extensions", {}).get("dataset") == DS + dataset
    ]
    assert len(found) == 1, body
    return found[0]


async def test_open_dataset_is_served_with_attribution_terms(node) -> None:
    body = await node('{ building(rnbId: "PG46YY6YJW8N") { name floorArea } }')
    assert body["data"] == {"building": {"name": "École des Salines", "floorArea": 1450.0}}
    assert "errors" not in body
    assert body["extensions"]["usage"] == [
        {
            "dataset": DS + "registre",
            "title": "Registre des bâtiments",
            "publisher": "https://example.org/participants/tiny",
            "action": "read",
            "policy": "https://example.org/policy/registre",
            "rule": "https://example.org/policy/registre#open",
            "duties": ["attribute"],
            "attribution": [P + "tiny"],
        }
    ]


async def test_denied_dataset_is_null_with_a_reason_and_the_rest_intact(node) -> None:
    body = await node(BUILDING)
    assert body["data"] == {
        "building": {"name": "École des Salines", "floorArea": 1450.0, "energyUses": None}
    }
    error = denial(body, "energie")
    ext = error["extensions"]
    assert ext["code"] == "POLICY_DENIED"
    assert ext["policy"] == "https://example.org/policy/energie"
    assert ext["action"] == "read"
    assert "public is not city" in ext["reason"]
    assert error["path"] == ["building", "energyUses"]


async def test_the_permitted_party_reads_the_same_dataset(node) -> None:
    body = await node(BUILDING, token="city")
    assert "errors" not in body
    assert body["data"]["building"]["energyUses"] == [
        {"id": "E1", "kwh": 70470.0},
        {"id": "E2", "kwh": 23490.0},
    ]


async def test_aggregate_only_party_gets_aggregates_not_rows(node) -> None:
    rows = await node("{ observations { nodes { id value } } }", token="univ")
    assert rows["data"] == {"observations": None}
    assert "univ is not staff" in denial(rows, "mesures")["extensions"]["reason"]
    stats = await node(STATS, token="univ")
    assert "errors" not in stats
    # local days (Europe/Paris): S-CM2 700, 1100 on the 6th; S-CP 450, 1200, 1800 on the
    # 6th and 900 on the 7th
    assert stats["data"]["observationStats"] == [
        {"group": {"sensorId": "S-CM2-CO2"}, "count": 2, "max": 1100.0},
        {"group": {"sensorId": "S-CP-CO2"}, "count": 3, "max": 1800.0},
        {"group": {"sensorId": "S-CP-CO2"}, "count": 1, "max": 900.0},
    ]


async def test_aggregate_needs_the_declared_purpose(node) -> None:
    body = await node(STATS, token="univ-nopurpose")
    assert body["data"] == {"observationStats": None}
    assert "purpose" in denial(body, "mesures")["extensions"]["reason"]


async def test_daily_quota_is_counted_from_the_audit_log(node, clock) -> None:
    for _ in range(2):
        assert "errors" not in await node(STATS, token="univ")
    third = await node(STATS, token="univ")
    assert third["data"] == {"observationStats": None}
    assert "dailyCount 3 lteq 2 does not hold" in denial(third, "mesures")["extensions"]["reason"]
    clock.now += timedelta(days=1)
    assert "errors" not in await node(STATS, token="univ")


async def test_anonymise_duty_gives_stable_pseudonyms(node) -> None:
    q = (
        '{ observations(filter: {sensorId: {eq: "S-CP-CO2"}}, first: 2) '
        "{ nodes { id sensorId value } pageInfo { endCursor } } }"
    )
    first = await node(q, token="ana")
    again = await node(q, token="ana")
    assert "errors" not in first
    nodes = first["data"]["observations"]["nodes"]
    assert [n["value"] for n in nodes] == [450.0, 1200.0]
    assert all(n["sensorId"].startswith("anon-") and n["sensorId"] != "S-CP-CO2" for n in nodes)
    assert nodes[0]["sensorId"] == nodes[1]["sensorId"]
    assert len({n["id"] for n in nodes}) == 2
    assert first["data"] == again["data"]
    assert first["data"]["observations"]["pageInfo"]["endCursor"] is None


async def test_filtering_on_a_denied_field_is_denied(node) -> None:
    body = await node("{ energyUses(filter: {kwh: {gt: 1}}) { totalCount } }")
    assert body["data"] == {"energyUses": None}
    assert denial(body, "energie")["extensions"]["code"] == "POLICY_DENIED"


async def test_every_decision_is_audited_and_the_chain_verifies(node) -> None:
    await node(BUILDING, token="city")
    await node(BUILDING)
    audit = node.app.state.usage.audit
    entries = await audit.query()
    got = [(e.party, e.datasets, e.decision, e.rows_returned) for e in entries]
    assert got == [
        (P + "city", ("energie",), "permit", 2),
        (P + "city", ("registre",), "permit", 1),
        ("https://guichet.agglo-larochelle.fr/participants/public", ("energie",), "deny", 0),
        ("https://guichet.agglo-larochelle.fr/participants/public", ("registre",), "permit", 1),
    ]
    # refused for want of a permission: the rule shown is the permission that came closest
    # (the city's, about this dataset and action), the code says what the caller lacked
    assert entries[2].rule == "https://example.org/policy/energie#city"
    assert entries[2].details["reasonCode"] == "not-assignee"
    assert "public is not city" in entries[2].reason
    assert entries[0].details["reasonCode"] == "permitted"
    assert entries[0].client_id == "city-app"
    assert entries[0].operation_hash == entries[2].operation_hash
    assert (await audit.verify()).ok


async def test_unknown_token_is_401_and_no_data(node) -> None:
    r = await node.client.post(
        "/graphql", json={"query": BUILDING}, headers={"Authorization": "Bearer forged"}
    )
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert "data" not in r.json()


async def test_linked_data_faces_are_under_the_same_policies(node) -> None:
    turtle = {"Accept": "text/turtle"}
    public = await node.client.get("/id/energy-use/E1", headers=turtle)
    assert public.status_code == 403
    assert public.json()["code"] == "POLICY_DENIED"
    assert "public is not city" in public.json()["reason"]
    city = await node.client.get(
        "/id/energy-use/E1", headers={**turtle, "Authorization": "Bearer city"}
    )
    assert city.status_code == 200 and "gui:finalEnergy 7.047e+04" in city.text
    building = await node.client.get("/id/building/PG46YY6YJW8N", headers=turtle)
    assert building.status_code == 200
    assert "hasEnergyUse" not in building.text and "bot:hasSpace" in building.text
    entries = await node.app.state.usage.audit.query()
    public = "https://guichet.agglo-larochelle.fr/participants/public"
    assert [(e.party, e.datasets, e.decision, e.operation_name) for e in entries] == [
        (public, ("energie",), "deny", "GET /id/energy-use"),
        (P + "city", ("energie",), "permit", "GET /id/energy-use"),
        (public, ("energie",), "deny", "GET /id/building"),
        (public, ("registre",), "permit", "GET /id/building"),
    ]


async def test_aggregates_below_the_minimum_group_size_are_withheld(node) -> None:
    # the city may aggregate groups of at least 3 readings: per sensor, S-CM2-CO2 has 2
    # readings (withheld) and S-CP-CO2 has 4 (kept)
    body = await node(
        "{ observationStats(field: VALUE, groupBy: [SENSOR_ID]) "
        "{ group { sensorId } count mean } }",
        token="city",
    )
    assert "errors" not in body, body
    assert body["data"]["observationStats"] == [
        {"group": {"sensorId": "S-CP-CO2"}, "count": 4, "mean": 1087.5}
    ]
    # per sensor and local day the groups hold 2, 3 and 1 readings: only the 3 is kept
    body = await node(STATS, token="city")
    assert body["data"]["observationStats"] == [
        {"group": {"sensorId": "S-CP-CO2"}, "count": 3, "max": 1800.0}
    ]
    # per sensor and hour every group holds one reading: nothing may be returned
    body = await node(
        "{ observationStats(field: VALUE, groupBy: [SENSOR_ID], "
        "bucket: {field: RESULT_TIME, unit: HOUR}) { count } }",
        token="city",
    )
    assert body["data"] == {"observationStats": None}
    assert "groupSize 1 gteq 3 does not hold" in denial(body, "mesures")["extensions"]["reason"]
    entries = await node.app.state.usage.audit.query()
    assert [(e.decision, e.rows_returned) for e in entries] == [
        ("permit", 1),
        ("permit", 1),
        ("deny", 0),
    ]
    assert entries[0].rule == "https://example.org/policy/mesures#city-groups"
    assert entries[0].reason.endswith("(1 of 2 groups below the minimum group size withheld)")


async def test_entities_with_variables_are_enforced_and_audited(node) -> None:
    query = (
        "query($r: [_Any!]!) { _entities(representations: $r) "
        "{ ... on Building { rnbId name energyUses { id } } } }"
    )
    reps = [{"__typename": "Building", "rnbId": "PG46YY6YJW8N"}]
    body = await node(query, r=reps)
    assert body["data"] == {
        "_entities": [{"rnbId": "PG46YY6YJW8N", "name": "École des Salines", "energyUses": None}]
    }
    assert denial(body, "energie")["extensions"]["code"] == "POLICY_DENIED"
    entries = await node.app.state.usage.audit.query()
    assert [(e.datasets, e.decision) for e in entries] == [
        (("energie",), "deny"),
        (("registre",), "permit"),
    ]


async def test_introspection_reads_no_dataset_and_is_answered_to_anyone(node) -> None:
    """GraphiQL's and every client generator's first request: graphql-core's full
    introspection query, by a caller without a token, on a node enforcing its policies."""
    body = await node(get_introspection_query(descriptions=True))
    assert "errors" not in body, body["errors"]
    fields = {
        f["name"]
        for t in body["data"]["__schema"]["types"]
        if t["name"] == "Query"
        for f in t["fields"]
    }
    assert {"building", "buildings"} <= fields
    assert "usage" not in body.get("extensions", {})  # no dataset was read

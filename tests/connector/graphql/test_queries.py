"""Root queries, filters, paging, relations and statistics on the tiny partner database.

Expected values are computed by hand from tests/connector/tiny.py (units converted:
145000 dm² = 1450 m², 70.47 MWh = 70470 kWh; Europe/Paris is UTC+1 in January)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.anyio


async def test_buildings_are_mapped_from_the_partner_schema(gql) -> None:
    r = await gql(
        '{ building(rnbId: "PG46YY6YJW8N") { rnbId name usage yearBuilt floorArea inseeCode } }'
    )
    assert r.errors is None
    assert r.data == {
        "building": {
            "rnbId": "PG46YY6YJW8N",
            "name": "École des Salines",
            "usage": "school",
            "yearBuilt": 1972,
            "floorArea": 1450.0,
            "inseeCode": "17300",
        }
    }


async def test_dashed_lower_case_rnb_id_is_accepted(gql) -> None:
    r = await gql('{ building(rnbId: "pg46-yy6y-jw8n") { rnbId } }')
    assert r.errors is None
    assert r.data == {"building": {"rnbId": "PG46YY6YJW8N"}}


async def test_bad_rnb_id_is_a_graphql_error_naming_it(gql) -> None:
    r = await gql('{ building(rnbId: "PG46-YY6Y-JW8O") { rnbId } }')
    assert r.data is None
    assert len(r.errors) == 1
    assert "invalid RNB id 'PG46-YY6Y-JW8O'" in r.errors[0].message
    assert "'O'" in r.errors[0].message


async def test_unit_conversion_and_value_maps_apply_to_filters(gql) -> None:
    # 70 000 kWh = 70 MWh: only E1 (70.47 MWh) is above.
    r = await gql("{ energyUses(filter: {kwh: {gt: 70000}}) { nodes { id kwh carrier } } }")
    assert r.errors is None
    assert r.data["energyUses"]["nodes"] == [
        {"id": "E1", "kwh": pytest.approx(70470.0), "carrier": "gaz naturel"}
    ]
    r = await gql('{ buildings(filter: {usage: {in: ["school", "housing"]}}) { nodes { rnbId } } }')
    assert [n["rnbId"] for n in r.data["buildings"]["nodes"]] == ["PG46YY6YJW8N", "ZZZZ99998888"]


async def test_cursor_paging_visits_every_row_once(gql) -> None:
    q = (
        "query($after: String) { buildings(after: $after) { nodes { rnbId } "
        "pageInfo { endCursor hasNextPage } totalCount } }"
    )
    first = await gql(q)
    assert first.errors is None
    page = first.data["buildings"]
    assert [n["rnbId"] for n in page["nodes"]] == ["A1B2C3D4E5F6", "PG46YY6YJW8N"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["totalCount"] == 3
    second = (await gql(q, after=page["pageInfo"]["endCursor"])).data["buildings"]
    assert [n["rnbId"] for n in second["nodes"]] == ["ZZZZ99998888"]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_descending_order_pages(gql) -> None:
    q = (
        "query($after: String) { buildings(first: 2, after: $after, "
        "orderBy: [{field: FLOOR_AREA, direction: DESC}]) "
        "{ nodes { rnbId floorArea } pageInfo { endCursor hasNextPage } } }"
    )
    page = (await gql(q)).data["buildings"]
    assert [n["floorArea"] for n in page["nodes"]] == [2200.0, 1450.0]
    page2 = (await gql(q, after=page["pageInfo"]["endCursor"])).data["buildings"]
    assert [n["floorArea"] for n in page2["nodes"]] == [800.0]


async def test_oversize_page_is_refused(gql) -> None:
    r = await gql("{ buildings(first: 5) { nodes { rnbId } } }")
    assert r.data is None or r.data.get("buildings") is None
    assert r.errors[0].message == "first: expected a page size between 1 and 4, got 5"


async def test_forged_cursor_is_refused(gql) -> None:
    r = await gql('{ buildings(after: "bm90LWEtY3Vyc29y") { nodes { rnbId } } }')
    assert "is not a cursor of this list" in r.errors[0].message


async def test_unknown_field_is_a_validation_error(gql) -> None:
    r = await gql("{ buildings { nodes { colour } } }")
    assert r.errors[0].message == "Cannot query field 'colour' on type 'Building'."


async def test_times_are_converted_from_local_time_to_utc(gql) -> None:
    r = await gql(
        '{ observations(first: 1, filter: {sensorId: {eq: "S-CP-CO2"}}) '
        "{ nodes { id resultTime value unit observedProperty } } }"
    )
    assert r.errors is None
    assert r.data["observations"]["nodes"] == [
        {
            "id": "1",
            "resultTime": "2025-01-06T07:00:00+00:00",
            "value": 450.0,
            "unit": "unit:PPM",
            "observedProperty": "co2",
        }
    ]


async def test_time_range_filter(gql) -> None:
    r = await gql(
        '{ observations(filter: {resultTime: {gte: "2025-01-06T08:00:00Z", '
        'lt: "2025-01-06T09:00:00Z"}}) { nodes { id } } }'
    )
    assert r.errors is None
    assert sorted(n["id"] for n in r.data["observations"]["nodes"]) == ["2", "5"]


async def test_relations_and_references(gql) -> None:
    r = await gql(
        '{ building(rnbId: "PG46YY6YJW8N") { spaces { id name sensors { id } '
        "building { name } } energyUses(orderBy: [{field: ID}]) { id kwh } } }"
    )
    assert r.errors is None
    b = r.data["building"]
    assert b["spaces"] == [
        {
            "id": "PG46YY6YJW8N/R1/CM2",
            "name": "Classe de CM2",
            "sensors": [{"id": "S-CM2-CO2"}],
            "building": {"name": "École des Salines"},
        },
        {
            "id": "PG46YY6YJW8N/RDC/CP",
            "name": "Classe de CP",
            "sensors": [{"id": "S-CP-CO2"}],
            "building": {"name": "École des Salines"},
        },
    ]
    assert [e["id"] for e in b["energyUses"]] == ["E1", "E2"]
    assert b["energyUses"][0]["kwh"] == pytest.approx(70470.0)


async def test_statistics_per_sensor_with_thresholds(gql) -> None:
    # S-CP-CO2: 450, 1200, 1800, 900 -> mean 1087.5, > 1000: 2, > 1700: 1
    # S-CM2-CO2: 700, 1100 -> mean 900, > 1000: 1, > 1700: 0
    r = await gql(
        "{ observationStats(field: VALUE, groupBy: [SENSOR_ID], "
        "thresholds: [1000, 1700]) { group { sensorId } count mean min max "
        "above { threshold count share } } }"
    )
    assert r.errors is None
    assert r.data["observationStats"] == [
        {
            "group": {"sensorId": "S-CM2-CO2"},
            "count": 2,
            "mean": 900.0,
            "min": 700.0,
            "max": 1100.0,
            "above": [
                {"threshold": 1000.0, "count": 1, "share": 0.5},
                {"threshold": 1700.0, "count": 0, "share": 0.0},
            ],
        },
        {
            "group": {"sensorId": "S-CP-CO2"},
            "count": 4,
            "mean": 1087.5,
            "min": 450.0,
            "max": 1800.0,
            "above": [
                {"threshold": 1000.0, "count": 2, "share": 0.5},
                {"threshold": 1700.0, "count": 1, "share": 0.25},
            ],
        },
    ]


async def test_statistics_per_day_bucket(gql) -> None:
    # Buckets follow the source's local calendar (Europe/Paris, UTC+1 in January): the local
    # day 2025-01-06 starts at 2025-01-05T23:00Z and holds ids 1,2,3,5,6
    # (450, 1200, 1800, 700, 1100); 2025-01-07 holds id 4 (900).
    r = await gql(
        "{ observationStats(field: VALUE, bucket: {field: RESULT_TIME, unit: DAY}) "
        "{ bucketStart count max } }"
    )
    assert r.errors is None
    assert r.data["observationStats"] == [
        {"bucketStart": "2025-01-05T23:00:00+00:00", "count": 5, "max": 1800.0},
        {"bucketStart": "2025-01-06T23:00:00+00:00", "count": 1, "max": 900.0},
    ]


async def test_one_statement_for_many_entities(gql) -> None:
    reps = ", ".join(
        f'{{__typename: "Building", rnbId: "{k}"}}'
        for k in ("PG46YY6YJW8N", "A1B2C3D4E5F6", "ZZZZ99998888", "PG46-YY6Y-JW8N")
    )
    query = f"{{ _entities(representations: [{reps}]) {{ ... on Building {{ rnbId name }} }} }}"
    await gql(query)  # the first use of a table also reads its schema
    before = gql.statements()
    r = await gql(query)
    assert r.errors is None
    assert [e["rnbId"] for e in r.data["_entities"]] == [
        "PG46YY6YJW8N",
        "A1B2C3D4E5F6",
        "ZZZZ99998888",
        "PG46YY6YJW8N",
    ]
    assert gql.statements() - before == 1


async def test_nested_lists_cost_one_statement_per_level(gql) -> None:
    query = "{ buildings(first: 3) { nodes { spaces { sensors { id } } } } }"
    await gql(query)  # the first use of a table also reads its schema
    before = gql.statements()
    r = await gql(query)
    assert r.errors is None
    assert gql.statements() - before == 3


async def test_entities_batch_of_thousands_of_keys_is_one_flat_statement(gql) -> None:
    """SQLite refuses expression trees deeper than 1000: a batch must be one IN list."""
    alphabet = "123456789ABCDEFGHJKMNPQRSTVWXYZ"
    unknown = [
        f"Z{alphabet[i // 961 % 31]}{alphabet[i // 31 % 31]}{alphabet[i % 31]}ZZZZZZZZ"
        for i in range(1500)
    ]
    keys = ["PG46YY6YJW8N", *unknown, "A1B2C3D4E5F6"]
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Building { rnbId } } }"

    def reps(ks: list[str]) -> list[dict[str, str]]:
        return [{"__typename": "Building", "rnbId": k} for k in ks]

    await gql(query, r=reps(keys[:1]))
    before = gql.statements()
    r = await gql(query, r=reps(keys))
    assert r.errors is None
    found = r.data["_entities"]
    assert len(found) == 1502
    assert found[0] == {"rnbId": "PG46YY6YJW8N"} and found[-1] == {"rnbId": "A1B2C3D4E5F6"}
    assert found[1:-1] == [None] * 1500
    assert gql.statements() - before == 1


async def test_depth_alias_and_token_limits(gql) -> None:
    # tiny.toml: max_depth 6, max_aliases 3, max_tokens 400
    # building 0, spaces 1, building 2, spaces 3, building 4, spaces 5, building 6, name 7
    deep = (
        '{ building(rnbId: "PG46YY6YJW8N") { spaces { building { spaces { building '
        "{ spaces { building { name } } } } } } } }"
    )
    r = await gql(deep)
    assert r.data is None
    assert r.errors[0].message == "'anonymous' exceeds maximum operation depth of 6"
    aliases = (
        "{ "
        + " ".join(f'b{i}: building(rnbId: "PG46YY6YJW8N") {{ name }}' for i in range(4))
        + " }"
    )
    r = await gql(aliases)
    assert r.data is None
    assert r.errors[0].message == "4 aliases found. Allowed: 3"
    long = "{ " + " ".join(["__typename"] * 500) + " }"
    r = await gql(long)
    assert r.data is None
    assert (
        r.errors[0].message
        == "Syntax Error: Document contains more than 400 tokens. Parsing aborted."
    )

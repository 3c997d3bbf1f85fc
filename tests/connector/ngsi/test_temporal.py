"""``IndoorEnvironmentObserved`` and ``/ngsi-ld/v1/temporal/entities`` on the tiny node,
its tables on SQLite and on PostgreSQL (a throwaway server, tests/support/postgres.py): every
hand-computed answer below is checked against both databases.

The tiny partner's CO2 readings (tests/connector/tiny.py), local time Europe/Paris
(UTC+1 in January), so in UTC:
S-CP-CO2 (room PG46YY6YJW8N/RDC/CP): 06/01 07:00Z 450, 08:00Z 1200, 09:00Z 1800;
07/01 08:00Z 900. S-CM2-CO2 (room PG46YY6YJW8N/R1/CM2): 06/01 08:00Z 700, 09:00Z 1100.
Local days start at 23:00Z the day before. The node's page sizes: default 2, maximum 4.
On both databases the timestamps are naive local times.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.app import create_app
from connector.config import load_config
from tests.connector.tiny import insert_rows, load_tiny, make_tiny

pytestmark = pytest.mark.anyio

BASE = "http://127.0.0.1:8199"
ENTITIES = "/ngsi-ld/v1/entities"
TEMPORAL = "/ngsi-ld/v1/temporal/entities"
IEO = "IndoorEnvironmentObserved"
CP = "urn:ngsi-ld:IndoorEnvironmentObserved:S-CP-CO2"
CM2 = "urn:ngsi-ld:IndoorEnvironmentObserved:S-CM2-CO2"
BAD = "https://uri.etsi.org/ngsi-ld/errors/BadRequestData"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    """The tiny node's app over its tables on ``request.param``; ``client.url`` is the
    tables' database."""
    config = make_tiny(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'tiny.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_database")("ngsi_temporal")
        await load_tiny(url)
        config.write_text(
            config.read_text().replace('url = "sqlite+aiosqlite:///tiny.db"', f'url = "{url}"'),
            encoding="utf-8",
        )
    app = create_app(load_config(config))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
            c.app = app  # type: ignore[attr-defined]
            c.url = url  # type: ignore[attr-defined]
            yield c


def statements(client: Any) -> int:
    return sum(int(getattr(s, "statements", 0)) for s in client.app.state.node.sources.values())


async def test_each_sensor_is_an_entity_with_its_latest_reading(client) -> None:
    r = await client.get(ENTITIES, params={"type": IEO, "options": "keyValues,count"})
    assert r.status_code == 200, r.text
    assert r.headers["NGSILD-Results-Count"] == "2"
    # application/json: the context in a Link header (ETSI GS CIM 009 §6.3.5)
    assert r.headers["Link"].startswith("<https://smartdatamodels.org/context.jsonld>;")
    assert r.json() == [
        {
            "id": CM2,
            "type": IEO,
            "dateObserved": "2025-01-06T09:00:00Z",
            "co2": 1100.0,
            "refDevice": f"{BASE}/id/sensor/S-CM2-CO2",
            "refPointOfInterest": f"{BASE}/id/space/PG46YY6YJW8N/R1/CM2",
        },
        {
            "id": CP,
            "type": IEO,
            "dateObserved": "2025-01-07T08:00:00Z",
            "co2": 900.0,
            "refDevice": f"{BASE}/id/sensor/S-CP-CO2",
            "refPointOfInterest": f"{BASE}/id/space/PG46YY6YJW8N/RDC/CP",
        },
    ]


async def test_normalized_entity_and_json_ld_context_in_the_body(client) -> None:
    r = await client.get(ENTITIES, params={"id": CP}, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/ld+json")
    assert "Link" not in r.headers
    [entity] = r.json()
    assert entity["@context"] == [
        "https://smartdatamodels.org/context.jsonld",
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld",
    ]
    assert entity["co2"] == {
        "type": "Property",
        "value": 900.0,
        "observedAt": "2025-01-07T08:00:00Z",
        "unitCode": "59",  # UN/CEFACT Rec. 20: parts per million
    }
    assert entity["refDevice"] == {"type": "Relationship", "object": f"{BASE}/id/sensor/S-CP-CO2"}


async def test_raw_temporal_between_and_last_n(client) -> None:
    r = await client.get(
        TEMPORAL,
        params={
            "type": IEO,
            "timerel": "between",
            "timeAt": "2025-01-06T08:00:00Z",
            "endTimeAt": "2025-01-06T09:00:00Z",
        },
    )
    assert r.status_code == 200, r.text
    # between is [timeAt, endTimeAt): the 08:00Z readings only
    assert r.json() == [
        {
            "id": CM2,
            "type": IEO,
            "co2": [
                {
                    "type": "Property",
                    "value": 700.0,
                    "observedAt": "2025-01-06T08:00:00Z",
                    "unitCode": "59",
                }
            ],
        },
        {
            "id": CP,
            "type": IEO,
            "co2": [
                {
                    "type": "Property",
                    "value": 1200.0,
                    "observedAt": "2025-01-06T08:00:00Z",
                    "unitCode": "59",
                }
            ],
        },
    ]
    last = await client.get(
        TEMPORAL, params={"id": CP, "lastN": "2", "options": "temporalValues,count"}
    )
    assert last.headers["NGSILD-Results-Count"] == "1"
    assert last.json() == [
        {
            "id": CP,
            "type": IEO,
            "co2": {
                "type": "Property",
                "values": [[1800.0, "2025-01-06T09:00:00Z"], [900.0, "2025-01-07T08:00:00Z"]],
            },
        }
    ]
    before = await client.get(
        TEMPORAL,
        params={
            "id": CP,
            "timerel": "before",
            "timeAt": "2025-01-06T08:00:00Z",
            "options": "temporalValues",
        },
    )
    assert before.json()[0]["co2"]["values"] == [[450.0, "2025-01-06T07:00:00Z"]]
    after = await client.get(
        TEMPORAL,
        params={
            "id": CP,
            "timerel": "after",
            "timeAt": "2025-01-06T09:00:00Z",
            "options": "temporalValues",
        },
    )
    # after includes timeAt (our reading, so that spans meet bucket edges)
    assert after.json()[0]["co2"]["values"] == [
        [1800.0, "2025-01-06T09:00:00Z"],
        [900.0, "2025-01-07T08:00:00Z"],
    ]


async def test_aggregated_per_local_day(client) -> None:
    await client.get(TEMPORAL, params={"type": IEO, "lastN": "1"})  # reflection, once
    before = statements(client)
    r = await client.get(
        TEMPORAL,
        params={
            "type": IEO,
            "options": "aggregatedValues",
            "aggrMethods": "totalCount,sum,avg,min,max",
            "aggrPeriodDuration": "P1D",
        },
    )
    assert statements(client) - before == 1
    assert r.status_code == 200, r.text
    d6 = ["2025-01-05T23:00:00Z", "2025-01-06T23:00:00Z"]
    d7 = ["2025-01-06T23:00:00Z", "2025-01-07T23:00:00Z"]
    assert r.json() == [
        {
            "id": CM2,
            "type": IEO,
            "co2": {
                "type": "Property",
                "totalCount": [[2, *d6]],
                "sum": [[1800.0, *d6]],
                "avg": [[900.0, *d6]],
                "min": [[700.0, *d6]],
                "max": [[1100.0, *d6]],
            },
        },
        {
            "id": CP,
            "type": IEO,
            "co2": {
                "type": "Property",
                "totalCount": [[3, *d6], [1, *d7]],
                "sum": [[3450.0, *d6], [900.0, *d7]],  # 450 + 1200 + 1800
                "avg": [[1150.0, *d6], [900.0, *d7]],
                "min": [[450.0, *d6], [900.0, *d7]],
                "max": [[1800.0, *d6], [900.0, *d7]],
            },
        },
    ]


async def test_aggregated_over_the_whole_span(client) -> None:
    r = await client.get(
        TEMPORAL,
        params={
            "id": CP,
            "options": "aggregatedValues",
            "aggrMethods": "avg",
            "timerel": "between",
            "timeAt": "2025-01-06T00:00:00Z",
            "endTimeAt": "2025-01-08T00:00:00Z",
        },
    )
    assert r.status_code == 200, r.text
    # (450 + 1200 + 1800 + 900) / 4
    assert r.json()[0]["co2"]["avg"] == [[1087.5, "2025-01-06T00:00:00Z", "2025-01-08T00:00:00Z"]]


async def test_aggregated_per_hour_after_a_time(client) -> None:
    r = await client.get(
        TEMPORAL,
        params={
            "id": CM2,
            "options": "aggregatedValues",
            "aggrMethods": "avg",
            "aggrPeriodDuration": "PT1H",
            "timerel": "after",
            "timeAt": "2025-01-06T08:00:00Z",
        },
    )
    assert r.status_code == 200, r.text
    # one reading per hour: each hour's average is its reading
    assert r.json()[0]["co2"]["avg"] == [
        [700.0, "2025-01-06T08:00:00Z", "2025-01-06T09:00:00Z"],
        [1100.0, "2025-01-06T09:00:00Z", "2025-01-06T10:00:00Z"],
    ]


async def test_one_statement_per_request_whatever_the_rows(client) -> None:
    params = {
        "type": IEO,
        "options": "aggregatedValues",
        "aggrMethods": "avg,max,totalCount",
        "aggrPeriodDuration": "PT1H",
    }
    await client.get(ENTITIES, params={"type": IEO})  # the source reflects its tables once
    before = statements(client)
    small = await client.get(TEMPORAL, params=params)
    small_cost = statements(client) - before
    times = [
        (sensor, f"2025-02-{d:02d} {h:02d}:{m:02d}:00", 400.0 + h)
        for sensor in ("S-CP-CO2", "S-CM2-CO2")
        for d in range(1, 11)
        for h in range(24)
        for m in (0, 20, 40)
    ]
    rows = [(1000 + i, s, t, "CO2", v, "ppm") for i, (s, t, v) in enumerate(times)]
    await insert_rows(client.url, "mesures", rows)
    before = statements(client)
    big = await client.get(TEMPORAL, params=params)
    big_cost = statements(client) - before
    assert small.status_code == big.status_code == 200
    # 2 sensors x 10 days x 24 hours more groups, still one statement
    assert len(big.json()[0]["co2"]["avg"]) == len(small.json()[0]["co2"]["avg"]) + 240
    assert small_cost == big_cost == 1
    before = statements(client)
    raw = await client.get(TEMPORAL, params={"type": IEO, "lastN": "3"})
    entities = await client.get(ENTITIES, params={"type": IEO})
    assert raw.status_code == entities.status_code == 200
    # the raw readings: one select; the entities: the page of sensors, their latest readings
    assert statements(client) - before == 1 + 2


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"timerel": "during", "timeAt": "2025-01-06T08:00:00Z"}, "timerel"),
        ({"timerel": "before"}, "timeAt is required"),
        ({"timerel": "between", "timeAt": "2025-01-06T08:00:00Z"}, "endTimeAt is required"),
        ({"timerel": "after", "timeAt": "yesterday"}, "timeAt='yesterday'"),
        ({"timerel": "after", "timeAt": "2025-01-06T08:00:00"}, "no time zone"),
        ({"timeAt": "2025-01-06T08:00:00Z"}, "timeAt needs timerel"),
        (
            {"options": "aggregatedValues", "aggrMethods": "median", "aggrPeriodDuration": "P1D"},
            "aggrMethods 'median'",
        ),
        ({"options": "aggregatedValues", "aggrPeriodDuration": "P1D"}, "aggrMethods is required"),
        (
            {"options": "aggregatedValues", "aggrMethods": "avg", "aggrPeriodDuration": "1 hour"},
            "aggrPeriodDuration='1 hour'",
        ),
        (
            {"options": "aggregatedValues", "aggrMethods": "avg", "aggrPeriodDuration": "PT15M"},
            "aggrPeriodDuration='PT15M'",
        ),
        ({"options": "aggregatedValues", "aggrMethods": "avg"}, "P0D"),
        ({"aggrMethods": "avg"}, "aggrMethods applies only"),
        ({"lastN": "0"}, "lastN=0"),
        ({"lastN": "many"}, "lastN='many'"),
        ({"attrs": "pm10"}, "'pm10'"),
        ({"georel": "near"}, "georel"),
        ({"timeproperty": "modifiedAt"}, "timeproperty"),
        ({"options": "sysAttrs"}, "sysAttrs"),
    ],
)
async def test_bad_parameters_are_bad_request_data(client, params, names) -> None:
    r = await client.get(TEMPORAL, params={"type": IEO, **params})
    assert r.status_code == 400, r.text
    assert r.json()["type"] == BAD
    assert names in r.json()["detail"], r.json()


async def test_bad_ids_and_types(client) -> None:
    r = await client.get(TEMPORAL, params={"id": "urn:ngsi-ld:Building:PG46YY6YJW8N"})
    assert r.status_code == 400 and "not an IndoorEnvironmentObserved id" in r.json()["detail"]
    r = await client.get(TEMPORAL, params={"type": "Building"})
    assert r.status_code == 400 and "type='Building'" in r.json()["detail"]
    r = await client.get(ENTITIES, params={"type": IEO, "q": "co2>1000"})
    assert r.status_code == 400 and "q is not supported" in r.json()["detail"]
    r = await client.get(TEMPORAL)
    assert r.status_code == 400 and "give the entity type" in r.json()["detail"]


def test_the_new_schema_checks_can_fail() -> None:
    """The bundled IndoorEnvironmentObserved and CarbonFootprint schemas reject: the
    former requires a location and a dateObserved, the latter a non-negative CO2eq."""
    from tests.connector.ngsi.schemas import assert_valid

    point = {"type": "Point", "coordinates": [-1.15, 46.16]}
    good = {"id": CP, "type": IEO, "dateObserved": "2025-01-07T08:00:00Z", "location": point}
    assert_valid(IEO, good)
    with pytest.raises(AssertionError, match="'location' is a required property"):
        assert_valid(IEO, {k: v for k, v in good.items() if k != "location"})
    with pytest.raises(AssertionError, match="is less than the minimum of 0"):
        assert_valid(IEO, {**good, "relativeHumidity": -3})
    carbon = {"id": "urn:ngsi-ld:CarbonFootprint:EXT-SC", "type": "CarbonFootprint"}
    assert_valid("CarbonFootprint", {**carbon, "CO2eq": 186.9})
    with pytest.raises(AssertionError, match="is less than the minimum of 0"):
        assert_valid("CarbonFootprint", {**carbon, "CO2eq": -1})

"""NGSI-LD ``IndoorEnvironmentObserved`` on the demo's Atmo node, against its generated
``atmo.db``: every entity schema-validated, the values and aggregates checked against
SQL written here over the platform's own table (``mesures``: naive local timestamps,
Europe/Paris), the mapping to the node's linked data checked both ways, and the
researchers' aggregate-only policy (policies/demo/atmo-mesures-salles.jsonld)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from connector.app import create_app
from connector.config import load_config
from connector.demo import DemoPaths
from connector.identity import Identity
from tests.connector.ngsi.schemas import assert_valid
from tests.connector.usage.conftest import TableVerifier

pytestmark = pytest.mark.anyio

G = "https://guichet.agglo-larochelle.fr/participants/"
SOSA = "http://www.w3.org/ns/sosa/"
QUDT = "http://qudt.org/schema/qudt/"
IEO = "IndoorEnvironmentObserved"
ENTITIES = "/ngsi-ld/v1/entities"
TEMPORAL = "/ngsi-ld/v1/temporal/entities"
PARIS = ZoneInfo("Europe/Paris")
DAY = "2025-10-06"  # a Monday of the school year, far from the clock changes


# the verifier port: Atmo itself and a researcher with the academic purpose
PEOPLE: dict[str, Identity] = {
    "atmo": Identity(party=G + "atmo", client_id="atmo", token_id="a"),
    "univ": Identity(
        party=G + "univ-lr",
        client_id="lab",
        token_id="u",
        purpose="https://w3id.org/dpv#AcademicResearch",
    ),
}


def utc(local: str) -> str:
    moment = datetime.fromisoformat(local).replace(tzinfo=PARIS).astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
async def atmo(demo: DemoPaths) -> AsyncIterator[Any]:
    app = create_app(load_config(demo.atmo_toml), verifier=TableVerifier(PEOPLE))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


@pytest.fixture
def db(demo: DemoPaths) -> Any:
    con = sqlite3.connect(demo.atmo_db)
    yield con
    con.close()


def token(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {who}"}


async def test_every_sensor_as_a_valid_entity_with_its_latest_reading(atmo, db) -> None:
    latest = {
        sensor: (value, when)
        for sensor, value, when in db.execute(
            "SELECT m.capteur, m.valeur, m.horodatage FROM mesures m "
            "WHERE m.horodatage = (SELECT max(horodatage) FROM mesures WHERE capteur = m.capteur)"
        )
    }
    sensors = dict(db.execute("SELECT id_capteur, polluant FROM capteurs"))
    r = await atmo.get(
        ENTITIES,
        params={"type": IEO, "options": "keyValues,count", "limit": "100"},
        headers=token("atmo"),
    )
    assert r.status_code == 200, r.text
    assert r.headers["NGSILD-Results-Count"] == str(len(sensors)) == "18"
    name = {"CO2": "co2", "TEMP": "temperature", "HR": "relativeHumidity"}
    for entity in r.json():
        assert_valid(IEO, entity)
        sensor = entity["id"].removeprefix("urn:ngsi-ld:IndoorEnvironmentObserved:")
        value, when = latest[sensor]
        assert entity["dateObserved"] == utc(when)
        assert entity[name[sensors[sensor]]] == pytest.approx(value)
        assert entity["location"]["type"] == "Point"
    assert len(r.json()) == 18
    normalized = await atmo.get(ENTITIES, params={"type": IEO}, headers=token("atmo"))
    units = {"co2": "59", "temperature": "CEL", "relativeHumidity": "P1"}
    for entity in normalized.json():
        [(attr, code)] = [(a, c) for a, c in units.items() if a in entity]
        assert entity[attr]["unitCode"] == code
        assert entity[attr]["observedAt"] == entity["dateObserved"]["value"]


async def test_the_mapping_to_our_linked_data_both_ways(atmo, db) -> None:
    sensor = "ESC-" + db.execute("SELECT min(code_salle) FROM salles").fetchone()[0] + "-CO2"
    (reading,) = db.execute(
        "SELECT id_mesure FROM mesures WHERE capteur = ? ORDER BY horodatage DESC LIMIT 1",
        (sensor,),
    ).fetchone()
    r = await atmo.get(
        ENTITIES,
        params={"id": f"urn:ngsi-ld:{IEO}:{sensor}", "options": "keyValues"},
        headers=token("atmo"),
    )
    [entity] = r.json()
    ld = await atmo.get(
        f"/id/observation/{reading}", headers={**token("atmo"), "Accept": "text/turtle"}
    )
    assert ld.status_code == 200, ld.text
    graph = Graph().parse(data=ld.text, format="turtle")
    [obs] = list(graph.subjects(RDF.type, URIRef(SOSA + "Observation")))
    # NGSI-LD -> RDF: each attribute of the entity is the documented term of the reading
    assert (obs, URIRef(SOSA + "madeBySensor"), URIRef(entity["refDevice"])) in graph
    assert (obs, URIRef(SOSA + "hasFeatureOfInterest"), URIRef(entity["refPointOfInterest"])) in (
        graph
    )
    [when] = graph.objects(obs, URIRef(SOSA + "resultTime"))
    assert when.toPython() == datetime.fromisoformat(entity["dateObserved"])
    [value] = graph.objects(obs, URIRef(QUDT + "numericValue"))
    assert float(value) == pytest.approx(entity["co2"])
    # RDF -> NGSI-LD: the entity built from the reading's triples by the README's table
    [quantity] = graph.objects(obs, URIRef(SOSA + "observedProperty"))
    built = {
        "id": f"urn:ngsi-ld:{IEO}:{sensor}",
        "type": IEO,
        "dateObserved": when.toPython().astimezone(UTC).isoformat().replace("+00:00", "Z"),
        {"co2": "co2", "temperature": "temperature", "humidity": "relativeHumidity"}[
            str(quantity)
        ]: float(value),
        "refDevice": str(next(graph.objects(obs, URIRef(SOSA + "madeBySensor")))),
        "refPointOfInterest": str(next(graph.objects(obs, URIRef(SOSA + "hasFeatureOfInterest")))),
    }
    assert {k: v for k, v in entity.items() if k != "location"} == built
    assert isinstance(quantity, Literal)


def hourly_sql(db: Any, sensor: str) -> list[tuple[str, float, float, float, int]]:
    return db.execute(
        "SELECT strftime('%Y-%m-%d %H:00:00', horodatage) AS h, avg(valeur), min(valeur), "
        "max(valeur), count(*) FROM mesures WHERE capteur = ? AND horodatage >= ? "
        "AND horodatage < ? GROUP BY h ORDER BY h",
        (sensor, f"{DAY} 00:00:00", f"{DAY} 23:59:59.999"),
    ).fetchall()


async def test_aggregates_per_hour_and_day_match_sql(atmo, db) -> None:
    sensor = db.execute("SELECT min(id_capteur) FROM capteurs WHERE polluant = 'CO2'").fetchone()[0]
    window = {
        "timerel": "between",
        "timeAt": utc(f"{DAY} 00:00:00"),
        "endTimeAt": utc("2025-10-07 00:00:00"),
    }
    params = {
        "id": f"urn:ngsi-ld:{IEO}:{sensor}",
        "options": "aggregatedValues",
        "aggrMethods": "avg,min,max,totalCount",
        **window,
    }
    hourly = await atmo.get(
        TEMPORAL, params={**params, "aggrPeriodDuration": "PT1H"}, headers=token("atmo")
    )
    assert hourly.status_code == 200, hourly.text
    [entity] = hourly.json()
    expected = hourly_sql(db, sensor)
    assert len(expected) == 24
    co2 = entity["co2"]
    assert [row[0] for row in co2["avg"]] == pytest.approx([e[1] for e in expected])
    assert [row[0] for row in co2["min"]] == pytest.approx([e[2] for e in expected])
    assert [row[0] for row in co2["max"]] == pytest.approx([e[3] for e in expected])
    assert [row[0] for row in co2["totalCount"]] == [e[4] for e in expected]
    assert [row[1] for row in co2["avg"]] == [utc(e[0]) for e in expected]
    daily = await atmo.get(
        TEMPORAL, params={**params, "aggrPeriodDuration": "P1D"}, headers=token("atmo")
    )
    (avg, low, high, n) = db.execute(
        "SELECT avg(valeur), min(valeur), max(valeur), count(*) FROM mesures "
        "WHERE capteur = ? AND date(horodatage) = ?",
        (sensor, DAY),
    ).fetchone()
    assert daily.json()[0]["co2"] == {
        "type": "Property",
        "avg": [[pytest.approx(avg), utc(f"{DAY} 00:00:00"), utc("2025-10-07 00:00:00")]],
        "min": [[pytest.approx(low), utc(f"{DAY} 00:00:00"), utc("2025-10-07 00:00:00")]],
        "max": [[pytest.approx(high), utc(f"{DAY} 00:00:00"), utc("2025-10-07 00:00:00")]],
        "totalCount": [[n, utc(f"{DAY} 00:00:00"), utc("2025-10-07 00:00:00")]],
    }
    assert n == 144  # a reading every 10 minutes


async def test_researchers_get_hourly_aggregates_only(atmo, db) -> None:
    sensor = db.execute("SELECT min(id_capteur) FROM capteurs WHERE polluant = 'CO2'").fetchone()[0]
    window = {
        "timerel": "between",
        "timeAt": utc(f"{DAY} 00:00:00"),
        "endTimeAt": utc("2025-10-07 00:00:00"),
    }
    raw = await atmo.get(
        TEMPORAL, params={"id": f"urn:ngsi-ld:{IEO}:{sensor}", **window}, headers=token("univ")
    )
    assert raw.status_code == 403, raw.text
    assert raw.json()["aggregatedOnly"] is True
    assert "agregats-horaires-recherche" in raw.json()["detail"]
    hourly = await atmo.get(
        TEMPORAL,
        params={
            "id": f"urn:ngsi-ld:{IEO}:{sensor}",
            "options": "aggregatedValues",
            "aggrMethods": "avg",
            "aggrPeriodDuration": "PT1H",
            **window,
        },
        headers=token("univ"),
    )
    assert hourly.status_code == 200, hourly.text
    # built from hourly cells of 6 readings (the node's floor is 5): every hour is kept
    expected = hourly_sql(db, sensor)
    assert [row[0] for row in hourly.json()[0]["co2"]["avg"]] == pytest.approx(
        [e[1] for e in expected]
    )

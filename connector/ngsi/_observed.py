"""From our sensors and readings (SOSA) to the Smart Data Model ``IndoorEnvironmentObserved``.

One entity per sensor (``sosa:Sensor``): the SDM entity is "an observation of air and
climate conditions for indoor environments" with one ``refDevice``, and each of our
sensors measures one quantity of one room. A classroom's CO2, temperature and humidity
are then three entities sharing one ``refPointOfInterest`` (the room). The entity's
state is the sensor's latest reading (``sosa:Observation``): its ``resultTime`` is
``dateObserved`` (and the ``observedAt`` of the normalized attribute), its
``qudt:numericValue`` the value of the attribute named after ``sosa:observedProperty``:

=================  ======================  ===========================================
our quantity       SDM attribute           unitCode (UN/CEFACT Rec. 20), from qudt:unit
=================  ======================  ===========================================
``co2``            ``co2``                 ``59`` (ppm) for ``unit:PPM``
``temperature``    ``temperature``         ``CEL`` (°C) for ``unit:DEG_C``
``humidity``       ``relativeHumidity``    ``P1`` (percent) for ``unit:PERCENT``
=================  ======================  ===========================================

``refDevice`` is the sensor's IRI and ``refPointOfInterest`` the room's IRI, the very
IRIs the node's linked data gives as ``sosa:madeBySensor`` and
``sosa:hasFeatureOfInterest`` of each reading (``/id/observation/...``); ``location`` is
the sensor's ``geo:asWKT`` point as GeoJSON. The temporal representation of an entity is
the sensor's readings, each an instance of its attribute (:mod:`._temporal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from connector.config import NodeConfig
from connector.errors import QueryError
from connector.linked._documents import entity_base, entity_iri
from connector.ngsi._models import wkt_point
from connector.sources.base import Row

TYPE = "IndoorEnvironmentObserved"
PREFIX = f"urn:ngsi-ld:{TYPE}:"
ATTRIBUTE: Mapping[str, str] = {
    "co2": "co2",
    "temperature": "temperature",
    "humidity": "relativeHumidity",
}
QUANTITY: Mapping[str, str] = {a: q for q, a in ATTRIBUTE.items()}
UNIT_CODE: Mapping[str, str] = {"unit:PPM": "59", "unit:DEG_C": "CEL", "unit:PERCENT": "P1"}
SENSOR_FIELDS = ("id", "spaceId", "observedProperty", "location")
READING_FIELDS = ("id", "sensorId", "spaceId", "observedProperty", "resultTime", "value", "unit")


def entity_id(sensor: object) -> str:
    return PREFIX + quote(str(sensor), safe="-._~")


def sensor_of(entity_id_: str) -> str:
    if not entity_id_.startswith(PREFIX) or len(entity_id_) == len(PREFIX):
        raise QueryError(f"id {entity_id_!r} is not an {TYPE} id ({PREFIX}<sensor id>)")
    return unquote(entity_id_.removeprefix(PREFIX))


def quantities_of(attrs: frozenset[str] | None) -> tuple[str, ...] | None:
    """Our quantities the ``attrs`` asked for name (None: all); an unknown name is bad
    request data."""
    if attrs is None:
        return None
    known = {*ATTRIBUTE.values(), "dateObserved", "refDevice", "refPointOfInterest", "location"}
    unknown = sorted(attrs - known)
    if unknown:
        raise QueryError(
            f"{TYPE} has no attribute {', '.join(map(repr, unknown))} on this node; "
            f"it has {', '.join(sorted(known))}"
        )
    return tuple(QUANTITY[a] for a in sorted(attrs) if a in QUANTITY)


def instant(moment: object) -> str:
    """A UTC date-time as NGSI-LD writes it (ISO 8601, ``Z``)."""
    if not isinstance(moment, datetime):
        raise TypeError(f"not a date-time: {moment!r}")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def unit_code(unit: object) -> str | None:
    return UNIT_CODE.get(str(unit)) if unit is not None else None


class Observed:
    """The ``IndoorEnvironmentObserved`` entities of one node."""

    def __init__(self, config: NodeConfig) -> None:
        self.config = config

    def sensor_iri(self, sensor: object) -> str:
        return entity_iri(entity_base(self.config, "Sensor"), "Sensor", sensor)

    def space_iri(self, space: object) -> str:
        return entity_iri(entity_base(self.config, "Space"), "Space", space)

    def key_values(self, sensor: Row, reading: Row | None) -> dict[str, object]:
        """The entity in keyValues form: the sensor and its latest ``reading`` (None: no
        reading the caller may see, so no ``dateObserved`` nor value)."""
        out: dict[str, object] = {"id": entity_id(sensor["id"]), "type": TYPE}
        if reading is not None and reading.get("resultTime") is not None:
            out["dateObserved"] = instant(reading["resultTime"])
            attribute = ATTRIBUTE.get(str(reading.get("observedProperty")))
            if attribute is not None and reading.get("value") is not None:
                out[attribute] = reading["value"]
        out["refDevice"] = self.sensor_iri(sensor["id"])
        if sensor.get("spaceId") is not None:
            out["refPointOfInterest"] = self.space_iri(sensor["spaceId"])
        point = wkt_point(sensor["location"]) if sensor.get("location") is not None else None
        if point is not None:
            out["location"] = point
        return out

    def normalized(self, sensor: Row, reading: Row | None) -> dict[str, object]:
        """The normalized form (ETSI GS CIM 009 §4.5): the measured value a Property with
        its ``observedAt`` and ``unitCode``, the links Relationships, the point a
        GeoProperty."""
        out: dict[str, object] = {}
        for name, value in self.key_values(sensor, reading).items():
            if name in ("id", "type"):
                out[name] = value
            elif name in ("refDevice", "refPointOfInterest"):
                out[name] = {"type": "Relationship", "object": value}
            elif name == "location":
                out[name] = {"type": "GeoProperty", "value": value}
            elif name in QUANTITY and reading is not None:
                prop: dict[str, object] = {
                    "type": "Property",
                    "value": value,
                    "observedAt": instant(reading["resultTime"]),
                }
                code = unit_code(reading.get("unit"))
                if code is not None:
                    prop["unitCode"] = code
                out[name] = prop
            else:
                out[name] = {"type": "Property", "value": value}
        return out


def select_attrs(entity: dict[str, object], attrs: frozenset[str] | None) -> dict[str, object]:
    """Only the attributes asked for (``id`` and ``type`` always)."""
    if attrs is None:
        return entity
    return {k: v for k, v in entity.items() if k in ("id", "type") or k in attrs}

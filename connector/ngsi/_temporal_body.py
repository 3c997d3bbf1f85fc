"""The temporal representation of readings (ETSI GS CIM 009 §4.5.7 and §4.5.9):
normalized, each reading an attribute instance with its ``observedAt`` and
``unitCode``; simplified (``temporalValues``), ``[value, observedAt]`` pairs."""

from __future__ import annotations

from datetime import datetime

from connector.ngsi._observed import ATTRIBUTE, entity_id, instant, unit_code
from connector.ngsi._observed import TYPE as OBSERVED
from connector.sources.base import Row


def _when(row: Row) -> datetime:
    moment = row["resultTime"]
    assert isinstance(moment, datetime)
    return moment


def temporal_body(rows: list[Row], *, simplified: bool) -> list[dict[str, object]]:
    by_sensor: dict[str, list[Row]] = {}
    for row in rows:
        if row.get("sensorId") is None or row.get("resultTime") is None:
            continue
        by_sensor.setdefault(str(row["sensorId"]), []).append(row)
    out: list[dict[str, object]] = []
    for sensor in sorted(by_sensor):
        entity: dict[str, object] = {"id": entity_id(sensor), "type": OBSERVED}
        for row in sorted(by_sensor[sensor], key=_when):
            if row.get("value") is None:
                continue
            name = ATTRIBUTE.get(str(row.get("observedProperty")), "value")
            at = instant(row["resultTime"])
            if simplified:
                prop = entity.setdefault(name, {"type": "Property", "values": []})
                assert isinstance(prop, dict)
                prop["values"].append([row["value"], at])
                continue
            instance: dict[str, object] = {"type": "Property", "value": row["value"]}
            instance["observedAt"] = at
            code = unit_code(row.get("unit"))
            if code is not None:
                instance["unitCode"] = code
            found = entity.setdefault(name, [])
            assert isinstance(found, list)
            found.append(instance)
        out.append(entity)
    return out

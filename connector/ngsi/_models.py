"""From our entities to FIWARE Smart Data Models entities (NGSI-LD).

One :class:`NgsiType` per served Smart Data Model: the entity of :mod:`connector.model`
it is built from, how the NGSI-LD ``id`` is made from the entity key, and its attributes,
each read from one of our fields. The mapping is written down once here; the README's
NGSI-LD section lists it. Smart Data Models schemas: ``schemas/`` beside this module
(CC BY 4.0, see ``schemas/SOURCES.md``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connector.errors import QueryError
from connector.rnb import InvalidRnbId, canonical_rnb_id
from connector.sources.base import Row

Value = object


@dataclass(frozen=True)
class Attr:
    """NGSI-LD attribute ``name``, read from our field ``field``.

    ``to_ngsi`` turns our canonical value into the attribute's value (None: the
    attribute is left out); ``from_ngsi`` turns a value written in ``q`` back into our
    canonical value (None: ``q`` may not filter on it). ``unit_code`` is the UN/CEFACT
    common code of the normalized form's ``unitCode``."""

    name: str
    field: str
    to_ngsi: Callable[[Value], Value] = lambda v: v
    from_ngsi: Callable[[Value], Value] | None = lambda v: v
    unit_code: str | None = None
    geo: bool = False


@dataclass(frozen=True)
class NgsiType:
    name: str
    entity: str
    key: str
    attrs: tuple[Attr, ...]
    always: Callable[[Row], dict[str, Value]]
    """Attributes the model requires, built even when our fields are unknown or hidden."""
    always_fields: tuple[str, ...]
    """Our fields :attr:`always` reads."""
    key_from_id: Callable[[str], str]

    def entity_id(self, key: object) -> str:
        return f"urn:ngsi-ld:{self.name}:{key}"

    def attr(self, name: str) -> Attr:
        for a in self.attrs:
            if a.name == name:
                return a
        raise QueryError(
            f"{self.name} has no attribute {name!r} this node can filter or select; "
            f"it has {', '.join(a.name for a in self.attrs)}"
        )

    def key_values(self, row: Row, attrs: frozenset[str] | None) -> dict[str, Value]:
        """The entity in keyValues form: only ``attrs`` (all when None), known values."""
        out: dict[str, Value] = {"id": self.entity_id(row[self.key]), "type": self.name}
        out.update(self.always(row))
        for a in self.attrs:
            if attrs is not None and a.name not in attrs:
                continue
            raw = row.get(a.field)
            value = None if raw is None else a.to_ngsi(raw)
            if value is not None:
                out[a.name] = value
        return out

    def normalized(self, row: Row, attrs: frozenset[str] | None) -> dict[str, Value]:
        """The normalized form (ETSI GS CIM 009 §4.5): each attribute a Property or a
        GeoProperty with its ``value`` (and ``unitCode`` for a quantity)."""
        units = {a.name: a.unit_code for a in self.attrs}
        geo = {a.name for a in self.attrs if a.geo}
        out: dict[str, Value] = {}
        for name, value in self.key_values(row, attrs).items():
            if name in ("id", "type"):
                out[name] = value
                continue
            prop: dict[str, Value] = {
                "type": "GeoProperty" if name in geo else "Property",
                "value": value,
            }
            if units.get(name):
                prop["unitCode"] = units[name]
            out[name] = prop
        return out


# -- Building ---------------------------------------------------------------------------
CATEGORY: Mapping[str, str] = {
    # our Building.usage values (those the demo and test partners map) -> SDM Building
    # category (the schema's enum). Left out, so served as an empty category: "sport"/
    # "sports" and "health", which no single SDM category names.
    "school": "school",
    "office": "office",
    "retail": "retail",
    "individual_house": "house",
    "housing": "residential",
    "collective_housing": "apartments",
}
USAGE_OF_CATEGORY = {c: u for u, c in CATEGORY.items()}

_POINT = re.compile(
    r"^\s*POINT\s*\(\s*([-+]?\d+(?:\.\d+)?)\s+([-+]?\d+(?:\.\d+)?)\s*\)\s*$", re.IGNORECASE
)


def wkt_point(value: Value) -> dict[str, Value] | None:
    """``POINT(lon lat)`` (WGS 84) as a GeoJSON Point; any other geometry is left out."""
    found = _POINT.match(str(value))
    if found is None:
        return None
    return {"type": "Point", "coordinates": [float(found[1]), float(found[2])]}


def _category_of(value: Value) -> Value:
    if value not in USAGE_OF_CATEGORY:
        raise QueryError(
            f"category {value!r} is not one this node maps: {', '.join(sorted(USAGE_OF_CATEGORY))}"
        )
    return USAGE_OF_CATEGORY[str(value)]


def _building_always(row: Row) -> dict[str, Value]:
    # both are required by the SDM Building schema. The RNB is France's national
    # register, hence the country; the category is empty when the usage is unknown,
    # unmapped or hidden from the caller.
    address: dict[str, Value] = {"addressCountry": "FR"}
    if row.get("address") is not None:
        address["streetAddress"] = row["address"]
    usage = row.get("usage")
    return {
        "address": address,
        "category": [CATEGORY[str(usage)]] if str(usage) in CATEGORY else [],
    }


def _rnb_of(entity_id: str) -> str:
    prefix = "urn:ngsi-ld:Building:"
    if not entity_id.startswith(prefix):
        raise QueryError(f"id {entity_id!r} is not a Building id ({prefix}<RNB id>)")
    try:
        return canonical_rnb_id(entity_id.removeprefix(prefix))
    except InvalidRnbId as exc:
        raise QueryError(f"id {entity_id!r}: {exc}") from exc


BUILDING = NgsiType(
    name="Building",
    entity="Building",
    key="rnbId",
    attrs=(
        Attr("name", "name"),
        Attr("category", "usage", to_ngsi=lambda v: None, from_ngsi=_category_of),
        Attr("address", "address", to_ngsi=lambda v: None, from_ngsi=None),
        Attr("location", "location", to_ngsi=wkt_point, from_ngsi=None, geo=True),
        # not in the SDM Building model: our own attributes, kept under our names
        Attr("yearBuilt", "yearBuilt"),
        # UN/CEFACT Recommendation 20: common code MTK = square metre
        Attr("floorArea", "floorArea", unit_code="MTK"),
        Attr("inseeCode", "inseeCode"),
    ),
    always=_building_always,
    always_fields=("address", "usage"),
    key_from_id=_rnb_of,
)

TYPES: Mapping[str, NgsiType] = {t.name: t for t in (BUILDING,)}

"""Numbers given to their unit's precision: the one rounding rule every face applies.

A number with a unit — its field's canonical ``unit``, or the unit its row names through
the field's ``unit_from`` — is rounded to that unit's ``decimals`` (``ontology/units.csv``)
when a face writes it: the GraphQL answer (entities and their stats) and the ``/id/``
JSON-LD and Turtle views. A number whose unit is unknown, or that has none, is written as
read. Only what is written is rounded: filters, sort order, cursors and computations use
the values as read.

>>> from connector.model import ENTITIES
>>> presented(ENTITIES["EnergyUse"], {"kwh": 32012.999999999996})["kwh"]
32013.0
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from connector.config import load_unit_decimals
from connector.model import EntityType, Field


@cache
def unit_decimals() -> Mapping[str, int]:
    """``{unit curie: decimals}`` from ``ontology/units.csv``."""
    return MappingProxyType(load_unit_decimals())


def rounded(value: object, unit: str | None) -> object:
    """``value`` rounded to the decimals of ``unit`` when it is a float and the unit is
    known; anything else as it is."""
    if not isinstance(value, float) or unit is None:
        return value
    decimals = unit_decimals().get(unit)
    if decimals is None:
        return value
    return round(value, decimals) + 0.0  # + 0.0: no "-0.0"


def field_unit(f: Field, row: Mapping[str, object]) -> str | None:
    """The unit of ``f``'s value in ``row``: its own, or the one its row names."""
    if f.unit is not None:
        return f.unit
    unit = row.get(f.unit_from) if f.unit_from else None
    return unit if isinstance(unit, str) else None


def presented(entity: EntityType, row: Mapping[str, object]) -> dict[str, object]:
    """``row`` with each number of ``entity`` rounded to its unit's precision."""
    out = dict(row)
    for f in entity.fields:
        if f.type == "Float" and f.name in out:
            out[f.name] = rounded(out[f.name], field_unit(f, out))
    return out


KG_CO2E_DECIMALS = 0
"""Emissions in kg CO2e are given to the kilogram: the factors they come from carry three
significant digits (DPE 2021: 0.227 kg CO2e/kWh for natural gas), so finer is noise."""
KG_CO2E_PER_M2_DECIMALS = 1
"""Intensities in kg CO2e/m² (and per m² and year) to one decimal: the RE2020 thresholds
are whole numbers, the decimal shows which side of one a result lies."""


def carbon(value: float | None, *, per_m2: bool) -> float | None:
    """A computed emission (kg CO2e) or intensity (kg CO2e/m²) as every face gives it;
    verdicts are decided on the unrounded value, before."""
    if value is None:
        return None
    decimals = KG_CO2E_PER_M2_DECIMALS if per_m2 else KG_CO2E_DECIMALS
    return round(value, decimals) + 0.0

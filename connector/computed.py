"""The computed fields of the schema: what each stands for and what it is derived from.

Declared once, here, for every part that needs them: the schema builder (what a computed
field reads), the configuration (a computed field belongs to a dataset, like any field),
the catalog (the properties a dataset covers) and the consistency checks (whether a
computed field is more open than its inputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Derivation:
    """One part of a computed result: the ``(entity, field)`` inputs it is derived from
    and the time step it uses them at (``level``, an xsd:duration; None: the period the
    caller asks for), or the calendar ``bucket`` its results are cut in (one ICONE per
    week: the level is then the bucket, or less where the period cuts one). ``fields``
    names the result fields this part gives; empty: all."""

    inputs: tuple[tuple[str, str], ...]
    level: str | None = None
    fields: tuple[str, ...] = ()
    bucket: Literal["week"] | None = None


@dataclass(frozen=True)
class Computed:
    """A field a node computes from data (its own, and what the gateway brings for
    ``@requires``): one value per entity, derived from the inputs of its ``parts``."""

    entity: str
    name: str
    iri: str
    parts: tuple[Derivation, ...]
    holder: tuple[str, str]
    """The field whose dataset the computed field belongs to, unless a dataset lists
    it by name (``entities = { Building = ["carbon"] }``)."""

    @property
    def inputs(self) -> tuple[tuple[str, str], ...]:
        return tuple(dict.fromkeys(i for p in self.parts for i in p.inputs))


CARBON_OPERATIONAL_FIELDS = (
    "operationalYear",
    "operationalKgCo2ePerYear",
    "operationalKgCo2ePerM2",
    "operationalMethod",
)
INDOOR_AIR_INPUTS = (
    ("Observation", "spaceId"),
    ("Observation", "value"),
    ("Observation", "observedProperty"),
    ("Observation", "resultTime"),
)
ICONE_WEEKLY_FIELDS = ("weeks", "worstWeek")
"""The fields of an indoor-air report cut by week (ICONE as the protocol defines it)."""
ICONE_PARTS = (
    Derivation(INDOOR_AIR_INPUTS),
    Derivation(INDOOR_AIR_INPUTS, fields=ICONE_WEEKLY_FIELDS, bucket="week"),
)

COMPUTED: dict[tuple[str, str], Computed] = {
    (c.entity, c.name): c
    for c in (
        Computed(
            "Building",
            "carbon",
            "gui:hasCarbonAssessment",
            parts=(
                Derivation(
                    (
                        ("Building", "floorArea"),
                        ("Building", "usage"),
                        ("ProductDeclaration", "gwpA1A3"),
                        ("ProductDeclaration", "serviceLife"),
                    )
                ),
                Derivation(
                    (
                        ("Building", "floorArea"),
                        ("EnergyUse", "kwh"),
                        ("EnergyUse", "carrier"),
                        ("EnergyUse", "use"),
                        ("EnergyUse", "year"),
                    ),
                    level="P1Y",
                    fields=CARBON_OPERATIONAL_FIELDS,
                ),
            ),
            holder=("Building", "rnbId"),
        ),
        Computed(
            "ConstructionProject",
            "carbon",
            "gui:hasProjectCarbon",
            parts=(
                Derivation(
                    (
                        ("MaterialLine", "projectId"),
                        ("MaterialLine", "lot"),
                        ("MaterialLine", "quantity"),
                        ("MaterialLine", "productId"),
                        ("ConstructionProject", "referenceArea"),
                        ("ConstructionProject", "permitYear"),
                        ("ConstructionProject", "usage"),
                        ("ProductDeclaration", "gwpA1A3"),
                        ("ProductDeclaration", "serviceLife"),
                    )
                ),
            ),
            holder=("ConstructionProject", "id"),
        ),
        Computed(
            "Space",
            "indoorAir",
            "gui:hasIndoorAirReport",
            parts=ICONE_PARTS,
            holder=("Space", "id"),
        ),
        Computed(
            "Building",
            "indoorAir",
            "gui:hasIndoorAirReport",
            parts=ICONE_PARTS,
            holder=("Space", "rnbId"),
        ),
    )
}
"""Every computed field of the schema, with what it is derived from."""

"""The entity registry: the node's entity types and their relations, field by field.

Each entity says which ontology term each of its fields means; :data:`ENTITIES` is the one
registry every face derives from (the types it instantiates are :mod:`connector.model.terms`).
"""

from __future__ import annotations

from connector.model.terms import RANGE_OPS, EntityType, Field, Relation, ScalarType


def _f(
    name: str,
    iri: str,
    type_: ScalarType,
    description: str,
    **kw: object,
) -> Field:
    return Field(name, iri, type_, description, **kw)  # type: ignore[arg-type]


BUILDING = EntityType(
    name="Building",
    iri="bot:Building",
    key="rnbId",
    path="building",
    description="A building of the national register (RNB).",
    fields=(
        _f(
            "rnbId",
            "gui:rnbId",
            "RnbId",
            "RNB identifier, 12 characters.",
            required=True,
            sortable=True,
        ),
        _f("bdnbId", "gui:bdnbId", "String", "BDNB batiment_groupe_id."),
        _f("uai", "gui:uai", "String", "School UAI code, for school buildings."),
        _f("name", "rdfs:label", "String", "Name of the building.", sortable=True),
        _f("address", "gui:address", "String", "Postal address."),
        _f("inseeCode", "gui:inseeCode", "String", "INSEE code of the commune."),
        _f("usage", "gui:buildingUsage", "String", "Main usage (school, housing...)."),
        _f(
            "yearBuilt",
            "gui:yearBuilt",
            "Int",
            "Year of construction.",
            filters=RANGE_OPS,
            sortable=True,
        ),
        _f(
            "floorArea",
            "gui:floorArea",
            "Float",
            "Reference floor area (m²).",
            unit="unit:M2",
            filters=RANGE_OPS,
            sortable=True,
        ),
        _f(
            "location",
            "geo:asWKT",
            "String",
            "Location as a WKT point (WGS 84).",
            datatype="geo:wktLiteral",
        ),
    ),
    default_order=("rnbId",),
    subject="rnbId",
)

SPACE = EntityType(
    name="Space",
    iri="bot:Space",
    key="id",
    path="space",
    description="A space of a building: a room, a classroom.",
    fields=(
        _f(
            "id",
            "gui:spaceId",
            "ID",
            "Identifier {rnbId}/{storey}/{code}.",
            required=True,
            sortable=True,
        ),
        _f(
            "rnbId",
            "gui:inBuilding",
            "RnbId",
            "The building holding the space.",
            ref="Building",
            required=True,
        ),
        _f("storey", "gui:storeyCode", "String", "Storey code."),
        _f("code", "gui:spaceCode", "String", "Room code within the storey."),
        _f("name", "rdfs:label", "String", "Name of the room.", sortable=True),
        _f("usage", "gui:spaceUsage", "String", "Usage of the room (classroom...)."),
        _f("area", "gui:floorArea", "Float", "Floor area (m²).", unit="unit:M2", filters=RANGE_OPS),
        _f(
            "capacity",
            "gui:capacity",
            "Int",
            "Number of occupants it is designed for.",
            filters=RANGE_OPS,
        ),
    ),
    default_order=("id",),
    subject="id",
)

SENSOR = EntityType(
    name="Sensor",
    iri="sosa:Sensor",
    key="id",
    path="sensor",
    description="A sensor deployed in a space.",
    fields=(
        _f("id", "gui:sensorId", "ID", "Sensor identifier.", required=True, sortable=True),
        _f("spaceId", "gui:locatedIn", "ID", "Space where the sensor is installed.", ref="Space"),
        _f("observedProperty", "sosa:observes", "String", "co2, temperature or humidity."),
        _f("model", "gui:sensorModel", "String", "Make and model."),
        _f("unit", "qudt:unit", "String", "Unit of its results (QUDT)."),
        _f(
            "location",
            "geo:asWKT",
            "String",
            "Where the sensor is, as a WKT point (WGS 84).",
            datatype="geo:wktLiteral",
        ),
    ),
    default_order=("id",),
    subject="spaceId",
)

OBSERVATION = EntityType(
    name="Observation",
    iri="sosa:Observation",
    key="id",
    path="observation",
    description="One reading of a sensor.",
    fields=(
        _f(
            "id", "gui:observationId", "ID", "Observation identifier.", required=True, sortable=True
        ),
        _f("sensorId", "sosa:madeBySensor", "ID", "Sensor that made it.", ref="Sensor"),
        _f("spaceId", "sosa:hasFeatureOfInterest", "ID", "Space observed.", ref="Space"),
        _f("observedProperty", "sosa:observedProperty", "String", "co2, temperature or humidity."),
        _f(
            "resultTime",
            "sosa:resultTime",
            "DateTime",
            "When the result was produced (UTC).",
            filters=RANGE_OPS,
            sortable=True,
            required=True,
        ),
        _f(
            "value",
            "qudt:numericValue",
            "Float",
            "Numeric result, in `unit`.",
            unit_from="unit",
            filters=RANGE_OPS,
            sortable=True,
        ),
        _f("unit", "qudt:unit", "String", "QUDT unit of the value (unit:PPM...)."),
    ),
    default_order=("resultTime", "id"),
    subject="spaceId",
)

PRODUCT = EntityType(
    name="ProductDeclaration",
    iri="gui:ProductDeclaration",
    key="id",
    path="product",
    description="An environmental product declaration (FDES/PEP) or default datum.",
    fields=(
        _f("id", "gui:declarationId", "ID", "INIES identifier.", required=True, sortable=True),
        _f("name", "rdfs:label", "String", "Product name.", sortable=True),
        _f("declarationType", "gui:declarationType", "String", "FDES, PEP or default datum."),
        _f("declaredUnit", "gui:declaredUnit", "String", "Declared (functional) unit."),
        _f(
            "serviceLife",
            "gui:referenceServiceLife",
            "Int",
            "Reference service life (years).",
            filters=RANGE_OPS,
        ),
        _f("gwpA1A3", "gui:gwpA1A3", "Float", "Climate change, modules A1-A3 (kg CO2e/unit)."),
        _f("gwpA4", "gui:gwpA4", "Float", "Climate change, module A4 (kg CO2e/unit)."),
        _f("gwpA5", "gui:gwpA5", "Float", "Climate change, module A5 (kg CO2e/unit)."),
        _f("gwpB", "gui:gwpB", "Float", "Climate change, modules B1-B7 (kg CO2e/unit)."),
        _f("gwpC", "gui:gwpC", "Float", "Climate change, modules C1-C4 (kg CO2e/unit)."),
        _f("gwpD", "gui:gwpD", "Float", "Benefits beyond the life cycle, module D."),
    ),
    default_order=("id",),
    subject="id",
)

MATERIAL_LINE = EntityType(
    name="MaterialLine",
    iri="gui:MaterialLine",
    key="id",
    path="material-line",
    description="A line of a bill of quantities: a product in one RE2020 lot.",
    fields=(
        _f("id", "gui:materialLineId", "ID", "Line identifier.", required=True, sortable=True),
        _f("rnbId", "gui:forBuilding", "RnbId", "Building the quantity is for.", ref="Building"),
        _f(
            "projectId",
            "gui:inProject",
            "ID",
            "Construction project the line belongs to.",
            ref="ConstructionProject",
        ),
        _f(
            "lot",
            "gui:re2020Lot",
            "Int",
            "RE2020 lot number (1-13).",
            filters=RANGE_OPS,
            sortable=True,
        ),
        _f("productId", "gui:product", "ID", "Product declaration used.", ref="ProductDeclaration"),
        _f("description", "rdfs:comment", "String", "Description of the line."),
        _f(
            "quantity",
            "gui:quantity",
            "Float",
            "Quantity in the declaration's unit.",
            filters=RANGE_OPS,
        ),
        _f("unit", "gui:quantityUnit", "String", "Unit of the quantity."),
    ),
    default_order=("id",),
    subject="rnbId",
)

CONSTRUCTION_PROJECT = EntityType(
    name="ConstructionProject",
    iri="gui:ConstructionProject",
    key="id",
    path="construction-project",
    description="A construction project on a building (a new building, an extension, a "
    "renovation): what a bill of quantities describes, with its own RE2020 reference area.",
    fields=(
        _f("id", "gui:constructionProjectId", "ID", "Project code.", required=True, sortable=True),
        _f(
            "rnbId",
            "gui:projectOnBuilding",
            "RnbId",
            "Building the project builds, extends or renovates.",
            ref="Building",
        ),
        _f("name", "rdfs:label", "String", "Name of the project.", sortable=True),
        _f("kind", "gui:projectKind", "String", "new_building, extension or renovation."),
        _f(
            "usage",
            "gui:projectUsage",
            "String",
            "Usage of what the project builds, in Building.usage's values (school, "
            "collective_housing...): the RE2020 threshold it is compared with.",
        ),
        _f(
            "referenceArea",
            "gui:referenceArea",
            "Float",
            "RE2020 reference area (SRef) of what the project builds (m²): habitable area "
            "for housing, useful area otherwise.",
            unit="unit:M2",
            filters=RANGE_OPS,
        ),
        _f(
            "permitYear",
            "gui:permitYear",
            "Int",
            "Year the building-permit application was filed.",
            filters=RANGE_OPS,
        ),
    ),
    default_order=("id",),
    subject="id",
)

ENERGY_USE = EntityType(
    name="EnergyUse",
    iri="gui:EnergyUse",
    key="id",
    path="energy-use",
    description="Final energy used by a building in one year, per carrier and use.",
    fields=(
        _f("id", "gui:energyUseId", "ID", "Identifier.", required=True, sortable=True),
        _f("rnbId", "gui:ofBuilding", "RnbId", "Building.", ref="Building"),
        _f("year", "gui:year", "Int", "Calendar year.", filters=RANGE_OPS, sortable=True),
        _f("carrier", "gui:energyCarrier", "String", "Energy carrier (DPE 2021 label)."),
        _f("use", "gui:energyUsage", "String", "End use (DPE 2021 label)."),
        _f(
            "kwh",
            "gui:finalEnergy",
            "Float",
            "Final energy (kWh PCI).",
            unit="unit:KiloW-HR",
            filters=RANGE_OPS,
        ),
    ),
    default_order=("year", "id"),
    subject="rnbId",
)

EMISSION_FACTOR = EntityType(
    name="EmissionFactor",
    iri="gui:EmissionFactor",
    key="id",
    path="emission-factor",
    description="Greenhouse-gas emission factor of an energy carrier (DPE 2021).",
    fields=(
        _f("id", "gui:emissionFactorId", "ID", "Identifier.", required=True, sortable=True),
        _f("carrier", "gui:energyCarrier", "String", "Energy carrier."),
        _f("use", "gui:energyUsage", "String", "End use, or 'all'."),
        _f("kgCo2ePerKwh", "gui:emissionFactorValue", "Float", "kg CO2e per kWh of final energy."),
        _f("regulation", "dcterms:source", "String", "Regulatory source."),
    ),
    default_order=("id",),
    subject="id",
)

BUILDING_RELATIONS = (
    Relation("spaces", "bot:hasSpace", "Space", "rnbId", "Spaces of the building."),
    Relation("energyUses", "gui:hasEnergyUse", "EnergyUse", "rnbId", "Yearly energy use."),
    Relation(
        "materialLines", "gui:hasMaterialLine", "MaterialLine", "rnbId", "Bill of quantities."
    ),
    Relation(
        "billOfQuantities",
        "gui:billOfQuantities",
        "MaterialLine",
        "rnbId",
        "The whole bill of quantities, unpaged (what carbon computations require).",
        paged=False,
    ),
    Relation(
        "constructionProjects",
        "gui:hasConstructionProject",
        "ConstructionProject",
        "rnbId",
        "The construction projects on the building, unpaged (what carbon computations "
        "require: each bill is divided by its project's reference area).",
        paged=False,
    ),
)
SPACE_RELATIONS = (
    Relation("sensors", "gui:hostsSensor", "Sensor", "spaceId", "Sensors in the space."),
    Relation(
        "observations", "gui:hasObservation", "Observation", "spaceId", "Readings in the space."
    ),
)
SENSOR_RELATIONS = (
    Relation(
        "observations", "sosa:madeObservation", "Observation", "sensorId", "Readings of the sensor."
    ),
)

ENTITIES: dict[str, EntityType] = {
    e.name: e
    for e in (
        EntityType(**{**BUILDING.__dict__, "relations": BUILDING_RELATIONS}),
        EntityType(**{**SPACE.__dict__, "relations": SPACE_RELATIONS}),
        EntityType(**{**SENSOR.__dict__, "relations": SENSOR_RELATIONS}),
        OBSERVATION,
        PRODUCT,
        MATERIAL_LINE,
        CONSTRUCTION_PROJECT,
        ENERGY_USE,
        EMISSION_FACTOR,
    )
}

"""Domain computations of the emissions and indoor-air indicators: pure functions.

* :mod:`~connector.domain.re2020` — RE2020 ``Ic_construction`` with dynamic LCA weighting;
* :mod:`~connector.domain.thresholds` — ``Ic_construction_maxmoyen`` and the verdict;
* :mod:`~connector.domain.operational` — yearly operational carbon from DPE 2021 factors;
* :mod:`~connector.domain.icone` — the ICONE confinement index, and its SQL aggregate.

Every number with a domain meaning is read from ``connector/domain/data/*.csv``, whose
header lines say where it comes from. Bad input raises
:class:`~connector.errors.QueryError` naming the input; a broken data file raises
:class:`~connector.errors.ConfigError` naming the file, line and column.
"""

from connector.domain.icone import (
    IconeResult,
    IconeWeek,
    icone_aggregate,
    icone_from_aggregate,
    icone_from_values,
    icone_index,
    icone_pooled,
    icone_weeks,
    worst_week,
)
from connector.domain.operational import (
    EmissionFactor,
    EnergyUse,
    OperationalCarbon,
    emission_factor,
    operational_carbon,
)
from connector.domain.re2020 import (
    IcConstruction,
    MaterialLine,
    ProductDeclaration,
    declaration_from_row,
    ic_construction,
    material_line_from_row,
)
from connector.domain.thresholds import ThresholdVerdict, threshold_verdict

__all__ = [
    "EmissionFactor",
    "EnergyUse",
    "IcConstruction",
    "IconeResult",
    "IconeWeek",
    "MaterialLine",
    "OperationalCarbon",
    "ProductDeclaration",
    "ThresholdVerdict",
    "declaration_from_row",
    "emission_factor",
    "ic_construction",
    "icone_aggregate",
    "icone_from_aggregate",
    "icone_from_values",
    "icone_index",
    "icone_pooled",
    "icone_weeks",
    "material_line_from_row",
    "operational_carbon",
    "threshold_verdict",
    "worst_week",
]

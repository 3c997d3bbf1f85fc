"""Node configuration: one TOML file per node, read into frozen values.

:func:`load_config` returns a :class:`NodeConfig` or raises
:class:`~connector.errors.ConfigError` carrying *every* issue found, each naming the
file, the key and what was expected. The parts: :mod:`connector.config.node` (the file,
sources and datasets), :mod:`~connector.config.entities` (``[entities]``),
:mod:`~connector.config.sections` (``[limits]``, ``[auth]``, ``[usage]``...),
:mod:`~connector.config.processing` (the RGPD record of processing and ``[labels]``).
"""

from connector.config.entities import (
    EntityMapping,
    FieldMapping,
    load_unit_decimals,
    load_units,
)
from connector.config.node import (
    DatasetConfig,
    NodeConfig,
    load_config,
    parse_config,
)
from connector.config.processing import LocalText, Processing
from connector.config.sections import (
    AuthConfig,
    CarbonConfig,
    ConsoleConfig,
    IndoorAirConfig,
    Limits,
    UsageConfig,
)
from connector.config.sources import SourceConfig

__all__ = [
    "AuthConfig",
    "CarbonConfig",
    "ConsoleConfig",
    "DatasetConfig",
    "EntityMapping",
    "FieldMapping",
    "IndoorAirConfig",
    "Limits",
    "LocalText",
    "NodeConfig",
    "Processing",
    "SourceConfig",
    "UsageConfig",
    "load_config",
    "load_unit_decimals",
    "load_units",
    "parse_config",
]

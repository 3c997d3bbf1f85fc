"""``[footprint]``: the factors of the platform's own footprint (defaults and sources in
:mod:`connector.footprint.factors`) and how often the node writes its totals::

    [footprint]
    grid_g_per_kwh = 51.9     # g CO2e per kWh of the electricity the node runs on
    watts_per_cpu = 3.5       # W per CPU-second
    kwh_per_gb = 0.001        # kWh per GB sent
    pue = 1.135               # the data centre's power usage effectiveness (1 or more)
    write_interval = 60       # seconds between writes of the totals (0: only at shutdown)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connector.config._checker import Checker
from connector.footprint.factors import Factors


@dataclass(frozen=True)
class FootprintConfig:
    factors: Factors = field(default_factory=Factors)
    write_interval: float = 60.0


_KEYS = {"grid_g_per_kwh", "watts_per_cpu", "kwh_per_gb", "pue", "write_interval"}


def parse_footprint(c: Checker, table: Mapping[str, Any]) -> FootprintConfig:
    c.unknown(table, "footprint", _KEYS)
    default = Factors()
    values: dict[str, float] = {}
    for name in ("grid_g_per_kwh", "watts_per_cpu", "kwh_per_gb", "pue", "write_interval"):
        value = table.get(name)
        if value is None:
            continue
        floor = 1.0 if name == "pue" else 0.0
        if isinstance(value, bool) or not isinstance(value, int | float) or value < floor:
            c.fail(f"footprint.{name}", f"expected a number of at least {floor:g}, got {value!r}")
            continue
        values[name] = float(value)
    interval = values.pop("write_interval", 60.0)
    factors = Factors(
        watts_per_cpu=values.get("watts_per_cpu", default.watts_per_cpu),
        kwh_per_gb=values.get("kwh_per_gb", default.kwh_per_gb),
        pue=values.get("pue", default.pue),
        grid_g_per_kwh=values.get("grid_g_per_kwh", default.grid_g_per_kwh),
    )
    return FootprintConfig(factors=factors, write_interval=interval)

"""The factors that turn a request's CPU time and bytes sent into energy and g CO2e, each
with its source. They are settings (``[footprint]`` in a node's TOML), these their
defaults.

- **Server power per CPU-second: 3.5 W** — Cloud Carbon Footprint's methodology, Appendix
  I, AWS "Average Maximum Watts (100% Cpu Utilization): 3.5" per vCPU (from SPECpower
  results); a CPU-second the node spends answering is counted at full use of one vCPU,
  so the idle share of the server (CCF: 0.74 W) is included, not added.
- **Network: 0.001 kWh per GB** — the same methodology, "Networking Kilowatt Hours /
  Gigabyte: 0.001" (data exchanged between data centres, the smallest coefficient of the
  studies it lists; end-to-end figures are 0.004 to 0.14 kWh/GB, so this is a floor).
- **PUE 1.135** — the same methodology's AWS average, applied to both.
- **French electricity: 51.9 g CO2e/kWh** — ADEME Base Empreinte, « Électricité - 2024 -
  mix moyen - consommation » (France continentale), as quoted by third-party code citing
  it (« 0.0519 // Base Empreinte, 2024 (mix moyen France) »); the Base Empreinte export
  itself could not be read from here, so the value is **unverified** against it: set
  ``grid_g_per_kwh`` to the current published value.

Source of the first three: cloud-carbon-footprint/cloud-carbon-footprint,
``microsite/docs/Methodology.md`` at commit 1559c186661db0671984f660adefb99080de5db1
(Apache-2.0).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Factors:
    watts_per_cpu: float = 3.5
    kwh_per_gb: float = 0.001
    pue: float = 1.135
    grid_g_per_kwh: float = 51.9

    def energy_wh(self, cpu_seconds: float, bytes_sent: float) -> float:
        """Watt-hours for ``cpu_seconds`` of CPU and ``bytes_sent`` bytes (10⁹ bytes a GB)."""
        compute = cpu_seconds * self.watts_per_cpu / 3600.0
        network = bytes_sent / 1e9 * self.kwh_per_gb * 1000.0
        return (compute + network) * self.pue

    def grams_co2e(self, energy_wh: float) -> float:
        return energy_wh / 1000.0 * self.grid_g_per_kwh

    def describe(self) -> list[str]:
        return [
            f"{self.watts_per_cpu:g} W per CPU-second (Cloud Carbon Footprint, AWS average "
            "maximum watts per vCPU)",
            f"{self.kwh_per_gb:g} kWh per GB sent (Cloud Carbon Footprint, networking)",
            f"PUE {self.pue:g} (Cloud Carbon Footprint, AWS average)",
            f"{self.grid_g_per_kwh:g} g CO2e per kWh (ADEME Base Empreinte, French mix, 2024)",
        ]

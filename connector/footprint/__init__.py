"""The platform's own footprint: what answering costs, in CPU time and bytes sent, turned
into energy and g CO2e with cited factors (:mod:`.factors`).

    factors  the factors and their sources
    meter    each request's share of the process's CPU; the per (hour, dataset) ledger
    store    the totals in the node's state database, written every minute and at shutdown
    report   ``guichet footprint``: per dataset over a period
"""

from connector.footprint.factors import Factors
from connector.footprint.meter import CpuMeter, Ledger, Share, Totals
from connector.footprint.store import Flusher, FootprintStore, hour_of

__all__ = [
    "CpuMeter",
    "Factors",
    "Flusher",
    "FootprintStore",
    "Ledger",
    "Share",
    "Totals",
    "hour_of",
]

"""The Prometheus instruments of one process face (a node, a gateway, the issuer).

Each app has its own :class:`~prometheus_client.CollectorRegistry` (the demo runs several
nodes in one process; a shared default registry would mix them). Labels are bounded sets:
the face a path belongs to (never the raw path), the operation type, the outcome, dataset
ids and subgraph names from the configuration — never a caller, a token or a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Histogram buckets in seconds: a cached page (~1 ms) to a slow federated answer (10 s)."""
APPEND = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Metrics:
    """The instruments; ``registry`` is what ``/metrics`` exposes."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Histogram(
            "guichet_http_request_duration_seconds",
            "HTTP requests answered, by face, operation type and outcome (count and latency)",
            ("face", "operation", "outcome"),
            buckets=LATENCY,
            registry=r,
        )
        self.decisions = Counter(
            "guichet_usage_decisions",
            "Usage decisions written to the audit log, by dataset and outcome",
            ("dataset", "outcome"),
            registry=r,
        )
        self.audit_append = Histogram(
            "guichet_audit_append_duration_seconds",
            "Time to append one entry to the audit log (durable when it returns)",
            buckets=APPEND,
            registry=r,
        )
        self.subgraph_fetch = Histogram(
            "guichet_subgraph_fetch_duration_seconds",
            "Gateway requests to subgraphs, by subgraph and outcome",
            ("subgraph", "outcome"),
            buckets=LATENCY,
            registry=r,
        )
        self.subgraph_errors = Counter(
            "guichet_subgraph_errors",
            "Subgraph requests that failed, by subgraph and failure code",
            ("subgraph", "code"),
            registry=r,
        )

        self.cpu = Counter(
            "guichet_footprint_cpu_seconds",
            "CPU time spent answering requests (each request's share of the process's), "
            "by dataset read",
            ("dataset",),
            registry=r,
        )
        self.sent = Counter(
            "guichet_footprint_bytes_sent",
            "Response bytes sent, by dataset read",
            ("dataset",),
            registry=r,
        )
        self.energy = Counter(
            "guichet_footprint_energy_wh",
            "Energy of answering (CPU and network, with the data centre's PUE), by dataset",
            ("dataset",),
            registry=r,
        )
        self.co2e = Counter(
            "guichet_footprint_co2e_grams",
            "Greenhouse gases of that energy on the French electricity mix, by dataset",
            ("dataset",),
            registry=r,
        )

    def watch_pools(self, pools: Callable[[], Mapping[str, object]]) -> None:
        """Expose the connection pools ``pools()`` names (SQLAlchemy engines or pools)."""
        self.registry.register(_PoolCollector(pools))


class _PoolCollector(Collector):
    """``guichet_db_pool_connections{pool, state}``: a pool's connections in use, idle and
    beyond its size, read when scraped (pools without those counters, such as SQLite's
    ``NullPool``/``StaticPool``, report what they have)."""

    def __init__(self, pools: Callable[[], Mapping[str, object]]) -> None:
        self.pools = pools

    def describe(self) -> Iterable[Metric]:
        return [self._family()]

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        for name, engine in sorted(self.pools().items()):
            pool = getattr(getattr(engine, "sync_engine", engine), "pool", engine)
            for state, method in (("in_use", "checkedout"), ("idle", "checkedin")):
                read = getattr(pool, method, None)
                if callable(read):
                    family.add_metric([name, state], float(read()))
            overflow = getattr(pool, "overflow", None)
            if callable(overflow):
                family.add_metric([name, "overflow"], float(max(0, overflow())))
            size = getattr(pool, "size", None)
            if callable(size):
                family.add_metric([name, "size"], float(size()))
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "guichet_db_pool_connections",
            "Database connections by pool and state (in_use, idle, overflow, size)",
            labels=("pool", "state"),
        )

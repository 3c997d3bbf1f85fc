"""One app's telemetry: its metrics and its tracer, and the events the app reports."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from connector.footprint.factors import Factors
from connector.footprint.meter import CpuMeter, shares
from connector.telemetry._metrics import Metrics
from connector.telemetry._tracing import outgoing, tracer_provider

DECISION_EVENT = "guichet.usage.decision"


class Telemetry:
    """Metrics and traces of the app named ``service`` (``guichet-node-cda``...).

    ``span_exporter`` receives every span (tests give an in-memory one); without it the
    OpenTelemetry environment decides (see :mod:`connector.telemetry._tracing`)."""

    def __init__(
        self,
        service: str,
        *,
        span_exporter: SpanExporter | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.metrics = Metrics(service)
        self.provider: TracerProvider | None = tracer_provider(
            service, span_exporter, os.environ if environ is None else environ
        )
        self.tracer: Tracer | None = (
            self.provider.get_tracer("guichet") if self.provider is not None else None
        )
        self.meter = CpuMeter()
        self.factors = Factors()
        self.on_answered: Callable[[frozenset[str], float, int], None] | None = None
        """Told of each answer's datasets, CPU seconds and bytes sent (the node's
        footprint ledger)."""

    def answered(
        self,
        *,
        face: str,
        operation: str,
        outcome: str,
        seconds: float,
        cpu_seconds: float = 0.0,
        bytes_sent: int = 0,
        datasets: frozenset[str] = frozenset(),
    ) -> None:
        self.metrics.requests.labels(face, operation, outcome).observe(seconds)
        energy = self.factors.energy_wh(cpu_seconds, bytes_sent)
        grams = self.factors.grams_co2e(energy)
        m = self.metrics
        for name, part in shares(datasets):
            m.cpu.labels(name).inc(cpu_seconds * part)
            m.sent.labels(name).inc(bytes_sent * part)
            m.energy.labels(name).inc(energy * part)
            m.co2e.labels(name).inc(grams * part)
        if self.on_answered is not None:
            self.on_answered(datasets, cpu_seconds, bytes_sent)

    def decided(
        self,
        *,
        datasets: Iterable[str],
        outcome: str,
        reason: str,
        code: str | None,
        rule: str | None,
        seconds: float,
    ) -> None:
        """An audit entry was appended: count its decision per dataset, time the append,
        and put the decision on the request's span as an event."""
        names = tuple(datasets) or ("-",)
        for name in names:
            self.metrics.decisions.labels(name, outcome).inc()
        self.metrics.audit_append.observe(seconds)
        span = trace.get_current_span()
        if span.is_recording():
            attributes: dict[str, str | tuple[str, ...]] = {
                "guichet.outcome": outcome,
                "guichet.datasets": names,
                "guichet.reason": reason,
            }
            if code:
                attributes["guichet.reason_code"] = code
            if rule:
                attributes["guichet.rule"] = rule
            span.add_event(DECISION_EVENT, attributes)

    @contextmanager
    def subgraph_fetch(self, subgraph: str, headers: dict[str, str]) -> Iterator[_Fetch]:
        """Around one request to a subgraph: a client span (its ``traceparent`` written
        into ``headers``), and its latency and failure in the metrics."""
        fetch = _Fetch()
        started = time.perf_counter()
        if self.tracer is None:
            outgoing(headers)  # the caller's trace, if it came with one
            try:
                yield fetch
            finally:
                self._fetched(subgraph, fetch, time.perf_counter() - started)
            return
        with self.tracer.start_as_current_span(
            f"subgraph {subgraph}", kind=SpanKind.CLIENT, attributes={"guichet.subgraph": subgraph}
        ) as span:
            outgoing(headers)
            try:
                yield fetch
            finally:
                if fetch.failure:
                    span.set_status(Status(StatusCode.ERROR, fetch.failure))
                self._fetched(subgraph, fetch, time.perf_counter() - started)

    def _fetched(self, subgraph: str, fetch: _Fetch, seconds: float) -> None:
        outcome = "error" if fetch.failure else "ok"
        self.metrics.subgraph_fetch.labels(subgraph, outcome).observe(seconds)
        if fetch.failure:
            self.metrics.subgraph_errors.labels(subgraph, fetch.failure).inc()

    def shutdown(self) -> None:
        """Flush and stop the span exporter (at the app's shutdown)."""
        if self.provider is not None:
            self.provider.shutdown()


class _Fetch:
    """What the caller tells about a subgraph request once it has an answer."""

    failure: str | None = None

"""OpenTelemetry traces of one app: its tracer provider, and W3C Trace Context in and out.

Tracing records spans only when asked: a span exporter given by the caller (the tests'
in-memory one), or the standard OpenTelemetry environment — ``OTEL_EXPORTER_OTLP_ENDPOINT``
(or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) sends them over OTLP/HTTP, batched;
``OTEL_TRACES_EXPORTER=none`` turns it off; ``OTEL_SERVICE_NAME`` names the service.
Without either, no span is made, but an incoming ``traceparent`` still reaches the
subgraphs a gateway asks (the request keeps its caller's trace).

Each app has its own provider (the demo runs several apps in one process), never the
global one.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

PROPAGATOR = TraceContextTextMapPropagator()
ENDPOINTS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")


def tracer_provider(
    service: str, exporter: SpanExporter | None, environ: Mapping[str, str]
) -> TracerProvider | None:
    """The app's provider, or None when nothing would receive its spans."""
    if exporter is None:
        if environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none":
            return None
        if not any(environ.get(k) for k in ENDPOINTS):
            return None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor: BatchSpanProcessor | SimpleSpanProcessor = BatchSpanProcessor(OTLPSpanExporter())
    else:
        processor = SimpleSpanProcessor(exporter)
    name = environ.get("OTEL_SERVICE_NAME") or service
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(processor)
    return provider


def incoming(headers: Mapping[str, str]) -> otel_context.Context:
    """The trace context an HTTP request carries (``traceparent``, ``tracestate``); an
    absent or malformed header gives an empty context (a new trace), never an error."""
    return PROPAGATOR.extract(headers)


def outgoing(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """``headers`` with the current trace context written in (``traceparent``)."""
    PROPAGATOR.inject(headers)
    return headers


def current_span() -> trace.Span:
    return trace.get_current_span()

"""Operations telemetry: Prometheus metrics at ``/metrics``, OpenTelemetry traces (W3C
``traceparent`` in and out, usage decisions as span events), JSON logs carrying the
request id. One :class:`Telemetry` per app.

    _metrics    the instruments and the database-pool collector
    _tracing    the tracer provider (OTLP from the standard environment), propagation
    _telemetry  Telemetry: what the app reports (answers, decisions, subgraph fetches)
    _observe    Observe, the outermost middleware; /metrics; the request's Labels
    _logs       JSON log lines; --log-format / GUICHET_LOG_FORMAT
"""

from connector.telemetry._logs import (
    FORMATS,
    JsonFormatter,
    add_log_format,
    configure_logging,
    log_format,
    uvicorn_log_config,
)
from connector.telemetry._observe import METRICS_PATH, Labels, Observe, faces_of, labels
from connector.telemetry._telemetry import DECISION_EVENT, Telemetry

__all__ = [
    "DECISION_EVENT",
    "FORMATS",
    "METRICS_PATH",
    "JsonFormatter",
    "Labels",
    "Observe",
    "Telemetry",
    "add_log_format",
    "configure_logging",
    "faces_of",
    "labels",
    "log_format",
    "uvicorn_log_config",
]

"""Logs as JSON lines, each carrying the request id (and the trace, when there is one).

``guichet node|gateway|issuer … --log-format json`` (or ``GUICHET_LOG_FORMAT=json``)::

    {"time": "2026-12-07T10:02:11.120Z", "level": "INFO", "logger": "guichet.edge",
     "message": "request … refused (413): …", "request_id": "3f0c…",
     "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7"}
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

from connector.edge import current_request_id

FORMATS = ("text", "json")
TEXT = "%(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC)
        out: dict[str, object] = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            out["request_id"] = request_id
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            out["trace_id"] = f"{span.trace_id:032x}"
            out["span_id"] = f"{span.span_id:016x}"
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def log_format(chosen: str | None) -> str:
    """The format asked (option first, then ``GUICHET_LOG_FORMAT``), checked."""
    value = (chosen or os.environ.get("GUICHET_LOG_FORMAT") or "text").strip().lower()
    if value not in FORMATS:
        raise ValueError(
            f"log format {value!r} (from --log-format or GUICHET_LOG_FORMAT): "
            f"expected one of {', '.join(FORMATS)}"
        )
    return value


def configure_logging(chosen: str | None = None, level: int = logging.INFO) -> str:
    """Route the root logger and uvicorn's to stderr in the chosen format; returns it."""
    fmt = log_format(chosen)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if fmt == "json":  # uvicorn's own loggers would print their text format beside ours
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logger = logging.getLogger(name)
            logger.handlers[:] = []
            logger.propagate = True
    return fmt


def add_log_format(parser: argparse.ArgumentParser) -> None:
    """``--log-format {text,json}`` on a serving command."""
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        default=None,
        help="log lines as text or as JSON carrying the request id "
        "(default: GUICHET_LOG_FORMAT, else text)",
    )


def uvicorn_log_config(fmt: str) -> dict[str, Any] | None:
    """uvicorn's ``log_config``: its own in text, none in JSON (ours then formats its
    lines; see :func:`configure_logging`)."""
    from uvicorn.config import LOGGING_CONFIG

    return None if fmt == "json" else LOGGING_CONFIG

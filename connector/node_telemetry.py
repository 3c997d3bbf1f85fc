"""A node's telemetry wiring: its audit appends as decisions in the metrics and on the
request's span, the pools ``/metrics`` names, and its footprint ledger written
to its state database (:mod:`connector.footprint`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from connector.audit import AuditLog, StoredEntry
from connector.config import NodeConfig
from connector.footprint import Flusher, FootprintStore, Ledger, hour_of
from connector.node import Node
from connector.telemetry import Telemetry, labels


def decided(telemetry: Telemetry, entry: StoredEntry, seconds: float) -> None:
    """An audit entry was appended (see :attr:`AuditLog.on_append`)."""
    code = entry.details.get("reasonCode")
    telemetry.decided(
        datasets=entry.datasets,
        outcome=entry.decision,
        reason=entry.reason,
        code=code if isinstance(code, str) else None,
        rule=entry.rule,
        seconds=seconds,
    )
    found = labels()
    if found is not None:
        found.datasets.update(entry.datasets)
        if entry.decision != "permit":
            found.denied = True


def pools(node: Node, audit: AuditLog | None) -> dict[str, object]:
    """The engines whose pools ``/metrics`` shows: the sources' and the audit log's."""
    out: dict[str, object] = {
        f"source:{name}": engine
        for name, src in node.sources.items()
        if (engine := getattr(src, "engine", None)) is not None
    }
    if audit is not None:
        out["audit"] = audit.engine
    return out


def footprint(
    config: NodeConfig,
    telemetry: Telemetry,
    audit: AuditLog | None,
    clock: Callable[[], datetime] | None = None,
) -> Flusher | None:
    """The node's footprint: its factors on the telemetry, each answer's share added to a
    ledger per (hour, dataset), written to the state database by the returned flusher
    (None without a state database: metrics only)."""
    telemetry.factors = config.footprint.factors
    if audit is None:
        return None
    now = clock or (lambda: datetime.now(UTC))
    ledger = Ledger()

    def answered(datasets: frozenset[str], cpu: float, sent: int) -> None:
        ledger.add(hour_of(now()), datasets, cpu, sent)

    telemetry.on_answered = answered
    store = FootprintStore(audit.engine, audit.writer)
    return Flusher(ledger, store, config.footprint.write_interval)

"""The node's watch over its own audit chain: the chain is verified when the node starts
and every ``[usage] audit_check_interval`` seconds after (0: at start only), each check
expecting the head the previous one found (so entries cut from the end count as removed).

A broken chain is an alert: logged at ERROR with what to do, shown in ``/health``
(``audit.state`` ``"broken"``, the node's status ``"degraded"``) and in the DPD console,
and it stays so until the node restarts on a repaired log — a later check passing over a
truncated log must not hide the first finding. The time it was found starts the 72 hours
of RGPD art. 33; ``guichet audit notice`` drafts the notification from the log's facts
(:mod:`connector.audit.notice`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from connector.audit.record import format_time
from connector.audit.verify import VerifyReport
from connector.background import Background
from connector.errors import GuichetError

log = logging.getLogger("guichet.audit")
NOTIFY_WITHIN = timedelta(hours=72)  # RGPD art. 33(1): "where feasible, not later than 72 hours"


class Verifiable(Protocol):
    async def verify(
        self, *, expect_head: str | None = None, chunk: int = 1000, key: bytes | None = None
    ) -> VerifyReport: ...


@dataclass(frozen=True)
class Integrity:
    """The last check's finding; ``found`` is when a problem was first found."""

    checked: datetime | None = None
    report: VerifyReport | None = None
    found: datetime | None = None
    error: str | None = None

    @property
    def broken(self) -> bool:
        return self.found is not None

    def as_json(self) -> dict[str, Any]:
        if self.found is not None and self.report is not None and self.report.problem:
            problem = self.report.problem
            return {
                "state": "broken",
                "checkedAt": format_time(self.checked) if self.checked else None,
                "foundAt": format_time(self.found),
                "notifyBefore": format_time(self.found + NOTIFY_WITHIN),
                "problem": {"kind": problem.kind, "seq": problem.seq, "message": problem.message},
                "intactEntries": self.report.entries,
                "todo": "guichet audit notice --db <audit_db> --config <node.toml>",
            }
        if self.report is None:
            return {"state": "unchecked", "error": self.error}
        return {
            "state": "intact" if self.error is None else "unchecked",
            "checkedAt": format_time(self.checked) if self.checked else None,
            "entries": self.report.entries,
            "head": self.report.head_hash,
            **({"error": self.error} if self.error else {}),
        }


class ChainWatch:
    """Checks ``audit``'s chain now and then (see the module docstring)."""

    def __init__(
        self,
        audit: Verifiable,
        *,
        interval: float,
        node: str,
        key: Callable[[], bytes] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.audit = audit
        self.key = key  # the node's key, read when needed: a prune segment is signed with it
        self.interval = interval
        self.node = node
        self.clock = clock
        self.state = Integrity()
        self._background = Background(self._run, name=f"audit-watch-{node}")

    async def check(self) -> Integrity:
        """One check; a broken chain stays broken (its first finding is kept)."""
        expect = self.state.report.head_hash if self.state.report and not self.broken else None
        now = self.clock()
        try:
            key = self.key() if self.key is not None else None
            report = await self.audit.verify(expect_head=expect, key=key)
        except GuichetError as exc:  # the log cannot be read: say so, keep the last finding
            self.state = Integrity(
                self.state.checked, self.state.report, self.state.found, str(exc)
            )
            log.error("node %s: the audit chain could not be checked: %s", self.node, exc)
            return self.state
        if self.broken:
            return self.state
        if report.problem is not None:
            self.state = Integrity(now, report, now)
            log.error(
                "node %s: AUDIT CHAIN BROKEN: %s. The chain was intact for %d entries. "
                "If personal data may be concerned, the CNIL must be notified before %s "
                "(RGPD art. 33): draft it with `guichet audit notice`.",
                self.node,
                report.problem.message,
                report.entries,
                format_time(now + NOTIFY_WITHIN),
            )
        else:
            self.state = Integrity(now, report)
        return self.state

    @property
    def broken(self) -> bool:
        return self.state.broken

    async def _run(self) -> None:
        while True:
            await self.check()
            if self.interval <= 0:
                return
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self._background.start()

    async def stop(self) -> None:
        await self._background.stop()

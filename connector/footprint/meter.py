"""Each request's share of the process's CPU time, and the totals per dataset waiting to be
written.

An event loop answers many requests at once, and no clock measures one coroutine's CPU: a
thread's or process's CPU clock read at a request's start and end also counts every other
request answered meanwhile. So the process's CPU time (``time.process_time()``: every
thread, the SQLite driver's included) is shared out: at each request's start and end, the
CPU used since the last such moment is divided equally among the requests then in flight
(CPU used while none is in flight is the process's own: its background tasks, its idle
wake-ups). The shares add up exactly to the CPU the process spent while answering; one
request's share is exact when it runs alone and an even split of the overlap otherwise.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass
class Share:
    """One request in flight: its CPU seconds so far."""

    cpu: float = 0.0


@dataclass
class Totals:
    requests: float = 0.0
    cpu_seconds: float = 0.0
    bytes_sent: float = 0.0

    def add(self, other: Totals) -> None:
        self.requests += other.requests
        self.cpu_seconds += other.cpu_seconds
        self.bytes_sent += other.bytes_sent


@dataclass
class CpuMeter:
    """The sharing out described in the module docstring; ``clock`` gives CPU seconds."""

    clock: Callable[[], float] = time.process_time
    _inflight: list[Share] = field(default_factory=list)
    _last: float | None = None
    background: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _settle(self) -> None:
        now = self.clock()
        if self._last is not None:
            spent = max(0.0, now - self._last)
            if self._inflight:
                each = spent / len(self._inflight)
                for s in self._inflight:
                    s.cpu += each
            else:
                self.background += spent
        self._last = now

    def start(self) -> Share:
        with self._lock:
            self._settle()
            share = Share()
            self._inflight.append(share)
            return share

    def end(self, share: Share) -> float:
        """The request's CPU seconds, now that it has been answered."""
        with self._lock:
            self._settle()
            self._inflight.remove(share)
            return share.cpu


def shares(datasets: Iterable[str]) -> list[tuple[str, float]]:
    """Each dataset a request read with its share of the request (1/n each), or ``-``
    with all of it when it read none."""
    names = sorted(set(datasets)) or ["-"]
    return [(name, 1.0 / len(names)) for name in names]


@dataclass
class Ledger:
    """Per (hour, dataset) totals not yet written to the node's database. A request that
    read several datasets counts for each a fraction (1/n of the request, of its CPU and
    of its bytes); one that read none is counted under ``-``."""

    pending: dict[tuple[str, str], Totals] = field(default_factory=dict)

    def add(self, hour: str, datasets: Iterable[str], cpu: float, sent: int) -> None:
        for name, part in shares(datasets):
            t = self.pending.setdefault((hour, name), Totals())
            t.add(Totals(part, cpu * part, sent * part))

    def take(self) -> dict[tuple[str, str], Totals]:
        out, self.pending = self.pending, {}
        return out

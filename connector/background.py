"""One asyncio task that runs for an app's lifespan.

The audit chain's watch (:mod:`connector.audit.watch`), the footprint's flusher
(:mod:`connector.footprint.store`) and the ICONE rollup's schedule
(:mod:`connector.rollup_schedule`) each start one loop when the app starts and must cancel
it, and wait for it to end, when the app stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any


class Background:
    """``run()`` as a task: :meth:`start` once (again only after :meth:`stop`), :meth:`stop`
    cancels it and waits until it has ended."""

    def __init__(
        self, run: Callable[[], Coroutine[Any, Any, None]], name: str | None = None
    ) -> None:
        self.run, self.name = run, name
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

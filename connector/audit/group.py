"""Group commit: entries from concurrent requests written in one transaction.

Each caller queues its items and awaits their own futures; one writer task takes
everything queued (at most ``max_batch``), writes it in one transaction and resolves the
futures once the transaction is committed, then takes what arrived meanwhile. A caller is
answered only after the transaction holding its items has committed, so what is durable
is exactly what is answered; under load, many requests share one commit (one ``fsync``)
instead of queueing for one commit each. Queue order is chain order.

The writer task runs only while there is something queued, so nothing lingers after the
last request (and a log used from several event loops, as tests do, starts a writer on
each). If a batch fails, every caller in it gets the error; the next batch is tried anew.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from connector.errors import AuditError

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Batches of ``T`` written by ``write`` (one transaction per call, results in order)."""

    def __init__(
        self,
        write: Callable[[list[T]], Awaitable[list[R]]],
        *,
        max_batch: int = 256,
        write_now: Callable[[list[T]], list[R] | None] | None = None,
    ) -> None:
        self._write = write
        self._write_now = write_now
        """Writes a batch at once, without awaiting (``None``: not now); tried when the
        writer is idle and nothing is queued, so chain order is kept."""
        self.max_batch = max_batch
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        """Transactions written so far (for tests and benchmarks)."""

    async def submit(self, items: Sequence[T]) -> list[R]:
        """Queue ``items`` (kept together, in order) and wait until they are committed."""
        loop = asyncio.get_running_loop()
        task = self._task
        idle = task is None or task.done()
        if idle and not self._queue and self._write_now is not None:
            done = self._write_now(list(items))
            if done is not None:
                self.batches += 1
                return done
        futures: list[asyncio.Future[R]] = [loop.create_future() for _ in items]
        self._queue.extend(zip(items, futures, strict=True))
        if task is None or task.done() or task.get_loop() is not loop:
            self._task = loop.create_task(self._run())
        return list(await asyncio.gather(*futures))

    async def _run(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            try:
                results = await self._write([item for item, _ in batch])
            except asyncio.CancelledError:
                _fail(batch, AuditError("the audit log's writer was stopped"))
                _fail(self._queue, AuditError("the audit log's writer was stopped"))
                self._queue.clear()
                raise
            except Exception as exc:
                _fail(batch, exc)
                continue
            self.batches += 1
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():  # its caller may have given up; the entry stays
                    future.set_result(result)


def _fail(batch: Sequence[tuple[object, asyncio.Future[R]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)

"""The batch writer: the per-request audit entries and connection uses, written off the request path.

A request enqueues (``audit``, ``count_use``) and goes on. One task takes what is queued, after a
window of a few milliseconds or at once when a batch's worth is waiting, folds the uses of each
connection into one (``coalesce``) and writes the batch in one transaction, each table with one
executemany (``write_batch``). The queue is bounded: when the database falls behind, ``audit`` and
``count_use`` wait for room (back-pressure); nothing is dropped to make room.

A batch the database refuses is retried with a growing pause, logged, for as long as it takes; the
queue filling up meanwhile is what slows requests down. A batch refused for its rows (a constraint,
a value a column cannot hold) is written row by row, so one bad row holds up nobody else; a row that
cannot be written alone is logged with its whole content and counted (``rows_failed``).

``stop`` (the app's lifespan end) writes everything queued; a database still failing after the grace
period gets the unwritten entries logged with their content instead. A crash loses what was queued
and not yet committed: normally one batch window; at most the queue's capacity plus one batch.
Without ``start`` (the CLI, rule tests) every entry is written at once in a transaction of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.governance.audit import audit_row
from bastion.store.repositories import AuditLog, Connections, ConnectionUse

logger = logging.getLogger("bastion.audit")

# Waiting this long after the first entry lets a batch gather what concurrent requests enqueue.
WINDOW_SECONDS = 0.005
BATCH_ROWS = 500
# Queued entries before requests wait for room: two batches, so a crash loses at most that plus one batch.
CAPACITY = 2 * BATCH_ROWS
RETRY_FIRST_SECONDS = 0.05
RETRY_MAX_SECONDS = 2.0
# How long stop() keeps trying a failing database before it logs what it could not write.
SHUTDOWN_GRACE_SECONDS = 10.0

Item = dict[str, Any] | ConnectionUse
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class _Stop:
    """Queued by ``stop`` to wake a writer waiting on an empty queue."""


STOP = _Stop()


@dataclass(frozen=True)
class Batch:
    """What one transaction writes: audit entries (column values) and at most one use per connection."""

    entries: Sequence[dict[str, Any]]
    uses: Sequence[ConnectionUse]

    @property
    def rows(self) -> int:
        return len(self.entries) + len(self.uses)

    def pieces(self) -> list[Batch]:
        """One batch per row, to find the row a refused batch cannot be written with."""
        return [Batch([entry], []) for entry in self.entries] + [Batch([], [use]) for use in self.uses]

    def describe(self) -> str:
        """The whole content, for a log line that stands in for rows the database never got."""
        return json.dumps(
            {"audit_events": list(self.entries), "connection_uses": [vars(use) for use in self.uses]},
            default=str,
            ensure_ascii=False,
        )


def coalesce(items: Iterable[Item]) -> Batch:
    """The entries in queue order; the uses of one connection folded into one (their count, the latest time)."""
    entries: list[dict[str, Any]] = []
    uses: dict[int, ConnectionUse] = {}
    for item in items:
        if not isinstance(item, ConnectionUse):
            entries.append(item)
            continue
        seen = uses.get(item.connection_id)
        if seen is None:
            uses[item.connection_id] = item
        else:
            latest = max(seen.last_at, item.last_at)
            uses[item.connection_id] = ConnectionUse(item.connection_id, latest, seen.count + item.count)
    return Batch(entries, list(uses.values()))


async def write_batch(session: AsyncSession, batch: Batch) -> None:
    await AuditLog(session).append_many(batch.entries)
    await Connections(session).record_uses(batch.uses)


def is_row_problem(exc: BaseException) -> bool:
    """Refused for what the rows hold: the same rows would be refused again, however long we wait."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    # Raised before the database saw anything (a value the column type cannot bind or serialize).
    return isinstance(exc, StatementError) and not isinstance(exc, DBAPIError)


def take(queue: asyncio.Queue[Item | _Stop], limit: int) -> list[Item]:
    """Up to ``limit`` items already queued, oldest first, without waiting."""
    items: list[Item] = []
    while len(items) < limit and not queue.empty():
        item = queue.get_nowait()
        if not isinstance(item, _Stop):
            items.append(item)
    return items


class BatchWriter:
    """Owned by ``Services``; started and stopped by the app's lifespan."""

    def __init__(
        self,
        transaction: Transaction,
        *,
        window: float = WINDOW_SECONDS,
        batch_rows: int = BATCH_ROWS,
        capacity: int = CAPACITY,
        shutdown_grace: float = SHUTDOWN_GRACE_SECONDS,
    ) -> None:
        self._transaction = transaction
        self.window, self.batch_rows, self.capacity, self.shutdown_grace = window, batch_rows, capacity, shutdown_grace
        self._queue: asyncio.Queue[Item | _Stop] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._hurry = asyncio.Event()
        # Items accepted into the queue, and items written or given up; both count in queue order.
        self._accepted = self._settled = 0
        self._flushes: list[tuple[int, asyncio.Future[None]]] = []
        # For /metrics: this process's figures since it started.
        self.batches_written = self.rows_written = self.retries = self.rows_failed = 0

    @property
    def running(self) -> bool:
        return self._queue is not None

    @property
    def depth(self) -> int:
        """Entries and uses waiting to be written."""
        return self._queue.qsize() if self._queue is not None else 0

    def start(self) -> None:
        if self._queue is not None:
            raise RuntimeError("the batch writer is already running")
        self._queue = asyncio.Queue(self.capacity)
        self._closing = False
        self._hurry = asyncio.Event()
        self._task = asyncio.create_task(self._run(self._queue), name="bastion-batch-writer")

    async def stop(self) -> None:
        """Write everything queued, then write at once again; after the grace period, log what is left."""
        queue, task = self._queue, self._task
        if queue is None or task is None:
            return
        self._closing = True
        self._hurry.set()
        # Wakes a writer waiting on an empty queue; a full queue keeps it busy until empty, when it stops.
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(STOP)
        done, _ = await asyncio.wait({task}, timeout=self.shutdown_grace)
        if not done:
            task.cancel()
            await asyncio.wait({task})
        self._task = None

    async def audit(
        self,
        event: str,
        now: datetime,
        *,
        connection_id: int | None = None,
        user_id: int | None = None,
        client_ip: str | None = None,
        **detail: Any,
    ) -> None:
        """Record a per-request entry; unlike ``audit.record`` it is not part of any transaction of the caller."""
        await self._submit(
            audit_row(event, now, connection_id=connection_id, user_id=user_id, client_ip=client_ip, **detail)
        )

    async def count_use(self, connection_id: int, now: datetime) -> None:
        """One more request for this connection, made at ``now``."""
        await self._submit(ConnectionUse(connection_id, now))

    async def flush(self, wait_at_most: float | None = None) -> bool:
        """Cut the batch window short; True once everything queued before the call is written (or given up
        on, and logged), False when that took longer than ``wait_at_most`` seconds."""
        if self._queue is None or self._settled >= self._accepted:
            return True
        done = asyncio.get_running_loop().create_future()
        self._flushes.append((self._accepted, done))
        self._hurry.set()
        try:
            await asyncio.wait_for(asyncio.shield(done), wait_at_most)
        except TimeoutError:
            return False
        return True

    async def _submit(self, item: Item) -> None:
        queue = self._queue
        if queue is None:
            await self._write_now([item])
            return
        if queue.full():
            # Back-pressure: wait for room. Shielded, so a request cancelled meanwhile (its client went away)
            # still leaves its entry behind.
            await asyncio.shield(self._enqueue(queue, item))
        else:
            queue.put_nowait(item)
            self._accepted += 1
        if self._queue is not queue:
            # The writer was stopped while this request waited for room: what it left behind is written here.
            await self._write_now(take(queue, queue.qsize()))

    async def _enqueue(self, queue: asyncio.Queue[Item | _Stop], item: Item) -> None:
        await queue.put(item)
        self._accepted += 1

    async def _write_now(self, items: list[Item]) -> None:
        async with self._transaction() as session:
            await write_batch(session, coalesce(items))

    async def _run(self, queue: asyncio.Queue[Item | _Stop]) -> None:
        items: list[Item] = []
        try:
            while not (self._closing and queue.empty()):
                first = await queue.get()
                items = [] if isinstance(first, _Stop) else [first]
                if not self._closing and queue.qsize() < self.batch_rows - 1:
                    await self._gather_window()
                items += take(queue, self.batch_rows - len(items))
                if items:
                    await self._write(coalesce(items))
                self._settle(len(items))
                items = []
        except asyncio.CancelledError:
            left = items + take(queue, queue.qsize())
            self._give_up(coalesce(left), "the server stopped before the database confirmed them")
            self._settle(len(left))
            raise
        finally:
            # No await since the queue was last seen empty: whoever submits next finds the writer gone.
            self._queue = None
            self._settle(0, everyone=True)

    async def _gather_window(self) -> None:
        """Let concurrent requests add to the batch for one window; ``flush`` and ``stop`` cut it short."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.window):
                await self._hurry.wait()
        if not self._closing:
            self._hurry.clear()

    async def _write(self, batch: Batch) -> None:
        """Commit ``batch``, retrying while the database fails; never raises (the writer must keep going)."""
        failures = 0
        while True:
            try:
                async with self._transaction() as session:
                    await write_batch(session, batch)
            except Exception as exc:
                if is_row_problem(exc):
                    if batch.rows == 1:
                        self._give_up(batch, f"the database refused it: {exc}")
                        return
                    logger.warning("a batch of %d rows was refused (%s); writing them one by one", batch.rows, exc)
                    for piece in batch.pieces():
                        await self._write(piece)
                    return
                failures += 1
                self.retries += 1
                pause = min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** (failures - 1))
                if failures == 1 or failures % 20 == 0:
                    logger.error(
                        "could not write %d audit entries and connection uses (attempt %d): %s; retrying every "
                        "%.2f s at most; requests wait once %d are queued",
                        batch.rows,
                        failures,
                        exc,
                        RETRY_MAX_SECONDS,
                        self.capacity,
                        exc_info=failures == 1,
                    )
                await asyncio.sleep(pause)
            else:
                if failures:
                    logger.warning("wrote %d delayed entries and uses after %d attempts", batch.rows, failures + 1)
                self.batches_written += 1
                self.rows_written += batch.rows
                return

    def _give_up(self, batch: Batch, reason: str) -> None:
        if not batch.rows:
            return
        self.rows_failed += batch.rows
        logger.error(
            "%d audit entries and connection uses were not written (%s): %s", batch.rows, reason, batch.describe()
        )

    def _settle(self, count: int, *, everyone: bool = False) -> None:
        self._settled += count
        waiting = []
        for target, done in self._flushes:
            if everyone or self._settled >= target:
                if not done.done():
                    done.set_result(None)
            else:
                waiting.append((target, done))
        self._flushes = waiting

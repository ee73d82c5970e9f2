"""The batch writer without HTTP: coalescing, one transaction per batch, back-pressure, retries, shutdown."""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bastion.governance.batch_writer import BatchWriter, coalesce
from bastion.store.models import AuditEvent, Connection
from bastion.store.repositories import ConnectionUse
from tests.factories import make_api_key
from tests.mcp.helpers import make_member

# Long enough that everything a test enqueues without waiting lands in one batch.
LONG_WINDOW = 0.2


async def audit_count(services, event: str = "tool.called") -> int:
    async with services.transaction() as session:
        return await session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.event == event))


async def connection_row(services, connection_id: int) -> Connection:
    async with services.transaction() as session:
        return await session.get(Connection, connection_id)


async def new_connection_id(services) -> int:
    return (await make_api_key(services, await make_member(services, login=f"m{uuid.uuid4().hex[:8]}"))).connection.id


class Counted:
    """services.transaction, counting the transactions opened; optionally failing or held at the door."""

    def __init__(self, services, *, failures: int = 0) -> None:
        self.services = services
        self.opened = 0
        self.failures = failures
        self.door = asyncio.Event()
        self.door.set()

    @asynccontextmanager
    async def __call__(self):
        self.opened += 1
        await self.door.wait()
        if self.failures:
            self.failures -= 1
            raise OperationalError("INSERT INTO audit_events ...", {}, Exception("database is locked"))
        async with self.services.transaction() as session:
            yield session


def test_coalescing_keeps_entries_in_order_and_folds_the_uses_of_each_connection(clock):
    t0 = clock()
    first, second = {"event": "tool.called", "n": 1}, {"event": "mcp.rejected", "n": 2}
    items = [
        ConnectionUse(7, t0),
        first,
        ConnectionUse(8, t0 + timedelta(seconds=1)),
        ConnectionUse(7, t0 + timedelta(seconds=3)),
        second,
        ConnectionUse(7, t0 + timedelta(seconds=2)),
    ]

    batch = coalesce(items)

    assert batch.entries == [first, second]
    assert sorted(batch.uses, key=lambda use: use.connection_id) == [
        ConnectionUse(7, t0 + timedelta(seconds=3), 3),
        ConnectionUse(8, t0 + timedelta(seconds=1), 1),
    ]
    assert batch.rows == 4


async def test_entries_and_uses_queued_together_are_written_in_one_transaction(services, clock):
    connection_id = await new_connection_id(services)
    transaction = Counted(services)
    writer = BatchWriter(transaction, window=LONG_WINDOW)
    writer.start()
    for _ in range(3):
        await writer.audit("tool.called", clock(), connection_id=connection_id, tool="whoami")
        await writer.count_use(connection_id, clock())
    await writer.flush()

    assert transaction.opened == 1
    assert (writer.batches_written, writer.rows_written) == (1, 4)  # three entries, one connection row
    assert await audit_count(services) == 3
    row = await connection_row(services, connection_id)
    assert (row.request_count, row.last_used_at) == (3, clock())
    await writer.stop()


async def test_a_writer_that_is_not_running_writes_each_entry_at_once(services, clock):
    # The CLI and rule tests: no task, no queue, the entry is in the database when the call returns.
    writer = BatchWriter(services.transaction)
    await writer.audit("tool.called", clock(), tool="whoami")
    assert await audit_count(services) == 1
    assert writer.depth == 0


async def test_an_unknown_event_is_refused_to_the_caller_not_queued(services, clock):
    writer = BatchWriter(services.transaction)
    writer.start()
    with pytest.raises(ValueError, match=r"unknown audit event 'tool\.exploded'"):
        await writer.audit("tool.exploded", clock())
    assert writer.depth == 0
    await writer.stop()


async def test_a_blocked_database_makes_requests_wait_for_room_and_loses_nothing(services, clock):
    connection_id = await new_connection_id(services)
    transaction = Counted(services)
    transaction.door.clear()  # the database accepts nothing until the door opens
    writer = BatchWriter(transaction, window=0.001, batch_rows=4, capacity=8)
    writer.start()

    async def requests() -> None:
        for n in range(40):
            await writer.audit("tool.called", clock(), connection_id=connection_id, n=n)
            await writer.count_use(connection_id, clock())

    producing = asyncio.create_task(requests())
    await asyncio.sleep(0.2)

    assert not producing.done()  # waiting for room, not dropping
    assert writer.depth == 8  # full: one batch of 4 is held at the door, 8 more wait in the queue
    assert await audit_count(services) == 0

    assert await writer.flush(wait_at_most=0.05) is False  # a reader is not held up by a stalled database
    transaction.door.set()
    await asyncio.wait_for(producing, 10)
    await writer.flush()

    assert await audit_count(services) == 40
    assert (await connection_row(services, connection_id)).request_count == 40
    assert writer.rows_failed == 0
    await writer.stop()


async def test_a_failing_database_is_retried_and_logged_and_the_writer_carries_on(services, clock, caplog):
    connection_id = await new_connection_id(services)
    transaction = Counted(services, failures=3)
    writer = BatchWriter(transaction, window=0.001)
    writer.start()

    with caplog.at_level(logging.WARNING, logger="bastion.audit"):
        await writer.audit("tool.called", clock(), connection_id=connection_id)
        await writer.count_use(connection_id, clock())
        await asyncio.wait_for(writer.flush(), 10)
        await writer.audit("tool.called", clock(), connection_id=connection_id)  # the task is still alive
        await asyncio.wait_for(writer.flush(), 10)

    assert await audit_count(services) == 2
    assert (await connection_row(services, connection_id)).request_count == 1
    assert writer.retries == 3
    assert writer.rows_failed == 0
    messages = [record.getMessage() for record in caplog.records]
    assert any("could not write 2 audit entries and connection uses (attempt 1)" in m for m in messages)
    assert any("after 4 attempts" in m for m in messages)
    await writer.stop()


async def test_a_row_the_database_cannot_take_is_logged_with_its_content_and_the_rest_are_written(
    services, clock, caplog
):
    writer = BatchWriter(services.transaction, window=LONG_WINDOW)
    writer.start()
    with caplog.at_level(logging.ERROR, logger="bastion.audit"):
        await writer.audit("tool.called", clock(), tool="before")
        await writer.audit("tool.called", clock(), tool="unstorable", value={1, 2})  # a set is not JSON
        await writer.audit("tool.called", clock(), tool="after")
        await writer.flush()

    async with services.transaction() as session:
        tools = (await session.scalars(select(AuditEvent.detail).order_by(AuditEvent.id))).all()
    assert [detail["tool"] for detail in tools] == ["before", "after"]
    assert writer.rows_failed == 1
    [given_up] = [r.getMessage() for r in caplog.records if "were not written" in r.getMessage()]
    assert '"tool": "unstorable"' in given_up
    await writer.stop()


async def test_stopping_writes_everything_still_queued_then_writes_at_once(services, clock):
    connection_id = await new_connection_id(services)
    writer = BatchWriter(services.transaction, window=30.0)  # no batch would be written for 30 s
    writer.start()
    for _ in range(5):
        await writer.audit("tool.called", clock(), connection_id=connection_id)
        await writer.count_use(connection_id, clock())

    await asyncio.wait_for(writer.stop(), 5)

    assert await audit_count(services) == 5
    assert (await connection_row(services, connection_id)).request_count == 5
    assert not writer.running
    await writer.audit("tool.called", clock())
    assert await audit_count(services) == 6


async def test_stopping_on_a_database_that_never_recovers_logs_every_unwritten_entry(services, clock, caplog):
    transaction = Counted(services, failures=10**6)
    writer = BatchWriter(transaction, window=0.001, shutdown_grace=0.5)
    writer.start()
    with caplog.at_level(logging.ERROR, logger="bastion.audit"):
        await writer.audit("tool.called", clock(), tool="first")
        await writer.audit("tool.called", clock(), tool="second")
        await asyncio.sleep(0.05)
        await asyncio.wait_for(writer.stop(), 5)

    assert writer.rows_failed == 2
    [given_up] = [r.getMessage() for r in caplog.records if "were not written" in r.getMessage()]
    assert '"tool": "first"' in given_up and '"tool": "second"' in given_up
    assert await audit_count(services) == 0


async def test_nothing_is_lost_when_ten_thousand_requests_enqueue_at_once(services, clock):
    connection_ids = [await new_connection_id(services) for _ in range(4)]
    writer = BatchWriter(services.transaction, batch_rows=64, capacity=128)
    writer.start()

    async def request(n: int) -> None:  # what the gate and the tool call of one request enqueue
        connection_id = connection_ids[n % 4]
        await writer.count_use(connection_id, clock())
        await writer.audit("tool.called", clock(), connection_id=connection_id, n=n)

    await asyncio.gather(*(request(n) for n in range(10_000)))
    await writer.flush()

    async with services.transaction() as session:
        called = select(AuditEvent.detail["n"].as_integer()).where(AuditEvent.event == "tool.called")
        numbers = (await session.scalars(called)).all()
        counts = (await session.scalars(select(Connection.request_count).order_by(Connection.id))).all()
    assert sorted(numbers) == list(range(10_000))
    assert counts == [2_500] * 4
    assert (writer.depth, writer.rows_failed) == (0, 0)
    assert writer.batches_written >= 10_000 // 64  # the queue's bound held: many batches, none larger
    await writer.stop()

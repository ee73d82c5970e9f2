"""A SIGTERM to ``bastion serve`` writes every audit entry and use its requests queued before it exits.

The database's write lock is held from outside while the requests run, so nothing they queued can be
committed before the signal: what is in the database afterwards was written by the shutdown.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx2
import pytest
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from tests.e2e.browser import Account
from tests.e2e.server import BastionProcess

pytestmark = pytest.mark.e2e

CALLS = 40
COUNTS = (
    "SELECT (SELECT count(*) FROM audit_events WHERE event = 'tool.called'),"
    " (SELECT request_count FROM connections WHERE id = {id})"
)


class WriteLock:
    """Another client of the same database holding what the batch writer needs, until released."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.sqlite: sqlite3.Connection | None = None
        self.postgres: Any = None

    async def hold(self) -> None:
        if self.database_url.startswith("sqlite"):
            self.sqlite = sqlite3.connect(self.database_url.removeprefix("sqlite:///"), isolation_level=None)
            self.sqlite.execute("BEGIN IMMEDIATE")  # SQLite's one write lock; WAL readers go on reading
        else:
            self.postgres = await asyncpg.connect(self.database_url)
            await self.postgres.execute("BEGIN")
            # Reads go on; the inserts and updates of the batch writer wait.
            await self.postgres.execute("LOCK TABLE audit_events, connections IN SHARE MODE")

    async def counts(self, connection_id: int) -> tuple[int, int]:
        query = COUNTS.format(id=int(connection_id))
        if self.sqlite is not None:
            return tuple(self.sqlite.execute(query).fetchone())
        return tuple(await self.postgres.fetchrow(query))

    async def release(self) -> None:
        if self.sqlite is not None:
            self.sqlite.execute("ROLLBACK")
        else:
            await self.postgres.execute("ROLLBACK")

    async def close(self) -> None:
        if self.sqlite is not None:
            self.sqlite.close()
        if self.postgres is not None:
            await self.postgres.close()


@asynccontextmanager
async def counted_client(server: BastionProcess, key: str, sent: list[str]) -> AsyncIterator[Client]:
    """The SDK client with an API key; ``sent`` gets one line per request it makes to /mcp (each one a use)."""

    async def note(request: httpx2.Request) -> None:
        sent.append(f"{request.method} {request.url.path}")

    headers = {"Authorization": f"Bearer {key}"}
    async with (
        httpx2.AsyncClient(trust_env=False, timeout=30.0, headers=headers, event_hooks={"request": [note]}) as http,
        Client(streamable_http_client(server.mcp_url, http_client=http)) as client,
    ):
        yield client


async def test_sigterm_writes_every_queued_entry_and_use_before_the_server_exits(
    bastion: BastionProcess, alice: Account, e2e_database_url: str
) -> None:
    created = bastion.cli_json("connections", "add-key", "--name", "Nightly report", "--user", alice.login)
    lock = WriteLock(e2e_database_url)
    sent: list[str] = []
    try:
        await lock.hold()
        async with counted_client(bastion, created["api_key"], sent) as client:
            for _ in range(CALLS):
                assert not (await client.call_tool("whoami", {})).is_error
        # Every call was answered, and nothing of it is in the database yet.
        assert await lock.counts(created["connection_id"]) == (0, 0)

        bastion.process.send_signal(signal.SIGTERM)
        await asyncio.sleep(1.0)
        assert bastion.process.poll() is None, "the server exited without waiting to write its queue"
    finally:
        await lock.release()
    exit_code = await asyncio.to_thread(bastion.process.wait, 20)
    try:
        # uvicorn re-raises the signal once its shutdown (the lifespan's end included) is complete.
        assert exit_code in (0, -signal.SIGTERM), bastion.log()
        assert "Application shutdown complete" in bastion.log()
        assert await lock.counts(created["connection_id"]) == (CALLS, len(sent))
        assert all(line.endswith("/mcp") for line in sent)
        assert "were not written" not in bastion.log()
    finally:
        await lock.close()

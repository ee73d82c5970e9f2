"""A burst of /mcp requests: every audit entry and every use they leave behind reaches the database.

In-process (httpx2 over ASGI), 32 requests in flight at once, through a batch writer with a small queue
so that requests keep waiting for room and batches keep being cut short: the accounting must hold then.
A thousand requests, not ten: on the shared 2-core machine ten thousand took over three minutes per
database (tests/governance/test_batch_writer.py bursts 10,000 requests' worth at the writer itself).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx2
import pytest
from sqlalchemy import func, select

from bastion.governance.batch_writer import BatchWriter
from bastion.store.models import AuditEvent, Connection
from tests.conftest import PUBLIC_URL
from tests.factories import make_api_key
from tests.mcp.helpers import MODERN_VERSION, STREAMABLE_HEADERS, bearer, make_member

REQUESTS = 1_000
IN_FLIGHT = 32
KEYS = 4
# One request in 25 a whoami call (an entry and a use), one in 5 an event-stream GET (the gate admits it,
# a use, before the SDK answers 405 in the stateless era), the rest refused for an unknown key (an entry):
# mostly the cheap kinds, so that the burst fits in seconds.
CALL, REFUSED, STREAM = "call", "refused", "stream"


def kind_of(n: int) -> str:
    return CALL if n % 25 == 0 else STREAM if n % 5 == 1 else REFUSED


def whoami_call(n: int) -> dict[str, Any]:
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "burst", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    return {
        "jsonrpc": "2.0",
        "id": n,
        "method": "tools/call",
        "params": {"name": "whoami", "arguments": {}, "_meta": meta},
    }


MODERN_HEADERS = {**STREAMABLE_HEADERS, "MCP-Protocol-Version": MODERN_VERSION}


@pytest.fixture(autouse=True)
def small_queue(services) -> None:
    """Set before the app starts (autouse fixtures come first): a queue of 16, batches of at most 8."""
    services.batch_writer = BatchWriter(services.transaction, batch_rows=8, capacity=16)


async def send(http: httpx2.AsyncClient, n: int, key: str) -> None:
    kind = kind_of(n)
    if kind == STREAM:
        response = await http.get("/mcp", headers={**MODERN_HEADERS, **bearer(key)})
        assert response.status_code == 405, response.text
        return
    token = key if kind == CALL else "bst_ak_unknown"
    headers = {**MODERN_HEADERS, **bearer(token), "Mcp-Method": "tools/call", "Mcp-Name": "whoami"}
    response = await http.post("/mcp", json=whoami_call(n), headers=headers)
    assert response.status_code == (200 if kind == CALL else 401), response.text
    if kind == CALL:
        assert "error" not in response.json()


async def test_nothing_is_lost_under_a_burst_of_requests(app, services, clock):
    keys = [await make_api_key(services, await make_member(services, login=f"burst{i}")) for i in range(KEYS)]
    slots = asyncio.Semaphore(IN_FLIGHT)
    uses: Counter[int] = Counter()

    async def one(http: httpx2.AsyncClient, n: int) -> None:
        issued = keys[n % KEYS]
        async with slots:
            await send(http, n, issued.secret)
        if kind_of(n) != REFUSED:
            uses[issued.connection.id] += 1

    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        await asyncio.gather(*(one(http, n) for n in range(REQUESTS)))
    await services.batch_writer.flush()

    async with services.transaction() as session:
        events = dict((await session.execute(select(AuditEvent.event, func.count()).group_by(AuditEvent.event))).all())
        rows = (await session.execute(select(Connection.id, Connection.request_count, Connection.last_used_at))).all()
    expected = Counter(kind_of(n) for n in range(REQUESTS))
    assert events.get("tool.called") == expected[CALL]
    assert events.get("mcp.rejected") == expected[REFUSED]
    assert {row.id: row.request_count for row in rows} == dict(uses)
    assert all(row.last_used_at == clock() for row in rows)
    writer = services.batch_writer
    assert (writer.depth, writer.rows_failed) == (0, 0)
    # Uses of one connection within a batch were folded into one row: fewer rows than entries plus uses.
    assert expected[CALL] + expected[REFUSED] < writer.rows_written < REQUESTS + expected[CALL]

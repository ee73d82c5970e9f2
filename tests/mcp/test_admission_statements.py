"""The statements an authenticated tools/call's admission sends, pinned by an SQL trace (engine events), so the
one joined read of credential, connection, user and change counter cannot quietly grow back into several; the
connection's use is handed to the batch writer, not written on the request path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from bastion.mcp.endpoint import McpEndpoint
from bastion.services import Services
from bastion.store.models import Connection
from bastion.tools.registry import ToolRegistry
from tests.factories import make_api_key, make_oauth_client
from tests.mcp.helpers import initialize_request, make_access_token, make_member, post_mcp, tool_call_request
from tests.token_flows import put_setting


@pytest.fixture
async def writing(services: Services) -> AsyncIterator[Services]:
    """The batch writer running, as in a served app."""
    services.batch_writer.start()
    try:
        yield services
    finally:
        await services.batch_writer.stop()


@contextmanager
def sql_trace(services: Services) -> Iterator[list[str]]:
    """The statements sent, ``BEGIN`` left out (SQLite's ``BEGIN IMMEDIATE`` is sent as one; asyncpg's is not)."""
    statements: list[str] = []

    def seen(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append(" ".join(statement.split()))

    event.listen(services.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", seen)


def assert_one_joined_read(statements: list[str], credential_table: str) -> None:
    assert len(statements) == 1, statements
    [read] = statements
    assert read.startswith("SELECT") and f"FROM {credential_table}" in read, read
    for joined in ("JOIN users", "change_counter"):
        assert joined in read, read
    assert "server_settings" not in read


async def uses_written(services: Services, connection_id: int) -> int:
    await services.batch_writer.flush()
    async with services.transaction() as session:
        return (await session.scalar(select(Connection.request_count).where(Connection.id == connection_id))) or 0


async def test_an_access_token_tools_call_is_admitted_with_one_read_and_its_use_queued(writing, registry):
    services = writing
    alice = await make_member(services)
    token = await make_access_token(services, (await make_oauth_client(services, owner=alice)).connection, alice)
    gate = McpEndpoint(services, registry).gate
    await gate.admit(token, ["whoami"])  # the first request of a process reads the settings once

    await services.batch_writer.flush()  # the earlier uses written: the trace sees the admission alone
    with sql_trace(services) as statements:
        admitted, _ = await gate.admit(token, ["whoami"])
    assert admitted.principal.user.login == "alice"
    assert_one_joined_read(statements, "tokens")
    assert "JOIN connections" in statements[0]
    assert await uses_written(services, admitted.principal.connection.id) == 2


async def test_an_api_key_tools_call_is_admitted_with_one_read_and_its_use_queued(writing, registry):
    services = writing
    key = (await make_api_key(services, await make_member(services))).secret
    gate = McpEndpoint(services, registry).gate
    await gate.admit(key, ["whoami"])

    await services.batch_writer.flush()  # the earlier uses written: the trace sees the admission alone
    with sql_trace(services) as statements:
        admitted, _ = await gate.admit(key, ["whoami"])
    assert_one_joined_read(statements, "connections")
    assert await uses_written(services, admitted.principal.connection.id) == 2


async def test_after_a_settings_change_one_admission_reads_the_settings_again_and_the_next_does_not(
    writing, registry: ToolRegistry
):
    services = writing
    key = (await make_api_key(services, await make_member(services))).secret
    gate = McpEndpoint(services, registry).gate
    await gate.admit(key, ["whoami"])
    await put_setting(services, "log_payloads", True)

    await services.batch_writer.flush()  # the earlier uses written: the trace sees the admission alone
    with sql_trace(services) as statements:
        await gate.admit(key, ["whoami"])
    assert len(statements) == 2, statements
    assert "FROM server_settings" in statements[1]

    await services.batch_writer.flush()  # the earlier uses written: the trace sees the admission alone
    with sql_trace(services) as statements:
        await gate.admit(key, ["whoami"])
    assert len(statements) == 1, statements


async def test_tools_calls_read_the_stored_settings_once_until_they_change(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    opened = await post_mcp(client, initialize_request(), token=key)
    headers = {"Mcp-Session-Id": opened.headers["mcp-session-id"], "MCP-Protocol-Version": "2025-11-25"}
    loads = services.settings_cache.loads
    for request_id in range(2, 6):
        answered = await post_mcp(client, tool_call_request("whoami", {}, request_id), token=key, headers=headers)
        assert answered.status_code == 200, answered.text
    # Neither admission nor the tool.called audit entry (log_payloads) read them again.
    assert services.settings_cache.loads == loads

"""The statements an authenticated tools/call's admission sends, pinned by an SQL trace (engine events), so the
one joined read of credential, connection, user and change counter cannot quietly grow back into several."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from bastion.mcp.endpoint import McpEndpoint
from bastion.services import Services
from bastion.tools.registry import ToolRegistry
from tests.factories import make_api_key, make_oauth_client
from tests.mcp.helpers import initialize_request, make_access_token, make_member, post_mcp, tool_call_request
from tests.token_flows import put_setting


@contextmanager
def sql_trace(services: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(services.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", seen)


def assert_one_joined_read_then_the_use(statements: list[str], credential_table: str) -> None:
    assert len(statements) == 2, statements
    read, use = statements
    assert read.startswith("SELECT") and f"FROM {credential_table}" in read, read
    for joined in ("JOIN users", "change_counter"):
        assert joined in read, read
    assert "server_settings" not in read
    assert use.startswith("UPDATE connections"), use


async def test_an_access_token_tools_call_is_admitted_with_one_read_and_the_usage_update(services, registry):
    alice = await make_member(services)
    token = await make_access_token(services, (await make_oauth_client(services, owner=alice)).connection, alice)
    gate = McpEndpoint(services, registry).gate
    await gate.admit(token, ["whoami"])  # the first request of a process reads the settings once

    with sql_trace(services) as statements:
        admitted, _ = await gate.admit(token, ["whoami"])
    assert admitted.principal.user.login == "alice"
    assert_one_joined_read_then_the_use(statements, "tokens")
    assert "JOIN connections" in statements[0]


async def test_an_api_key_tools_call_is_admitted_with_one_read_and_the_usage_update(services, registry):
    key = (await make_api_key(services, await make_member(services))).secret
    gate = McpEndpoint(services, registry).gate
    await gate.admit(key, ["whoami"])

    with sql_trace(services) as statements:
        await gate.admit(key, ["whoami"])
    assert_one_joined_read_then_the_use(statements, "connections")


async def test_after_a_settings_change_one_admission_reads_the_settings_again_and_the_next_does_not(
    services, registry: ToolRegistry
):
    key = (await make_api_key(services, await make_member(services))).secret
    gate = McpEndpoint(services, registry).gate
    await gate.admit(key, ["whoami"])
    await put_setting(services, "log_payloads", True)

    with sql_trace(services) as statements:
        await gate.admit(key, ["whoami"])
    assert len(statements) == 3, statements
    assert "FROM server_settings" in statements[1]

    with sql_trace(services) as statements:
        await gate.admit(key, ["whoami"])
    assert len(statements) == 2, statements


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

"""Open /mcp streams and sessions end when their credential stops being accepted (issue 7 defect 8), in-process.

The watcher polls the change counter; these tests make the change through the same functions the CLI and
the console call, then wait (generously) for the open request to end. tests/e2e/test_open_streams.py does
the same against real server processes, with the real CLI.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest

from bastion import accounts, connections
from bastion.store.models import User
from bastion.tools.registry import RiskLevel, ToolCategory, ToolHints, ToolRegistry, ToolSpec
from bastion.tools.whoami import WHOAMI
from tests.factories import make_api_key
from tests.mcp.helpers import (
    LEGACY_VERSION,
    SET_NOTE,
    initialize_request,
    make_member,
    post_mcp,
    sse_messages,
    tool_call_request,
)
from tests.token_flows import put_setting

# Far above the one second the watcher needs (it polls every half second); a stream still open then is a failure.
ENDS_WITHIN_SECONDS = 10.0


class Waiting:
    """A test-only tool that waits until cancelled, so a POST answered as a stream stays open."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = False

    async def handler(self, _ctx: Any, _arguments: dict[str, Any]) -> dict[str, Any]:
        self.started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return {}


@pytest.fixture
def waiting() -> Waiting:
    return Waiting()


@pytest.fixture
def registry(waiting: Waiting) -> ToolRegistry:
    wait = ToolSpec(
        name="wait",
        title="Wait",
        description="Waits until cancelled (test-only).",
        category=ToolCategory.READ,
        risk=RiskLevel.LOW,
        required_scope="mcp:read",
        hints=ToolHints(read_only=True, destructive=False, idempotent=True),
        input_schema={"type": "object", "properties": {}, "additionalProperties": False},
        output_schema=None,
        handler=waiting.handler,
    )
    return ToolRegistry([WHOAMI, SET_NOTE, wait])


async def open_session(client: httpx2.AsyncClient, key: str) -> dict[str, str]:
    opened = await post_mcp(client, initialize_request(), token=key)
    assert opened.status_code == 200, opened.text
    headers = {"Mcp-Session-Id": opened.headers["mcp-session-id"], "MCP-Protocol-Version": LEGACY_VERSION}
    initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert (await post_mcp(client, initialized, token=key, headers=headers)).status_code == 202
    return headers


def open_event_stream(client: httpx2.AsyncClient, key: str, headers: dict[str, str]) -> asyncio.Task[httpx2.Response]:
    """The session's GET stream; the in-process transport answers once the stream has ended."""
    sent = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream", **headers}
    return asyncio.create_task(client.get("/mcp", headers=sent))


async def still_open(stream: asyncio.Task[httpx2.Response], seconds: float = 1.5) -> bool:
    done, _ = await asyncio.wait({stream}, timeout=seconds)
    return not done


async def a_member_with_a_key(services, login: str = "alice") -> tuple[User, str, int]:
    user = await make_member(services, login)
    issued = await make_api_key(services, user)
    assert issued.secret is not None
    return user, issued.secret, issued.connection.id


async def test_revoking_a_connection_ends_its_event_stream_and_its_session(client, services):
    _, key, connection_id = await a_member_with_a_key(services)
    headers = await open_session(client, key)
    stream = open_event_stream(client, key, headers)
    assert await still_open(stream)

    async with services.transaction() as session:
        connection = await connections.get_connection(session, connection_id)
        await connections.revoke_connection(session, services.clock(), connection)

    ended = await asyncio.wait_for(stream, ENDS_WITHIN_SECONDS)
    assert ended.status_code == 200
    async with services.transaction() as session:
        connection = await connections.get_connection(session, connection_id)
        await connections.reactivate_connection(session, services.clock(), connection)
    # The key works again, but the session it had is gone: the client must initialize a new one.
    again = await post_mcp(client, tool_call_request("whoami", {}), token=key, headers=headers)
    assert again.status_code == 404, again.text


async def test_deactivating_a_user_cancels_a_tool_call_answered_as_a_stream_and_closes_the_response(
    client, services, waiting
):
    user, key, _ = await a_member_with_a_key(services)
    headers = await open_session(client, key)
    call = asyncio.create_task(post_mcp(client, tool_call_request("wait", {}), token=key, headers=headers))
    await asyncio.wait_for(waiting.started.wait(), ENDS_WITHIN_SECONDS)

    async with services.transaction() as session:
        await accounts.deactivate_user(session, services.clock(), await session.get(User, user.id), actor_id=None)

    answered = await asyncio.wait_for(call, ENDS_WITHIN_SECONDS)
    assert waiting.cancelled
    assert not any("result" in message for message in sse_messages(answered)), answered.text


async def test_switching_mcp_off_ends_every_event_stream(client, services):
    _, key, _ = await a_member_with_a_key(services)
    _, other_key, _ = await a_member_with_a_key(services, "bob")
    streams = [open_event_stream(client, k, await open_session(client, k)) for k in (key, other_key)]
    assert await still_open(streams[0])

    await put_setting(services, "mcp_enabled", False)

    for stream in streams:
        assert (await asyncio.wait_for(stream, ENDS_WITHIN_SECONDS)).status_code == 200


async def test_a_change_that_leaves_a_credential_good_leaves_its_stream_open(client, services):
    _, key, _ = await a_member_with_a_key(services)
    _, _, other_connection = await a_member_with_a_key(services, "bob")
    stream = open_event_stream(client, key, await open_session(client, key))
    assert await still_open(stream)

    async with services.transaction() as session:
        connection = await connections.get_connection(session, other_connection)
        await connections.revoke_connection(session, services.clock(), connection)
    await put_setting(services, "log_payloads", True)

    assert await still_open(stream, seconds=2.0)
    stream.cancel()


async def test_rotating_an_api_key_ends_the_stream_opened_with_the_old_key(client, services):
    _, key, connection_id = await a_member_with_a_key(services)
    stream = open_event_stream(client, key, await open_session(client, key))
    assert await still_open(stream)

    async with services.transaction() as session:
        connection = await connections.get_connection(session, connection_id)
        await connections.rotate_credential(session, services.clock(), connection)

    assert (await asyncio.wait_for(stream, ENDS_WITHIN_SECONDS)).status_code == 200

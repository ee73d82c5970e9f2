"""/mcp end to end with the official SDK client in both protocol eras, and the SDK's session rules.

The SDK client runs in-process over ``httpx2.ASGITransport``: the SSE stream answering each POST
completes, so no real server is needed (the standalone GET stream simply stays open until the
session ends).
"""

from __future__ import annotations

import pytest

from tests.factories import make_api_key
from tests.mcp.helpers import (
    LEGACY_VERSION,
    MODERN_VERSION,
    STREAMABLE_HEADERS,
    bearer,
    initialize_request,
    make_member,
    post_mcp,
    sdk_client,
    sse_messages,
)

ERAS = [("legacy", LEGACY_VERSION), ("auto", MODERN_VERSION)]


async def open_session(client, token: str) -> str:
    response = await post_mcp(client, initialize_request(), token=token)
    assert response.status_code == 200
    return response.headers["mcp-session-id"]


def session_request(session_id: str, token: str, **extra: str) -> dict[str, str]:
    return {**STREAMABLE_HEADERS, **bearer(token), "Mcp-Session-Id": session_id, **extra}


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_the_sdk_client_lists_and_calls_tools_in_both_protocol_eras(app, services, mode, version):
    key = (await make_api_key(services, await make_member(services))).secret
    async with sdk_client(app, key, mode) as mcp:
        listed = await mcp.list_tools()
        assert "whoami" in [tool.name for tool in listed.tools]
        result = await mcp.call_tool("whoami", {})
    assert result.is_error is False
    assert result.structured_content["protocol"]["version"] == version


async def test_mcp_with_a_trailing_slash_answers_directly_without_a_redirect(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    response = await post_mcp(client, initialize_request(), token=key, path="/mcp/")
    assert response.status_code == 200
    assert sse_messages(response)[0]["result"]["protocolVersion"] == LEGACY_VERSION


async def test_a_session_is_refused_as_unknown_to_another_credential(client, services):
    alice = await make_member(services)
    key_a = (await make_api_key(services, alice, name="Key A")).secret
    key_b = (await make_api_key(services, alice, name="Key B")).secret
    session_id = await open_session(client, key_a)
    ping = {"jsonrpc": "2.0", "id": 7, "method": "ping"}

    hijack = await client.post("/mcp", json=ping, headers=session_request(session_id, key_b))
    assert hijack.status_code == 404
    assert hijack.json()["error"]["message"] == "Session not found"

    owner = await client.post("/mcp", json=ping, headers=session_request(session_id, key_a))
    assert owner.status_code == 200
    assert sse_messages(owner)[0] == {"jsonrpc": "2.0", "id": 7, "result": {}}


async def test_a_legacy_request_without_a_session_id_is_a_bad_request(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    await open_session(client, key)
    response = await post_mcp(client, {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, token=key)
    assert response.status_code == 400
    assert "Missing session ID" in response.json()["error"]["message"]


async def test_an_unknown_session_id_is_not_found(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    response = await client.post(
        "/mcp", json={"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, headers=session_request("f" * 32, key)
    )
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Session not found"


async def test_a_session_ended_with_delete_is_gone(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    session_id = await open_session(client, key)
    ended = await client.delete("/mcp", headers=session_request(session_id, key))
    assert ended.status_code == 200
    ping = {"jsonrpc": "2.0", "id": 4, "method": "ping"}
    again = await client.post("/mcp", json=ping, headers=session_request(session_id, key))
    assert again.status_code == 404

"""What /mcp lets through and what it refuses, over HTTP: challenges, master switch, step-up, use and audit."""

from __future__ import annotations

import pytest
from mcp_types import INVALID_REQUEST

from bastion import connections, credentials
from bastion.mcp.errors import UnsupportedProtocolVersion
from bastion.mcp.gate import called_tools, check_protocol_version, decode_body
from bastion.server_settings import SWITCHED_OFF_MESSAGE
from bastion.store.models import Connection, User
from bastion.store.repositories import StoredSettings, Tokens, Users
from tests.factories import make_api_key, make_oauth_client
from tests.mcp.helpers import (
    LEGACY_VERSION,
    MODERN_VERSION,
    STREAMABLE_HEADERS,
    audit_events,
    initialize_request,
    make_access_token,
    make_member,
    post_mcp,
    sse_messages,
    tool_call_request,
)

RESOURCE_METADATA = 'resource_metadata="http://testserver/.well-known/oauth-protected-resource/mcp"'


async def oauth_token(services, **kwargs) -> str:
    alice = await make_member(services)
    issued = await make_oauth_client(services, owner=alice)
    return await make_access_token(services, issued.connection, alice, **kwargs)


def assert_accepted(response) -> None:
    assert response.status_code == 200, response.text
    assert sse_messages(response)[0]["result"]["serverInfo"]["name"] == "bastion"


def assert_invalid_token(response, description: str) -> None:
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert RESOURCE_METADATA in challenge
    assert 'scope="mcp:read mcp:write"' in challenge
    assert 'error="invalid_token"' in challenge
    assert response.json()["error"] == "invalid_token"
    assert description in response.json()["error_description"]
    assert description in challenge


async def test_a_request_without_a_credential_gets_a_challenge_without_an_error_code(client):
    response = await post_mcp(client, initialize_request())
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge == f'Bearer {RESOURCE_METADATA}, scope="mcp:read mcp:write"'
    assert "error" not in response.json()
    assert "needs a bearer credential" in response.json()["error_description"]


async def test_an_unknown_token_is_refused_as_invalid(client):
    response = await post_mcp(client, initialize_request(), token="bst_at_made-up")
    assert_invalid_token(response, "not known to this server")


async def test_an_authorization_header_of_another_scheme_is_refused_as_invalid(client):
    response = await post_mcp(client, initialize_request(), headers={"Authorization": "Basic YWxpY2U6cHc="})
    assert_invalid_token(response, "must be 'Bearer <token>'")


async def test_a_refresh_token_is_refused_with_a_hint_to_exchange_it(client):
    response = await post_mcp(client, initialize_request(), token="bst_rt_whatever")
    assert_invalid_token(response, "This is a refresh token")


async def test_a_valid_access_token_is_accepted(client, services):
    token = await oauth_token(services)
    assert_accepted(await post_mcp(client, initialize_request(), token=token))


async def test_an_expired_access_token_is_refused(client, services, clock):
    token = await oauth_token(services, lifetime=60)
    assert_accepted(await post_mcp(client, initialize_request(), token=token))
    clock.advance(60)
    assert_invalid_token(await post_mcp(client, initialize_request(), token=token), "has expired")


async def test_a_revoked_access_token_is_refused(client, services):
    token = await oauth_token(services)
    async with services.transaction() as session:
        stored = await Tokens(session).by_digest(credentials.digest(token))
        await Tokens(session).revoke(stored.id, services.clock())
    assert_invalid_token(await post_mcp(client, initialize_request(), token=token), "has been revoked")


async def test_a_token_issued_for_another_resource_is_refused(client, services):
    token = await oauth_token(services, resource="https://other.example.com/mcp")
    response = await post_mcp(client, initialize_request(), token=token)
    assert_invalid_token(response, "issued for another resource (https://other.example.com/mcp)")
    assert "resource=http://testserver/mcp" in response.json()["error_description"]


async def test_a_token_of_a_revoked_connection_is_refused(client, services):
    alice = await make_member(services)
    issued = await make_oauth_client(services, owner=alice)
    token = await make_access_token(services, issued.connection, alice)
    async with services.transaction() as session:
        connection = await session.get(Connection, issued.connection.id)
        connection.revoked_at = services.clock()  # revoked, tokens left alive: the connection check alone refuses

    response = await post_mcp(client, initialize_request(), token=token)

    # Not the access token's own "has been revoked": the refusal names the connection, and says what to ask for.
    assert_invalid_token(response, "The connection this credential belongs to has been revoked")
    assert "Ask your administrator to reactivate it" in response.json()["error_description"]
    [rejected] = await audit_events(services, "mcp.rejected")
    assert rejected.detail["reason"] == "connection_revoked"


async def test_a_token_of_a_deactivated_user_is_refused(client, services):
    token = await oauth_token(services)
    async with services.transaction() as session:
        (await Users(session).by_login("alice")).active = False
    assert_invalid_token(await post_mcp(client, initialize_request(), token=token), "is deactivated")


async def test_an_api_key_is_accepted(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    assert_accepted(await post_mcp(client, initialize_request(), token=key))


async def test_an_api_key_stops_working_the_moment_it_is_rotated(client, services):
    issued = await make_api_key(services, await make_member(services))
    async with services.transaction() as session:
        connection = await session.get(Connection, issued.connection.id)
        new_key = await connections.rotate_credential(session, services.clock(), connection)
    assert_invalid_token(await post_mcp(client, initialize_request(), token=issued.secret), "it was rotated")
    assert_accepted(await post_mcp(client, initialize_request(), token=new_key))


async def test_an_api_key_of_a_revoked_connection_is_refused(client, services):
    issued = await make_api_key(services, await make_member(services))
    async with services.transaction() as session:
        connection = await session.get(Connection, issued.connection.id)
        await connections.revoke_connection(session, services.clock(), connection)
    response = await post_mcp(client, initialize_request(), token=issued.secret)
    assert_invalid_token(response, "connection this credential belongs to has been revoked")


async def test_an_api_key_of_a_deactivated_user_is_refused(client, services):
    alice = await make_member(services)
    issued = await make_api_key(services, alice)
    async with services.transaction() as session:
        (await session.get(User, alice.id)).active = False
    assert_invalid_token(await post_mcp(client, initialize_request(), token=issued.secret), "is deactivated")


async def test_the_master_switch_refuses_every_request_with_a_sentence_saying_why(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    async with services.transaction() as session:
        await StoredSettings(session).put("mcp_enabled", False, services.clock())
    response = await post_mcp(client, initialize_request(), token=key)
    assert response.status_code == 503
    body = response.json()
    assert body["jsonrpc"] == "2.0"
    # JSON-RPC 2.0 §5: the refusal answers the request it refuses, by its id.
    assert body["id"] == initialize_request()["id"]
    assert body["error"]["message"] == SWITCHED_OFF_MESSAGE
    assert "switched off by an administrator" in body["error"]["message"]
    get_stream = await client.get("/mcp", headers={"Authorization": f"Bearer {key}", "Accept": "text/event-stream"})
    assert get_stream.status_code == 503

    async with services.transaction() as session:
        await StoredSettings(session).put("mcp_enabled", True, services.clock())
    assert_accepted(await post_mcp(client, initialize_request(), token=key))


async def test_a_read_only_credential_calling_a_write_tool_gets_a_403_naming_every_scope_needed(client, services):
    key = (await make_api_key(services, await make_member(services), read_only=True)).secret
    response = await post_mcp(client, tool_call_request("set_note", {"text": "hi"}), token=key)
    assert response.status_code == 403
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="mcp:read mcp:write"' in challenge
    assert RESOURCE_METADATA in challenge
    assert response.json()["error"] == "insufficient_scope"
    assert "needs the scope mcp:write" in response.json()["error_description"]
    [rejected] = await audit_events(services, "mcp.rejected")
    assert rejected.detail["reason"] == "insufficient_scope"
    assert rejected.detail["needed_scope"] == "mcp:read mcp:write"


async def test_a_read_only_oauth_token_is_stepped_up_for_a_write_tool_too(client, services):
    token = await oauth_token(services, scopes="mcp:read")
    response = await post_mcp(client, tool_call_request("set_note", {"text": "hi"}), token=token)
    assert response.status_code == 403
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="mcp:read mcp:write"' in challenge
    assert response.json()["error"] == "insufficient_scope"
    description = response.json()["error_description"]
    assert "The tool set_note needs the scope mcp:write, but this credential has only mcp:read" in description
    assert "Sign in again granting mcp:read mcp:write" in description


async def test_an_unsupported_protocol_version_header_is_answered_400_naming_the_supported_ones(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    for method in ("POST", "GET", "DELETE"):
        response = await client.request(
            method,
            "/mcp",
            content=b'{"jsonrpc":"2.0","id":"probe-7","method":"server/discover"}' if method == "POST" else None,
            headers={"Authorization": f"Bearer {key}", "MCP-Protocol-Version": "1999-01-01"},
        )
        assert response.status_code == 400, method
        body = response.json()
        # JSON-RPC 2.0 §5: the id of the request refused (null where there was no request body to read it from).
        assert body["id"] == ("probe-7" if method == "POST" else None)
        error = body["error"]
        assert error["code"] == -32022
        assert "MCP-Protocol-Version '1999-01-01' is not supported" in error["message"]
        assert "leave the header out and start with initialize" in error["message"]
        # 2026-07-28 UnsupportedProtocolVersionError: the versions to retry with in _meta, and the one asked for.
        assert error["data"] == {"supported": [MODERN_VERSION], "requested": "1999-01-01"}


async def test_the_versions_an_unsupported_version_refusal_names_are_those_server_discover_announces(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    discover = {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": meta}}
    headers = {"MCP-Protocol-Version": MODERN_VERSION, "Mcp-Method": "server/discover"}
    announced = (await post_mcp(client, discover, token=key, headers=headers)).json()["result"]["supportedVersions"]
    refused = await post_mcp(client, discover, token=key, headers={**headers, "MCP-Protocol-Version": "v999.0.0"})
    assert refused.status_code == 400
    assert refused.json()["id"] == 1
    assert refused.json()["error"]["data"]["supported"] == announced


async def test_a_refusal_of_a_body_that_is_not_one_json_rpc_request_answers_with_a_null_id(client, services):
    key = (await make_api_key(services, await make_member(services))).secret
    async with services.transaction() as session:
        await StoredSettings(session).put("mcp_enabled", False, services.clock())
    for content in (b"{not json", b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]', b'{"jsonrpc":"2.0","id":true}'):
        response = await client.post(
            "/mcp", content=content, headers={**STREAMABLE_HEADERS, "Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 503
        assert response.json()["id"] is None


def test_the_protocol_version_rule_accepts_both_eras_and_an_absent_header():
    for version in (None, "2025-06-18", LEGACY_VERSION, "2026-07-28"):
        check_protocol_version(version)
    with pytest.raises(UnsupportedProtocolVersion, match="not supported"):
        check_protocol_version("2026-13-01")


def test_called_tools_are_read_from_single_and_batched_bodies_and_malformed_ones_are_left_to_the_sdk():
    def called(body: bytes) -> list[str]:
        return called_tools(decode_body(body))

    assert called(b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}}') == ["a"]
    assert called(b'[{"method":"tools/call","params":{"name":"a"}},{"method":"tools/list"}]') == ["a"]
    assert called(b"{not json") == []
    assert called(b'{"method":"tools/call","params":{"name":7}}') == []


async def test_every_admitted_request_records_use_so_the_connection_shows_as_connected(client, services, clock):
    issued = await make_api_key(services, await make_member(services))
    assert issued.connection.last_used_at is None
    clock.advance(5)
    await post_mcp(client, initialize_request(), token=issued.secret)
    await post_mcp(client, initialize_request(), token=issued.secret)
    await services.batch_writer.flush()
    async with services.transaction() as session:
        connection = await session.get(Connection, issued.connection.id)
    assert connection.request_count == 2
    assert connection.last_used_at == clock()


async def test_a_refused_request_records_no_use_but_an_audit_entry_with_the_reason(client, services, clock):
    alice = await make_member(services)
    issued = await make_oauth_client(services, owner=alice)
    token = await make_access_token(services, issued.connection, alice, lifetime=60)
    clock.advance(61)
    await post_mcp(client, initialize_request(), token=token)
    await services.batch_writer.flush()
    async with services.transaction() as session:
        connection = await session.get(Connection, issued.connection.id)
    assert connection.request_count == 0
    [rejected] = await audit_events(services, "mcp.rejected")
    assert rejected.connection_id == issued.connection.id
    assert rejected.user_id == alice.id
    assert rejected.detail["reason"] == "expired_token"
    assert rejected.detail["status"] == 401
    assert rejected.client_ip == "127.0.0.1"


async def test_a_request_without_any_credential_is_not_audited(client, services):
    await post_mcp(client, initialize_request())
    assert await audit_events(services, "mcp.rejected") == []


async def test_a_body_larger_than_the_limit_is_refused_before_the_credential_is_checked(client, services, monkeypatch):
    monkeypatch.setattr("bastion.mcp.gate.DEFAULT_MAX_REQUEST_BODY_SIZE", 1000)

    # An unknown token would be a 401 (and an audit entry) had the credential been looked at first.
    response = await post_mcp(client, tool_call_request("set_note", {"text": "x" * 2000}), token="bst_at_unknown")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == INVALID_REQUEST
    assert response.json()["error"]["message"] == ("The request body is larger than 1000 bytes; send smaller requests.")
    assert await audit_events(services, "mcp.rejected") == []


async def test_a_failure_while_checking_the_credential_is_a_json_500_not_a_bare_one(client, services, monkeypatch):
    async def broken(*_args):
        raise OSError("database unreachable")

    monkeypatch.setattr("bastion.mcp.gate.authenticate_bearer", broken)
    response = await post_mcp(client, initialize_request(), token="bst_at_x")
    assert response.status_code == 500
    assert "could not check this request's credential" in response.json()["error"]["message"]
    assert "unreachable" not in response.text


async def test_a_refusal_is_still_answered_when_its_audit_entry_cannot_be_written(client, services, monkeypatch):
    async def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services.batch_writer, "audit", broken)
    response = await post_mcp(client, initialize_request(), token="bst_at_unknown")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"

"""``whoami`` tells the caller who it is to Bastion, through the real /mcp endpoint in both protocol eras."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from bastion.tools.whoami import OUTPUT_SCHEMA, WHOAMI
from tests.factories import make_api_key, make_oauth_client
from tests.mcp.helpers import LEGACY_VERSION, MODERN_VERSION, make_access_token, make_member, sdk_client

ERAS = [("legacy", LEGACY_VERSION, "handshake"), ("auto", MODERN_VERSION, "modern")]


@pytest.mark.parametrize(("mode", "version", "era"), ERAS)
async def test_whoami_over_an_api_key_names_the_user_the_connection_and_the_protocol(app, services, mode, version, era):
    alice = await make_member(services, admin=True)
    issued = await make_api_key(services, alice, name="Cursor on my laptop", read_only=True)
    async with sdk_client(app, issued.secret, mode) as mcp:
        result = await mcp.call_tool("whoami", {})
    assert result.is_error is False
    assert result.structured_content == {
        "user": {"login": "alice", "name": "alice", "admin": True},
        "connection": {"id": issued.connection.id, "name": "Cursor on my laptop", "type": "api_key"},
        "client": {"client_id": None, "dynamic": False},
        "scopes": ["mcp:read"],
        "credential": {"kind": "api_key", "expires_at": None},
        "protocol": {"version": version, "era": era},
        "resource": "http://testserver/mcp",
    }
    Draft202012Validator(OUTPUT_SCHEMA).validate(result.structured_content)


async def test_whoami_over_oauth_names_the_client_and_when_the_token_expires(app, services, clock):
    bob = await make_member(services, "bob")
    issued = await make_oauth_client(services, owner=bob, name="Acme CRM")
    token = await make_access_token(services, issued.connection, bob, lifetime=3600)
    async with sdk_client(app, token, "legacy") as mcp:
        result = await mcp.call_tool("whoami", {})
    me = result.structured_content
    assert me["client"] == {"client_id": issued.connection.client_id, "dynamic": False}
    assert me["credential"] == {"kind": "oauth", "expires_at": "2026-01-01T01:00:00+00:00"}
    assert me["scopes"] == ["mcp:read", "mcp:write"]
    assert me["connection"]["type"] == "oauth"
    Draft202012Validator(OUTPUT_SCHEMA).validate(me)


async def test_whoami_takes_no_arguments_and_says_so(app, services):
    key = (await make_api_key(services, await make_member(services))).secret
    async with sdk_client(app, key, "legacy") as mcp:
        result = await mcp.call_tool("whoami", {"login": "root"})
    assert result.is_error is True
    assert "Additional properties are not allowed ('login' was unexpected)" in result.content[0].text


def test_whoami_is_a_read_only_session_tool_any_credential_may_call():
    assert (WHOAMI.category, WHOAMI.required_scope, WHOAMI.hints.read_only) == ("session", "mcp:read", True)

"""Tool listing and dispatch: per-principal lists, argument validation, unknown tools, and the tool.called audit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from mcp.shared.exceptions import MCPError

from bastion.mcp.server import AUDIT_TEXT_LIMIT, audit_payload, build_server, run_tool, server_port, to_mcp_tool
from bastion.store.repositories import StoredSettings
from bastion.tools.context import ConnectionSummary, Principal, ToolContext, UserSummary
from bastion.tools.registry import ToolError
from mcp import Client
from tests.factories import make_api_key, make_oauth_client
from tests.mcp.helpers import SET_NOTE, audit_events, make_access_token, make_member, sdk_client

MODES = ["legacy", "auto"]


def principal(scopes: tuple[str, ...]) -> Principal:
    return Principal(
        kind="api_key",
        connection=ConnectionSummary(id=1, name="Key", type="api_key", client_id=None, is_dynamic=False),
        user=UserSummary(id=1, login="alice", name="Alice", is_admin=False),
        scopes=scopes,
        expires_at=None,
        resource="http://testserver/mcp",
    )


async def api_key(services, *, read_only: bool = False) -> str:
    return (await make_api_key(services, await make_member(services), read_only=read_only)).secret


@pytest.mark.parametrize("mode", MODES)
async def test_a_read_only_credential_is_listed_only_the_tools_it_may_call(app, services, mode):
    async with sdk_client(app, await api_key(services, read_only=True), mode) as mcp:
        names = [tool.name for tool in (await mcp.list_tools()).tools]
    assert names == ["whoami"]


@pytest.mark.parametrize("mode", MODES)
async def test_a_full_credential_is_listed_the_write_tools_too_with_their_annotations(app, services, mode):
    async with sdk_client(app, await api_key(services), mode) as mcp:
        tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
    assert sorted(tools) == ["set_note", "whoami"]
    assert tools["set_note"].annotations.read_only_hint is False
    assert tools["whoami"].annotations.read_only_hint is True
    assert tools["set_note"].input_schema["required"] == ["text"]


@pytest.mark.parametrize("mode", MODES)
async def test_arguments_that_break_the_input_schema_give_an_error_result_saying_what_to_fix(app, services, mode):
    async with sdk_client(app, await api_key(services), mode) as mcp:
        missing = await mcp.call_tool("set_note", {})
        wrong_type = await mcp.call_tool("set_note", {"text": 42})
    assert missing.is_error is True
    assert "input schema of 'set_note'" in missing.content[0].text
    assert "'text' is a required property" in missing.content[0].text
    assert wrong_type.is_error is True
    assert "argument 'text': 42 is not of type 'string'" in wrong_type.content[0].text


@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_tool_is_a_protocol_error_listing_the_tools_there_are(app, services, mode):
    async with sdk_client(app, await api_key(services, read_only=True), mode) as mcp:
        with pytest.raises(MCPError) as refused:
            await mcp.call_tool("drop_database", {})
    assert refused.value.code == -32602
    assert "Unknown tool 'drop_database'. Tools available to this connection: whoami." in refused.value.message
    [called] = await audit_events(services, "tool.called")
    assert (called.detail["tool"], called.detail["outcome"]) == ("drop_database", "error")
    assert "Unknown tool 'drop_database'" in called.detail["error"]


@pytest.mark.parametrize("mode", MODES)
async def test_a_tool_result_carries_structured_content_and_the_same_as_text(app, services, mode):
    async with sdk_client(app, await api_key(services), mode) as mcp:
        result = await mcp.call_tool("set_note", {"text": "remember the milk"})
    assert result.is_error is False
    assert result.structured_content == {"saved": "remember the milk"}
    assert result.content[0].text == '{"saved": "remember the milk"}'


async def test_every_tool_call_is_audited_with_outcome_and_duration_but_no_payload_by_default(app, services):
    alice = await make_member(services)
    issued = await make_oauth_client(services, owner=alice)
    token = await make_access_token(services, issued.connection, alice)
    async with sdk_client(app, token, "legacy") as mcp:
        await mcp.call_tool("set_note", {"text": "secret"})
        await mcp.call_tool("set_note", {})
    ok, failed = await audit_events(services, "tool.called")
    assert (ok.connection_id, ok.user_id, ok.client_ip) == (issued.connection.id, alice.id, "127.0.0.1")
    assert ok.detail["tool"] == "set_note"
    assert ok.detail["outcome"] == "ok"
    assert isinstance(ok.detail["duration_ms"], int)
    assert "arguments" not in ok.detail and "result" not in ok.detail
    assert failed.detail["outcome"] == "error"
    assert "'text' is a required property" in failed.detail["error"]


async def test_payloads_are_audited_when_payload_logging_is_on(app, services):
    key = await api_key(services)
    async with services.transaction() as session:
        await StoredSettings(session).put("log_payloads", True, services.clock())
    async with sdk_client(app, key, "auto") as mcp:
        await mcp.call_tool("set_note", {"text": "secret"})
    [called] = await audit_events(services, "tool.called")
    assert called.detail["arguments"] == {"text": "secret"}
    assert called.detail["result"] == {"saved": "secret"}
    assert called.detail["protocol_version"] == "2026-07-28"


def tool_context(services, scopes: tuple[str, ...]) -> ToolContext:
    return ToolContext(principal(scopes), server_port(services), "2025-11-25")


async def test_the_dispatcher_itself_refuses_a_tool_the_credential_lacks_the_scope_for(services):
    outcome = await run_tool(SET_NOTE, tool_context(services, ("mcp:read",)), {"text": "hi"})
    assert outcome.result.is_error is True
    assert "needs the scope mcp:write" in outcome.error


async def test_a_tool_error_becomes_an_error_result_with_the_tools_own_sentence(services):
    async def refuse(_ctx, _arguments):
        raise ToolError("Model 'res.nope' does not exist; call list_models to see the models.")

    spec = replace(SET_NOTE, name="refuser", handler=refuse)
    outcome = await run_tool(spec, tool_context(services, ("mcp:read", "mcp:write")), {"text": "x"})
    assert outcome.result.is_error is True
    assert outcome.error == "Model 'res.nope' does not exist; call list_models to see the models."


async def test_an_unexpected_failure_becomes_an_error_result_without_internal_detail(services):
    async def crash(_ctx, _arguments):
        raise RuntimeError("connection string postgres://secret@db")

    spec = replace(SET_NOTE, name="crasher", handler=crash)
    outcome = await run_tool(spec, tool_context(services, ("mcp:read", "mcp:write")), {"text": "x"})
    assert outcome.result.is_error is True
    assert "failed unexpectedly" in outcome.error
    assert "secret" not in outcome.error


def test_a_tool_is_described_to_clients_with_its_hints_title_and_bastion_metadata():
    tool = to_mcp_tool(SET_NOTE)
    assert tool.title == "Set a note"
    assert tool.annotations.idempotent_hint is True
    assert tool.annotations.destructive_hint is False
    assert tool.output_schema == SET_NOTE.output_schema
    assert tool.meta == {"bastion/category": "write", "bastion/risk": "medium"}


def test_a_principal_without_a_client_id_is_known_to_the_sdk_by_its_connection():
    assert principal(("mcp:read",)).client_id == "connection:1"


def test_a_large_payload_is_cut_to_the_audit_limit():
    assert audit_payload({"text": "short"}) == {"text": "short"}
    cut = audit_payload({"text": "x" * (AUDIT_TEXT_LIMIT * 2)})
    assert cut == {"truncated": ('{"text": "' + "x" * AUDIT_TEXT_LIMIT)[:AUDIT_TEXT_LIMIT]}


async def test_the_server_refuses_to_serve_a_request_that_did_not_pass_the_gate(services, registry):
    async with Client(build_server(services, registry)) as unguarded:
        with pytest.raises(MCPError, match="without an authenticated principal"):
            await unguarded.list_tools()

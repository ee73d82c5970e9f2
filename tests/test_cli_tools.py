"""``bastion tools``: the catalog listed from the shell, and switches that the MCP server obeys."""

from __future__ import annotations

import pytest

from bastion.tools.catalog import catalog_registry
from bastion.tools.registry import ToolRegistry
from bastion.tools.switches import inactive_tools
from tests import test_cli
from tests.mcp.helpers import SET_NOTE, audit_events
from tests.test_cli import assert_usage_error, run_json

# The same fixture as tests/test_cli.py: ``bastion ARGS...`` run in-process against the test database.
bastion = test_cli.bastion


@pytest.fixture(autouse=True)
def catalog_with_a_write_tool(monkeypatch: pytest.MonkeyPatch) -> ToolRegistry:
    """The product's registry plus the test-only ``set_note``, a tool that may be switched off."""
    tools = catalog_registry()
    tools.register(SET_NOTE)
    monkeypatch.setattr("bastion.cli.tools.catalog_registry", lambda: tools)
    return tools


async def inactive(services) -> frozenset[str]:
    async with services.transaction() as session:
        return await inactive_tools(session)


async def test_tools_list_json_has_every_tool_with_its_metadata_and_switch(bastion, catalog_with_a_write_tool):
    listed = await run_json(bastion, "tools", "list")
    assert [item["name"] for item in listed] == catalog_with_a_write_tool.names()
    by_name = {item["name"]: item for item in listed}
    assert [by_name["set_note"], by_name["whoami"]] == [
        {
            "name": "set_note",
            "title": "Set a note",
            "category": "write",
            "risk": "medium",
            "required_scope": "mcp:write",
            "active": True,
            "description": "Saves a note (test-only write tool).",
        },
        {
            "name": "whoami",
            "title": "Who am I",
            "category": "session",
            "risk": "low",
            "required_scope": "mcp:read",
            "active": True,
            "description": "Tells who you are connected to Bastion as: the user you act for (login, name, "
            "administrator or not), the connection and OAuth client you use, the scopes you were granted "
            "(mcp:read allows reading, mcp:write also allows changes), the kind of credential, the MCP protocol "
            "version in use and the server's resource URL.",
        },
    ]


async def test_tools_list_without_json_is_a_table_a_person_reads(bastion, catalog_with_a_write_tool):
    await bastion("tools", "disable", "set_note")
    result = await bastion("tools", "list")
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    by_name = {row.split()[0]: row for row in rows}
    note, whoami = by_name["set_note"], by_name["whoami"]
    assert len(rows) == len(catalog_with_a_write_tool)
    assert header.split() == ["NAME", "TITLE", "CATEGORY", "RISK", "SCOPE", "ACTIVE", "DESCRIPTION"]
    assert note.split()[:9] == ["set_note", "Set", "a", "note", "write", "medium", "mcp:write", "off", "Saves"]
    assert whoami.split()[:8] == ["whoami", "Who", "am", "I", "session", "low", "mcp:read", "on"]


async def test_tools_disable_and_enable_switch_the_tool_and_audit_each_change(bastion, services):
    disabled = await run_json(bastion, "tools", "disable", "set_note")
    assert disabled == {"name": "set_note", "active": False, "changed": True}
    assert await inactive(services) == frozenset({"set_note"})
    switches = {item["name"]: item["active"] for item in await run_json(bastion, "tools", "list")}
    assert [name for name, active in switches.items() if not active] == ["set_note"]
    assert switches["whoami"] is True
    again = await run_json(bastion, "tools", "disable", "set_note")
    assert again == {"name": "set_note", "active": False, "changed": False}
    enabled = await bastion("tools", "enable", "set_note")
    assert enabled.exit_code == 0, enabled.output
    assert enabled.stdout.strip() == (
        "Switched the tool 'set_note' on: from the next MCP request, clients see it in tools/list "
        "and may call it again."
    )
    assert await inactive(services) == frozenset()
    [off] = await audit_events(services, "tool.disabled")
    [on] = await audit_events(services, "tool.enabled")
    assert off.detail == on.detail == {"tool": "set_note"}
    assert off.user_id is None and on.user_id is None


async def test_tools_disable_of_an_unknown_name_is_a_usage_error_saying_how_to_see_the_names(bastion, services):
    result = await bastion("tools", "disable", "drop_database")
    assert_usage_error(result, "There is no tool named 'drop_database'; `bastion tools list`")
    assert await audit_events(services, "tool.disabled") == []


async def test_tools_disable_whoami_is_refused_with_the_reason(bastion, services):
    result = await bastion("tools", "disable", "whoami", "--json")
    assert_usage_error(result, "The tool 'whoami' cannot be switched off: it is the session tool clients call")
    assert result.stdout == ""
    assert await inactive(services) == frozenset()

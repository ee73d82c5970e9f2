"""The tool catalog at /mcp: a switched-off tool leaves tools/list and a call to it is refused and audited."""

from __future__ import annotations

import pytest

from bastion.tools.switches import set_tool_active
from tests.factories import make_api_key
from tests.mcp.helpers import audit_events, make_member, sdk_client

MODES = ["legacy", "auto"]


async def switch(services, registry, name: str, active: bool) -> None:
    async with services.transaction() as session:
        await set_tool_active(session, services.clock(), registry, name, active, actor_id=None)


async def full_key(services) -> str:
    return (await make_api_key(services, await make_member(services))).secret


@pytest.mark.parametrize("mode", MODES)
async def test_a_switched_off_tool_is_not_listed_and_comes_back_when_switched_on(app, services, registry, mode):
    key = await full_key(services)
    async with sdk_client(app, key, mode) as mcp:
        await switch(services, registry, "set_note", False)
        # The switch holds from the next request, in the same session: nothing is cached across requests.
        assert [tool.name for tool in (await mcp.list_tools()).tools] == ["whoami"]
        await switch(services, registry, "set_note", True)
        assert [tool.name for tool in (await mcp.list_tools()).tools] == ["set_note", "whoami"]


@pytest.mark.parametrize("mode", MODES)
async def test_a_call_to_a_switched_off_tool_is_an_error_result_saying_an_administrator_switched_it_off(
    app, services, registry, mode
):
    await switch(services, registry, "set_note", False)
    async with sdk_client(app, await full_key(services), mode) as mcp:
        refused = await mcp.call_tool("set_note", {"text": "remember the milk"})
        still_works = await mcp.call_tool("whoami", {})
    assert refused.is_error is True
    assert refused.content[0].text == (
        "The tool 'set_note' is switched off: an administrator switched it off in Bastion's tool catalog. "
        "Use another tool (tools/list shows the ones available), or ask your administrator to switch it on."
    )
    assert refused.structured_content is None
    assert still_works.is_error is False
    called = await audit_events(services, "tool.called")
    assert [(entry.detail["tool"], entry.detail["outcome"]) for entry in called] == [
        ("set_note", "error"),
        ("whoami", "ok"),
    ]
    assert "switched it off in Bastion's tool catalog" in called[0].detail["error"]


async def test_a_switched_off_tool_is_refused_before_its_arguments_are_checked(app, services, registry):
    await switch(services, registry, "set_note", False)
    async with sdk_client(app, await full_key(services), "legacy") as mcp:
        refused = await mcp.call_tool("set_note", {})
    assert refused.is_error is True
    assert refused.content[0].text.startswith("The tool 'set_note' is switched off")

"""The tool catalog in a real browser: an administrator switches a tool off (confirming in the dialog), a
client no longer sees it at /mcp, and switching it on brings it back.
"""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.conftest import Person, screenshot, sign_in
from tests.e2e.mcp_clients import mcp_session
from tests.e2e.server import BastionProcess
from tests.mcp.helpers import bearer


def switchable_tool(server: BastionProcess) -> str:
    """The first tool of the served catalog that may be switched off (whoami never may)."""
    names = [tool["name"] for tool in server.cli_json("tools", "list") if tool["name"] != "whoami"]
    assert names, "the served catalog has no tool but whoami, which cannot be switched off"
    return names[0]


async def listed_at_mcp(server: BastionProcess, key: str) -> list[str]:
    async with mcp_session(server, headers=bearer(key)) as client:
        return [tool.name for tool in (await client.list_tools()).tools]


async def test_an_administrator_switches_a_tool_off_and_on_again_and_mcp_clients_follow(
    page: Page, console_server: BastionProcess, admin: Person
):
    name = switchable_tool(console_server)
    key = console_server.cli_json("connections", "add-key", "--name", "Catalog check", "--user", admin.login)
    assert name in await listed_at_mcp(console_server, key["api_key"])
    await sign_in(page, admin, "/console/tools")
    await expect(page.get_by_role("heading", name="Tools", level=1)).to_be_visible()
    row = page.locator(f"#tool-{name}")
    await expect(row.locator(".pill.tool-on")).to_have_text("On")
    await expect(page.locator("#tool-whoami")).to_contain_text("Always on")
    await screenshot(page, "tools")

    await row.get_by_role("button", name=f"Switch off {name}").click()
    dialog = page.get_by_role("dialog", name=f"Switch off “{name}”?")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("every call to it is refused")
    # The safe choice has the focus: Enter or Escape switches nothing off.
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    await dialog.get_by_role("button", name="Yes, switch it off").click()

    await expect(page.get_by_role("status")).to_contain_text(f"“{name}” is switched off.")
    await expect(row.locator(".pill.tool-off")).to_have_text("Off")
    assert name not in await listed_at_mcp(console_server, key["api_key"])
    assert {tool["name"]: tool["active"] for tool in console_server.cli_json("tools", "list")}[name] is False

    await row.get_by_role("button", name=f"Switch on {name}").click()

    await expect(page.get_by_role("status")).to_contain_text(f"“{name}” is switched on.")
    await expect(row.locator(".pill.tool-on")).to_have_text("On")
    assert name in await listed_at_mcp(console_server, key["api_key"])

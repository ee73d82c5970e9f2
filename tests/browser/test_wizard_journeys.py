"""Connect a New Tool in a real Chromium against a real ``bastion serve``: the three paths, the
credentials each shows working with a real MCP client on the spot, and a keyboard-only walk.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Person, add_user, screenshot, sign_in
from tests.e2e.browser import InMemoryTokenStorage, ScriptedBrowser
from tests.e2e.mcp_clients import (
    loopback_redirect_uri,
    mcp_session,
    oauth_provider,
    pre_registered_client,
    tool_payload,
)
from tests.e2e.server import BastionProcess


def collect_console_errors(page: Page) -> list[str]:
    """Errors the page logs (a CSP violation by htmx or wizard.js would show up here).

    The browser's own request for /favicon.ico (Bastion has none) is not the page's doing.
    """
    errors: list[str] = []

    def note(message) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} at {message.location.get('url')}")

    page.on("console", note)
    return errors


def connection_with(server: BastionProcess, **wanted) -> list[dict]:
    return [c for c in server.cli_json("connections", "list") if all(c.get(k) == v for k, v in wanted.items())]


async def test_browser_login_shows_the_url_to_paste_and_its_copy_button_copies_it(
    page: Page, admin: Person, console_server: BastionProcess
):
    await sign_in(page, admin)
    await page.goto("/console/connect")
    await expect(page.get_by_text("Step 1 of 3")).to_be_visible()
    await screenshot(page, "connect-step1")

    await page.get_by_role("link", name="Browser login (OAuth, auto-setup)").click()
    await page.wait_for_url(re.compile(r".*/console/connect/browser$"))
    await expect(page.get_by_label("MCP Endpoint URL")).to_have_value(console_server.mcp_url)
    await expect(page.get_by_role("heading", name="claude.ai and Claude Desktop")).to_be_visible()
    await screenshot(page, "connect-browser-done")

    await page.get_by_role("button", name="Copy").click()
    await expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert await page.evaluate("navigator.clipboard.readText()") == console_server.mcp_url


async def test_an_api_key_made_in_the_wizard_calls_whoami_at_once_and_is_never_shown_again(
    page: Page, admin: Person, console_server: BastionProcess
):
    errors = collect_console_errors(page)
    await sign_in(page, admin)
    await page.goto("/console/connect")
    await page.get_by_role("link", name="API key (Bearer header)").click()
    await expect(page.get_by_text("Step 2 of 3")).to_be_visible()
    await page.get_by_label("Name").fill("Cursor on Ada's laptop")
    await screenshot(page, "connect-api-key-form")
    await page.get_by_role("button", name="Create the key").click()

    await page.wait_for_url(re.compile(r".*/console/connect/api-key/\d+/done$"))
    key = await page.get_by_label("API key").input_value()
    assert key.startswith("bst_ak_")
    # The snippets are tabs once wizard.js runs; the Cursor tab is open first.
    await expect(page.get_by_role("tab", name="Cursor")).to_have_attribute("aria-selected", "true")
    await expect(page.locator("#snippet-cursor-text")).to_contain_text(key)
    await expect(page.locator("#snippet-curl-text")).to_be_hidden()
    await screenshot(page, "connect-api-key-done")
    await page.get_by_role("tab", name="curl").click()
    await expect(page.locator("#snippet-curl-text")).to_be_visible()
    await expect(page.locator("#snippet-cursor-text")).to_be_hidden()
    await page.keyboard.press("ArrowRight")  # tabs follow the arrow keys
    await expect(page.get_by_role("tab", name="Any other client")).to_be_focused()
    await expect(page.locator("#snippet-header-text")).to_have_text(f"Authorization: Bearer {key}")

    async with mcp_session(console_server, headers={"Authorization": f"Bearer {key}"}) as client:
        me = tool_payload(await client.call_tool("whoami", {}))
    assert me["user"]["login"] == admin.login
    assert me["connection"]["name"] == "Cursor on Ada's laptop"

    assert errors == []
    await page.reload()
    await expect(page.get_by_role("heading", name="This key was shown once")).to_be_visible()
    assert key not in await page.content()
    await page.get_by_role("link", name="Done — go to the connection").click()
    await page.wait_for_url(re.compile(r".*/console/connections/\d+$"))


async def test_a_custom_oauth_client_from_the_wizard_signs_in_with_the_real_sdk_and_calls_whoami(
    page: Page, admin: Person, console_server: BastionProcess
):
    redirect_uri = loopback_redirect_uri()
    errors = collect_console_errors(page)
    await sign_in(page, admin)
    await page.goto("/console/connect")
    await page.get_by_role("link", name="Custom OAuth (advanced)").click()
    await expect(page.get_by_label("MCP Endpoint URL")).to_have_value(console_server.mcp_url)
    await page.get_by_label("OAuth Client Name").fill("Acme Internal CRM")
    await page.get_by_label("Confidential — has a client secret").check()

    # The live check (htmx) names the bad line before Next is pressed.
    uris = page.get_by_label("Allowed Redirect URIs")
    await uris.fill(f"{redirect_uri}\nhttp://crm.example.com/callback")
    await expect(page.get_by_text("Line 2: 'http://crm.example.com/callback' uses http")).to_be_visible()
    await screenshot(page, "connect-custom-oauth-form")
    await uris.fill(redirect_uri)
    await expect(page.get_by_text("The redirect URI can be registered.")).to_be_visible()
    await page.get_by_role("button", name="Next").click()

    await expect(page.get_by_role("heading", name="Review and copy the credentials")).to_be_visible()
    client_id = await page.get_by_label("Client ID").input_value()
    client_secret = await page.get_by_label("Client Secret").input_value()
    await expect(page.get_by_text("shown exactly once, on this screen")).to_be_visible()
    await screenshot(page, "connect-custom-oauth-done")
    assert connection_with(console_server, client_id=client_id) == []  # nothing stored before Save

    assert errors == []
    await page.get_by_role("button", name="Save Connection").click()
    await page.wait_for_url(re.compile(r".*/console/connections\?saved=\d+$"))
    [saved] = connection_with(console_server, client_id=client_id)
    assert saved["name"] == "Acme Internal CRM" and saved["status"] == "awaiting_connection"

    browser = ScriptedBrowser(
        console_server.base_url, console_server.issuer, login=admin.login, password=admin.password
    )
    storage = InMemoryTokenStorage(pre_registered_client(client_id, client_secret, redirect_uri))
    provider = oauth_provider(console_server, browser, storage, redirect_uri=redirect_uri)
    try:
        async with mcp_session(console_server, auth=provider) as client:
            me = tool_payload(await client.call_tool("whoami", {}))
    finally:
        await browser.aclose()
    assert me["client"] == {"client_id": client_id, "dynamic": False}
    assert me["connection"]["name"] == "Acme Internal CRM"
    assert me["user"]["login"] == admin.login


async def test_leaving_the_custom_oauth_done_step_without_saving_creates_nothing(
    page: Page, admin: Person, console_server: BastionProcess
):
    await sign_in(page, admin)
    await page.goto("/console/connect/custom-oauth")
    await page.get_by_label("OAuth Client Name").fill("Never saved")
    await page.get_by_label("Public — PKCE only, no secret").check()
    await page.get_by_label("Allowed Redirect URIs").fill("https://spa.example.com/callback")
    await page.get_by_role("button", name="Next").click()
    client_id = await page.get_by_label("Client ID").input_value()
    await expect(page.get_by_label("Client Secret")).to_have_count(0)

    await page.get_by_role("link", name="Cancel — save nothing").click()
    await page.wait_for_url(re.compile(r".*/console/connect$"))

    assert connection_with(console_server, client_id=client_id) == []
    assert connection_with(console_server, name="Never saved") == []


async def test_the_api_key_path_works_with_the_keyboard_alone(page: Page, console_server: BastionProcess):
    person = add_user(console_server, "kim")
    await sign_in(page, person)
    await page.goto("/console/connect")

    async def tab_to(name: str) -> None:
        for _ in range(30):
            await page.keyboard.press("Tab")
            focused = await page.evaluate("document.activeElement.textContent.trim() || document.activeElement.id")
            if focused == name:
                return
        pytest.fail(f"Tab never reached {name!r}")

    await tab_to("API key (Bearer header)")
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r".*/console/connect/api-key$"))
    await expect(page.get_by_label("Name")).to_be_focused()  # the first field has the focus on arrival
    await page.keyboard.type("Kim's scripts")
    await page.keyboard.press("Tab")  # to the Full access radio
    await page.keyboard.press("ArrowDown")  # radios move with the arrow keys: Read-only
    await expect(page.get_by_label("Read-only")).to_be_checked()
    await tab_to("Create the key")
    await page.keyboard.press("Enter")

    await page.wait_for_url(re.compile(r".*/done$"))
    await expect(page.get_by_text("with read-only access")).to_be_visible()
    await tab_to("Copy")  # the first copy button, next to the URL; then Space presses it
    await page.keyboard.press("Space")
    await expect(page.get_by_role("button", name="Copied")).to_be_visible()
    [connection] = connection_with(console_server, name="Kim's scripts")
    assert connection["user"] == "kim"

"""The administrator's journeys in a real browser: Server Settings, the master switch, inviting and
deactivating users, the audit log; and a user who is not an administrator being turned away.
"""

from __future__ import annotations

import re

import httpx2
from playwright.async_api import Browser, Page, expect

from bastion.server_settings import SWITCHED_OFF_MESSAGE
from tests.browser.conftest import Person, add_user, screenshot, sign_in
from tests.e2e.server import BastionProcess
from tests.mcp.helpers import STREAMABLE_HEADERS, bearer, initialize_request

INVITED_PASSWORD = "a long password for grace"


async def mcp_initialize(server: BastionProcess, key: str) -> httpx2.Response:
    """The first request an MCP client sends, with ``key``: 200 when the key may use /mcp."""
    async with httpx2.AsyncClient(trust_env=False, timeout=10.0) as http:
        return await http.post(server.mcp_url, json=initialize_request(), headers={**STREAMABLE_HEADERS, **bearer(key)})


def api_key_for(server: BastionProcess, login: str, name: str) -> str:
    return server.cli_json("connections", "add-key", "--name", name, "--user", login)["api_key"]


def setting(server: BastionProcess, key: str):
    return server.cli_json("settings", "show")[key]["value"]


async def test_a_token_lifetime_out_of_bounds_is_explained_and_a_good_one_is_saved(
    page: Page, console_server: BastionProcess, admin: Person
):
    await sign_in(page, admin, "/console/settings")
    await expect(page.get_by_role("heading", name="Server Settings", level=1)).to_be_visible()
    await screenshot(page, "settings")
    lifetime = page.get_by_label("Access token lifetime")
    await expect(lifetime).to_have_value("3600")

    await lifetime.fill("5")
    await page.get_by_role("button", name="Save changes").click()

    await expect(page.get_by_text("Nothing was saved: 1 value needs fixing")).to_be_visible()
    await expect(
        page.get_by_text("5 is too small. From 60 seconds (1 minute) to 604,800 seconds (7 days).")
    ).to_be_visible()
    await expect(lifetime).to_have_attribute("aria-invalid", "true")
    await expect(lifetime).to_have_value("5")
    assert setting(console_server, "access_token_ttl_seconds") == 3600

    await lifetime.fill("900")
    await expect(page.locator("#access_token_ttl_seconds-words")).to_have_text("= 15 minutes")  # as it is typed
    await page.get_by_role("button", name="Save changes").click()

    await expect(page.get_by_text("Saved. 1 setting changed")).to_be_visible()
    await expect(page.get_by_label("Access token lifetime")).to_have_value("900")
    assert setting(console_server, "access_token_ttl_seconds") == 900


async def test_the_master_switch_refuses_mcp_at_once_and_switching_on_restores_it(
    page: Page, console_server: BastionProcess, admin: Person
):
    key = api_key_for(console_server, admin.login, "Nightly report")
    assert (await mcp_initialize(console_server, key)).status_code == 200
    await sign_in(page, admin, "/console/settings")

    await page.get_by_text("Switch MCP access off…").click()
    await expect(page.get_by_text("Sign-ins through OAuth and this console keep working.")).to_be_visible()
    await page.get_by_role("button", name="Switch MCP access off now").click()

    await expect(page.locator(".state-badge")).to_have_text("Disabled")
    await expect(page.get_by_text("MCP access is switched off.")).to_be_visible()
    refused = await mcp_initialize(console_server, key)
    assert refused.status_code == 503
    assert refused.json()["error"]["message"] == SWITCHED_OFF_MESSAGE
    assert setting(console_server, "mcp_enabled") is False

    await page.get_by_role("button", name="Switch MCP access on").click()

    await expect(page.locator(".state-badge")).to_have_text("Enabled")
    assert (await mcp_initialize(console_server, key)).status_code == 200


async def test_an_invited_user_sets_a_password_from_the_link_and_signs_in(
    chromium: Browser, page: Page, console_server: BastionProcess, admin: Person
):
    await sign_in(page, admin, "/console/users")
    await page.get_by_role("link", name="Invite a user").click()
    await page.get_by_label("Login").fill("grace")
    await page.get_by_label("Name").fill("Grace Hopper")
    await page.get_by_label("User", exact=True).check()
    await page.get_by_role("button", name="Create user and setup link").click()

    await expect(page.get_by_role("heading", name="Grace Hopper is invited")).to_be_visible()
    await expect(page.get_by_text("Send this link to the person; it works once, within 24 hours.")).to_be_visible()
    await screenshot(page, "user-invited")
    link = await page.get_by_label("One-time setup link").input_value()
    assert link.startswith(f"{console_server.base_url}/console/setup?token=")

    invited = await chromium.new_context(base_url=console_server.base_url)
    try:
        grace = await invited.new_page()
        await grace.goto(link)
        await grace.get_by_label("New password", exact=True).fill(INVITED_PASSWORD)
        await grace.get_by_label("Repeat the new password").fill(INVITED_PASSWORD)
        await grace.get_by_role("button", name=re.compile("set password|save|continue", re.I)).click()
        await grace.wait_for_url(re.compile(r".*/console$"))
        await grace.get_by_role("button", name=re.compile("sign out", re.I)).click()
        await sign_in(grace, Person("grace", INVITED_PASSWORD))
        await expect(grace.get_by_text("Signed in as")).to_contain_text("Grace Hopper")
    finally:
        await invited.close()

    await page.goto("/console/users")
    row = page.get_by_role("row").filter(has_text="grace")
    await expect(row).to_contain_text("Set")
    await screenshot(page, "users")


async def test_deactivating_a_user_refuses_their_api_key_at_mcp(
    page: Page, console_server: BastionProcess, admin: Person
):
    add_user(console_server, "bob")
    key = api_key_for(console_server, "bob", "Bob's scripts")
    assert (await mcp_initialize(console_server, key)).status_code == 200
    await sign_in(page, admin, "/console/users")

    await page.get_by_role("link", name="bob", exact=True).click()
    await page.get_by_text("Deactivate bob…").click()
    await expect(page.get_by_text("Their 1 active connection is revoked")).to_be_visible()
    await page.get_by_role("button", name="Deactivate bob now").click()

    await expect(page.get_by_text("bob is deactivated and signed out everywhere: 1 connection revoked")).to_be_visible()
    await expect(page.get_by_text("Revoked", exact=True)).to_be_visible()
    refused = await mcp_initialize(console_server, key)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error_description"]


async def test_a_user_who_is_not_an_administrator_is_turned_away_from_settings_and_users(
    page: Page, console_server: BastionProcess
):
    carol = add_user(console_server, "carol")
    await sign_in(page, carol)
    await expect(page.get_by_role("link", name="Server Settings")).to_have_count(0)

    for path in ("/console/settings", "/console/users", "/console/audit"):
        await page.goto(path)
        await expect(page.get_by_role("heading", name="Administrators only")).to_be_visible()


async def test_the_audit_log_lists_what_happened_and_filters_by_event(
    page: Page, console_server: BastionProcess, admin: Person
):
    console_server.cli("settings", "set", "audit_retention_days", "400")
    await sign_in(page, admin, "/console/audit")
    await expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    await screenshot(page, "audit")

    await page.get_by_label("Event").select_option("settings.changed")
    await page.get_by_role("button", name="Show entries").click()

    await expect(page).to_have_url(re.compile(r".*/console/audit\?event=settings\.changed&.*"))
    await expect(page.get_by_role("row").filter(has_text="audit_retention_days")).to_contain_text('"value": 400')
    for text in await page.locator("tbody .event-name").all_inner_texts():
        assert text == "settings.changed"

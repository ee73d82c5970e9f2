"""The connections list and the connection form in a real Chromium against a real ``bastion serve``:
filters, rotate with its confirmation and the one-time popup (the new credential works, the old one
is refused on the spot), revoke and reactivate, editing, and a user who cannot see another's connection.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import Person, add_user, screenshot, sign_in
from tests.e2e.mcp_clients import mcp_session, refused_whoami, tool_payload
from tests.e2e.server import BastionProcess

MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}},
}


def in_parallel(*calls: Callable[[], Any]) -> list[Any]:
    """Run CLI commands side by side: each is a process start, and the tests should stay quick."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def add_key(server: BastionProcess, name: str, user: str = "ada") -> dict:
    return server.cli_json("connections", "add-key", "--name", name, "--user", user)


def add_oauth(server: BastionProcess, name: str, owner: str = "ada") -> dict:
    return server.cli_json(
        "connections", "add-oauth", "--name", name, "--type", "confidential",
        "--redirect-uri", "https://crm.example.com/oauth/callback", "--owner", owner,
    )  # fmt: skip


def mcp_status(server: BastionProcess, key: str) -> int:
    with httpx2.Client(trust_env=False, timeout=10.0) as http:
        response = http.post(server.mcp_url, json=INITIALIZE, headers={**MCP_HEADERS, "Authorization": f"Bearer {key}"})
    return response.status_code


def client_credentials_status(server: BastionProcess, client_id: str, secret: str) -> int:
    with httpx2.Client(trust_env=False, timeout=10.0) as http:
        response = http.post(
            server.token_url,
            data={"grant_type": "client_credentials", "resource": server.mcp_url},
            auth=httpx2.BasicAuth(client_id, secret),
        )
    return response.status_code


def last_used_days_ago(server: BastionProcess, connection_id: int, days: int) -> None:
    """Pretend a connection was last used ``days`` ago (the server reads the same SQLite file)."""
    path = server.env["BASTION_DATABASE_URL"].removeprefix("sqlite:///")
    moment = (datetime.now(UTC) - timedelta(days=days, hours=5)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(path) as database:
        database.execute(
            "UPDATE connections SET last_used_at = ?, request_count = 1873 WHERE id = ?", (moment, connection_id)
        )


async def test_the_list_filters_searches_and_groups_without_reloading_the_page(
    page: Page, admin: Person, console_server: BastionProcess
):
    revoked, idle, _, used = in_parallel(
        lambda: add_key(console_server, "Old Claude Code key"),
        lambda: add_oauth(console_server, "n8n invoice flow"),
        lambda: add_oauth(console_server, "Acme Internal CRM"),
        lambda: add_key(console_server, "Cursor on Ada's laptop"),
    )
    assert mcp_status(console_server, used["api_key"]) == 200
    last_used_days_ago(console_server, idle["connection_id"], 12)
    console_server.cli("connections", "revoke", str(revoked["connection_id"]), "--yes")

    await sign_in(page, admin, "/console/connections")
    table = page.locator("#connection-results")
    await expect(table.get_by_role("link", name="Cursor on Ada's laptop")).to_be_visible()
    await expect(table.get_by_text("Connected", exact=True)).to_be_visible()
    await expect(table.get_by_text("Idle for 12 days, 5 hours")).to_be_visible()
    await expect(table.get_by_role("link", name="Old Claude Code key")).to_have_count(0)
    await page.get_by_label("Status").select_option("all")
    await expect(table.get_by_text("Revoked", exact=True)).to_be_visible()
    await expect(page).to_have_url(re.compile(r".*/console/connections\?status=all$"))
    await screenshot(page, "connections-list")

    await page.get_by_label("Type").select_option("api_key")
    await expect(table.get_by_role("link", name="Acme Internal CRM")).to_have_count(0)
    await expect(table.get_by_role("link", name="Old Claude Code key")).to_be_visible()
    await page.get_by_label("Type").select_option("")
    await page.get_by_label("Name contains").fill("acme")
    await expect(table.get_by_role("link")).to_have_count(1)
    await expect(table.get_by_role("link", name="Acme Internal CRM")).to_be_visible()
    await expect(page).to_have_url(re.compile(r".*\?q=acme&status=all$"))

    await page.get_by_label("Name contains").fill("")
    await page.get_by_label("Group by").select_option("type")
    await expect(table.get_by_role("columnheader", name=re.compile("^API keys · 2 connections"))).to_be_visible()
    await expect(table.get_by_role("columnheader", name=re.compile("^OAuth clients · 2 connections"))).to_be_visible()

    # The URL is a bookmark: opening it again shows the same view.
    await page.goto(page.url)
    await expect(page.get_by_label("Group by")).to_have_value("type")


async def test_rotating_a_client_secret_confirms_then_shows_the_new_one_once_and_only_it_works(
    page: Page, admin: Person, console_server: BastionProcess
):
    created = add_oauth(console_server, "Acme Power Automate")
    client_id, old_secret = created["client_id"], created["client_secret"]
    assert client_credentials_status(console_server, client_id, old_secret) == 200

    await sign_in(page, admin, "/console/connections")
    await page.get_by_role("link", name="Acme Power Automate").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Acme Power Automate")
    await expect(page.get_by_label("Client ID")).to_have_value(client_id)
    await screenshot(page, "connection-oauth")

    await page.get_by_role("button", name="Rotate Secret Key").click()
    dialog = page.get_by_role("dialog", name="Rotate Secret Key?")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("The current client secret stops working immediately.")
    # A modal's backdrop covers the viewport only: make the viewport the whole page for the picture.
    height = await page.evaluate("document.documentElement.scrollHeight")
    await page.set_viewport_size({"width": 1280, "height": height})
    await screenshot(page, "connection-rotate-confirm")
    await page.set_viewport_size({"width": 1280, "height": 860})
    # The safe choice has the focus, and Escape closes the dialog: a keyboard slip rotates nothing.
    await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    assert client_credentials_status(console_server, client_id, old_secret) == 200

    await page.get_by_role("button", name="Rotate Secret Key").click()
    await dialog.get_by_role("button", name="Yes, replace the client secret").click()
    await expect(page.get_by_role("heading", name=re.compile("New client secret"))).to_be_visible()
    new_secret = await page.get_by_role("textbox", name="New client secret").input_value()
    assert new_secret.startswith("bst_cs_") and new_secret != old_secret
    await expect(page.get_by_role("heading", name="What to do next")).to_be_visible()
    help_text = page.get_by_text("Open Connect a New Tool, create the connection again")
    await expect(help_text).to_be_hidden()
    await page.get_by_text("I can't find where to paste the client secret in my app").click()
    await expect(help_text).to_be_visible()
    await screenshot(page, "connection-rotated")
    await page.get_by_role("button", name="Copy").first.click()
    assert await page.evaluate("navigator.clipboard.readText()") == new_secret

    assert client_credentials_status(console_server, client_id, old_secret) == 401
    assert client_credentials_status(console_server, client_id, new_secret) == 200

    await page.get_by_role("link", name="Done — back to the connection").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Acme Power Automate")
    assert new_secret not in await page.content()


async def test_an_api_key_rotated_revoked_and_reactivated_works_only_when_it_should(
    page: Page, admin: Person, console_server: BastionProcess
):
    created = add_key(console_server, "Claude Code on the build server")
    old_key = created["api_key"]

    await sign_in(page, admin, f"/console/connections/{created['connection_id']}")
    await expect(page.get_by_text("Acts as")).to_be_visible()
    await screenshot(page, "connection-api-key")
    await page.get_by_role("button", name="Rotate Key").click()
    await page.get_by_role("dialog").get_by_role("button", name="Yes, replace the API key").click()
    new_key = await page.get_by_role("textbox", name="New API key").input_value()
    assert mcp_status(console_server, old_key) == 401
    async with mcp_session(console_server, headers={"Authorization": f"Bearer {new_key}"}) as client:
        me = tool_payload(await client.call_tool("whoami", {}))
    assert me["connection"]["name"] == "Claude Code on the build server"

    await page.get_by_role("link", name="Done — back to the connection").click()
    await expect(page.locator(".connection-meta .pill")).to_have_text("Connected")
    await page.get_by_role("button", name="Revoke").click()
    await (
        page.get_by_role("dialog", name="Revoke this connection?").get_by_role("button", name="Yes, revoke it").click()
    )
    await expect(page.locator(".connection-meta .pill")).to_have_text("Revoked")
    await expect(page.get_by_role("status")).to_contain_text("The connection is revoked")
    refusal = await refused_whoami(console_server, headers={"Authorization": f"Bearer {new_key}"})
    assert "revoked" in str(refusal).lower() or mcp_status(console_server, new_key) == 401

    await page.get_by_role("button", name="Reactivate").click()
    await expect(page.locator(".connection-meta .pill")).not_to_have_text("Revoked")
    await expect(page.get_by_role("status")).to_contain_text("The connection is active again")
    assert mcp_status(console_server, new_key) == 200


async def test_editing_the_name_and_notes_shows_them_on_the_form_and_in_the_list(
    page: Page, admin: Person, console_server: BastionProcess
):
    created = add_oauth(console_server, "Slack bot")
    await sign_in(page, admin, f"/console/connections/{created['connection_id']}")

    await page.get_by_label("Name", exact=True).fill("Slack bot (support team)")
    await page.get_by_label("Allowed redirect URIs").fill("https://slack.example.com/cb\nhttp://slack.example.com/cb")
    await page.get_by_role("textbox", name="Notes").fill("Ask Grace before rotating.")
    await page.get_by_role("button", name="Save changes").click()
    await expect(
        page.get_by_text("Line 2: 'http://slack.example.com/cb' uses http on a non-loopback host")
    ).to_be_visible()
    await expect(page.get_by_role("textbox", name="Notes")).to_have_value("Ask Grace before rotating.")

    await page.get_by_label("Allowed redirect URIs").fill("https://slack.example.com/cb")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_text("Your changes were saved.")).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Slack bot (support team)")
    await expect(page.get_by_role("textbox", name="Notes")).to_have_value("Ask Grace before rotating.")
    await page.goto("/console/connections?q=support")
    await expect(page.get_by_role("link", name="Slack bot (support team)")).to_be_visible()


async def test_a_user_cannot_see_another_users_connection_in_the_list_or_by_its_url(
    page: Page, console_server: BastionProcess
):
    grace, _ = in_parallel(lambda: add_user(console_server, "grace"), lambda: add_user(console_server, "henry"))
    hers, his = in_parallel(
        lambda: add_key(console_server, "Grace's Gemini CLI", user="grace"),
        lambda: add_key(console_server, "Henry's Cursor", user="henry"),
    )

    await sign_in(page, grace, "/console/connections")
    await expect(page.get_by_role("link", name="Grace's Gemini CLI")).to_be_visible()
    await expect(page.get_by_role("link", name="Henry's Cursor")).to_have_count(0)
    await expect(page.get_by_role("columnheader", name="User")).to_have_count(0)

    await page.goto(f"/console/connections/{his['connection_id']}")
    await expect(page.get_by_role("heading", name="Connection not found")).to_be_visible()
    assert "Henry" not in await page.content()
    await page.goto(f"/console/connections/{hers['connection_id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Grace's Gemini CLI")


async def test_without_javascript_the_confirmation_is_a_page_of_its_own(
    chromium: Browser, admin: Person, console_server: BastionProcess
):
    created = add_key(console_server, "Script on the NAS")
    context = await chromium.new_context(base_url=console_server.base_url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = await context.new_page()
        await sign_in(page, admin, f"/console/connections/{created['connection_id']}")
        await page.get_by_role("button", name="Revoke").click()
        await page.wait_for_url(re.compile(r".*/revoke\??$"))
        await expect(page.get_by_role("heading", level=1, name="Revoke this connection?")).to_be_visible()
        await page.get_by_role("button", name="Yes, revoke it").click()
        await expect(page.locator(".connection-meta .pill")).to_have_text("Revoked")
        assert mcp_status(console_server, created["api_key"]) == 401
    finally:
        await context.close()


async def test_paging_swaps_the_table_and_keeps_the_search_in_the_url(
    page: Page, admin: Person, console_server: BastionProcess
):
    path = console_server.env["BASTION_DATABASE_URL"].removeprefix("sqlite:///")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = [
        ("oauth", f"Batch job {n}", now, f"bst_ci_batch{n}", "public", '["https://batch.example.com/cb"]')
        for n in range(55)
    ]
    with sqlite3.connect(path) as database:
        database.executemany(
            "INSERT INTO connections (type, name, scopes, created_at, request_count, is_dynamic, notes, client_id, "
            "client_type, token_endpoint_auth_method, redirect_uris, grant_types, registration_metadata) "
            "VALUES (?, ?, 'mcp:read mcp:write', ?, 0, 0, '', ?, ?, 'none', ?, '[]', '{}')",
            rows,
        )

    await sign_in(page, admin, "/console/connections?q=batch+job")
    await expect(page.get_by_text("Showing 1–50 of 55 connections")).to_be_visible()
    await page.get_by_role("link", name="Next ›").click()
    await expect(page.get_by_text("Showing 51–55 of 55 connections")).to_be_visible()
    await expect(page).to_have_url(re.compile(r".*/console/connections\?q=batch\+job&page=2$"))
    await expect(page.get_by_role("link", name="Batch job 0", exact=True)).to_be_visible()
    await expect(page.get_by_label("Name contains")).to_have_value("batch job")
    await page.go_back()
    await expect(page.get_by_text("Showing 1–50 of 55 connections")).to_be_visible()

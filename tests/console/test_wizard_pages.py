"""Connect a New Tool, step 1 and the Browser login path, over HTTP; plus helpers the other wizard tests share."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from sqlalchemy import func, select

from bastion.store.models import Connection, User
from bastion.store.repositories import StoredSettings
from tests.conftest import PUBLIC_URL
from tests.console.test_accounts_pages import hidden, sign_in
from tests.factories import make_user

MCP_URL = f"{PUBLIC_URL}/mcp"


# --- helpers shared by the wizard tests -------------------------------------------------------------------


@asynccontextmanager
async def signed_in(app, services, login: str = "alice", *, admin: bool = False) -> AsyncIterator[httpx2.AsyncClient]:
    """A browser of its own (cookies) for a new user, signed in to the console."""
    await make_user(services, login, admin=admin)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=PUBLIC_URL) as browser:
        response = await sign_in(browser, login)
        assert response.status_code == 303, response.text
        yield browser


async def csrf_of(browser: httpx2.AsyncClient, path: str = "/console/connect") -> str:
    return hidden((await browser.get(path)).text, "csrf_token")


async def connection_count(services) -> int:
    async with services.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Connection)) or 0


async def all_connections(services) -> list[Connection]:
    async with services.transaction() as session:
        return list((await session.scalars(select(Connection).order_by(Connection.id))).all())


async def user_named(services, login: str) -> User:
    async with services.transaction() as session:
        return await session.scalar(select(User).where(User.login == login))


async def store_setting(services, key: str, value) -> None:
    async with services.transaction() as session:
        await StoredSettings(session).put(key, value, services.clock())


def input_value(page: str, element_id: str) -> str:
    found = re.search(rf'<input type="text" id="{element_id}" value="([^"]*)" readonly[ >]', page)
    assert found, f"no read-only input #{element_id} in the page"
    return html.unescape(found.group(1))


def text_of(page: str) -> str:
    """The page as a person reads it: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- step 1 -------------------------------------------------------------------------------------------


async def test_the_wizard_asks_a_signed_out_visitor_to_sign_in_and_comes_back(client):
    response = await client.get("/console/connect")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Fconnect"


async def test_step_1_offers_three_ways_each_a_link_saying_when_to_use_it(app, services):
    async with signed_in(app, services) as browser:
        response = await browser.get("/console/connect")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert "Step 1 of 3" in page and 'aria-current="step"' in page
    assert '<a href="/console/connect/browser">Browser login (OAuth, auto-setup)</a>' in page
    assert '<a href="/console/connect/api-key">API key (Bearer header)</a>' in page
    assert '<a href="/console/connect/custom-oauth">Custom OAuth (advanced)</a>' in page
    words = text_of(page)
    assert "For claude.ai, ChatGPT, Claude Desktop, MCP Inspector." in words
    assert "For Cursor, Claude Code, Gemini CLI, curl and your own scripts." in words
    assert "For n8n, Power Automate, an in-house chatbot or Slack bot." in words
    assert '<a href="/console/connect" aria-current="page">Connect a New Tool</a>' in page
    assert '<link rel="stylesheet" href="/static/wizard.css">' in page


async def test_step_1_says_on_the_browser_card_when_self_registration_is_off(app, services):
    await store_setting(services, "dynamic_registration_enabled", False)
    async with signed_in(app, services) as browser:
        page = (await browser.get("/console/connect")).text

    assert "Self-registration is switched off on this server" in page


async def test_the_wizard_stylesheet_and_script_are_served(client):
    css = await client.get("/static/wizard.css")
    script = await client.get("/static/wizard.js")

    assert css.status_code == 200 and ".choice-card" in css.text
    assert script.status_code == 200 and 'setAttribute("role", "tablist")' in script.text


# --- browser login -----------------------------------------------------------------------------------


async def test_browser_login_shows_the_url_to_copy_and_steps_per_client_and_creates_nothing(app, services):
    async with signed_in(app, services) as browser:
        response = await browser.get("/console/connect/browser")

    assert response.status_code == 200
    page = response.text
    assert input_value(page, "mcp-url") == MCP_URL
    assert '<button type="button" class="button secondary" data-copy-target="mcp-url">Copy</button>' in page
    assert '<label for="mcp-url">MCP Endpoint URL</label>' in page
    words = text_of(page)
    assert "Done" in words and "Details (not needed)" in words
    assert "Open Settings ▸ Connectors ." in words and "Choose Add custom connector ." in words
    assert "pick OAuth as the authentication" in words
    assert "Set Transport Type to Streamable HTTP ." in words
    assert "The tool reads Bastion's sign-in details from the URL and registers itself." in words
    assert "choose Allow" in words and "The tool is then in your connections as Awaiting connection ." in words
    assert "the connection becomes Connected" in words
    assert "Self-registration is switched off" not in words
    assert await connection_count(services) == 0


async def test_browser_login_says_plainly_when_self_registration_is_off_and_what_to_do(app, services):
    await store_setting(services, "dynamic_registration_enabled", False)
    async with signed_in(app, services, "ada", admin=True) as admin:
        admin_page = text_of((await admin.get("/console/connect/browser")).text)
    async with signed_in(app, services, "bob") as user:
        user_page = text_of((await user.get("/console/connect/browser")).text)

    for words in (admin_page, user_page):
        assert "Self-registration is switched off on this server." in words
        assert "so they cannot connect this way" in words
        assert "or connect the tool with Custom OAuth" in words
    assert "Switch Dynamic registration on in Server Settings" in admin_page
    assert "Ask an administrator to switch Dynamic registration on in Server Settings" in user_page


async def test_every_done_step_warns_while_the_master_switch_is_off(app, services):
    await store_setting(services, "mcp_enabled", False)
    async with signed_in(app, services) as browser:
        page = text_of((await browser.get("/console/connect/browser")).text)

    assert "The MCP endpoint is switched off on this server: every MCP request is refused" in page

"""The first administrator's journey in a real browser: the one-time setup link, then sign-in and sign-out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot, setup_link_from_log
from tests.e2e.server import BastionProcess, running_bastion

NEW_PASSWORD = "a brand new long password"


@pytest.fixture
def fresh_server(tmp_path) -> Iterator[BastionProcess]:
    """A first start: no administrator has a password yet, so serve prints the setup link."""
    with running_bastion(tmp_path / "home", f"sqlite:///{tmp_path / 'bastion.db'}") as server:
        yield server


async def test_the_first_administrator_sets_a_password_from_the_setup_link_and_lands_in_the_console(
    chromium, fresh_server
):
    link = setup_link_from_log(fresh_server)
    page: Page = await chromium.new_page()

    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("password", re.I))
    await screenshot(page, "setup")
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name=re.compile("set password|save|continue", re.I)).click()

    await page.wait_for_url(re.compile(r".*/console$"))
    await expect(page.get_by_label("MCP endpoint URL")).to_have_value(fresh_server.mcp_url)

    # The link was single use: opening it again says so.
    await page.goto(link)
    await expect(page.get_by_text(re.compile("already used", re.I))).to_be_visible()


async def test_a_wrong_password_is_refused_then_the_right_one_signs_in_and_out(page: Page, admin):
    await page.goto("/console/login")
    await screenshot(page, "login")
    await page.get_by_label("Login").fill(admin.login)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    await expect(page.get_by_text("The login or password is not right")).to_be_visible()

    await page.get_by_label("Password").fill(admin.password)
    await page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    await page.wait_for_url(re.compile(r".*/console$"))
    await screenshot(page, "home")

    await page.get_by_role("button", name=re.compile("sign out", re.I)).click()
    await page.wait_for_url(re.compile(r".*/console/login.*"))
    await page.goto("/console")
    await expect(page).to_have_url(re.compile(r".*/console/login\?next=.*"))

"""Browser tests: a real Chromium (Debian's, driven by Playwright) against a real ``bastion serve``.

One server per test module keeps them quick; each test gets a fresh browser context (no cookies).
Set ``BASTION_SCREENSHOTS=1`` to refresh the pictures in ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.e2e.server import BastionProcess, running_bastion

CHROMIUM = os.environ.get("BASTION_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The flags keep a headless Chromium from calling home (this machine has no network besides loopback).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ADMIN_PASSWORD = "correct horse battery staple"
USER_PASSWORD = "another long password"

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Person:
    login: str
    password: str


def require_chromium() -> None:
    """Skip, with the reason, wherever a browser test would need a Chromium this machine does not have."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium)")


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BastionProcess]:
    require_chromium()
    home = tmp_path_factory.mktemp("console")
    with running_bastion(home / "home", f"sqlite:///{home / 'bastion.db'}") as server:
        server.cli("users", "add", "ada", "--admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
        yield server


@pytest.fixture(scope="module")
def admin(console_server: BastionProcess) -> Person:
    return Person("ada", ADMIN_PASSWORD)


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def context(chromium: Browser, console_server: BastionProcess) -> AsyncIterator[BrowserContext]:
    context = await chromium.new_context(base_url=console_server.base_url, viewport={"width": 1280, "height": 860})
    # Copy buttons write to the clipboard; grant it so they behave as for a person.
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console_server.base_url)
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        await context.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


def add_user(server: BastionProcess, login: str, password: str = USER_PASSWORD, *, admin: bool = False) -> Person:
    """A user made through the CLI, as an administrator would from the shell."""
    server.cli("users", "add", login, *(["--admin"] if admin else []), "--password-stdin", stdin=password + "\n")
    return Person(login, password)


async def sign_in(page: Page, person: Person, next_path: str = "/console") -> None:
    await page.goto(f"/console/login?next={next_path}")
    await page.get_by_label("Login").fill(person.login)
    await page.get_by_label("Password").fill(person.password)
    await page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    await page.wait_for_url(re.compile(r".*/console.*"))


async def screenshot(page: Page, name: str) -> None:
    """Refresh ``docs/screenshots/<name>.png`` when asked to (BASTION_SCREENSHOTS=1)."""
    if os.environ.get("BASTION_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def setup_link_from_log(server: BastionProcess) -> str:
    found = re.findall(r"https?://\S+/console/setup\?token=\S+", server.log())
    assert found, f"no setup link in the server output:\n{server.log()}"
    return found[-1]

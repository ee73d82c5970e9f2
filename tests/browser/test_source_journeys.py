"""The administrator's data source journey in a real browser: a SQL database instead of the demo, then
*Test connection*; a URL that cannot work is explained first, and nothing changes until the switch is confirmed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.conftest import Person, screenshot, sign_in
from tests.e2e.server import BastionProcess


def shop_database(folder: Path) -> Path:
    path = folder / "shop.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE res_partner (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute(
            "CREATE TABLE sale_order (id INTEGER PRIMARY KEY, partner_id INTEGER REFERENCES res_partner)"
        )
    return path


async def test_an_administrator_switches_the_source_to_a_sql_database_and_tests_the_connection(
    page: Page, console_server: BastionProcess, admin: Person, tmp_path: Path
):
    shop = shop_database(tmp_path)
    await sign_in(page, admin, "/console/source")
    await expect(page.get_by_role("heading", name="Data source", level=1)).to_be_visible()
    await expect(page.get_by_role("link", name="Data source")).to_have_attribute("aria-current", "page")
    await screenshot(page, "source")

    await page.get_by_label("Database URL").fill("shop.db")
    await page.get_by_text("Switch to this SQL database…").click()
    await page.get_by_role("button", name="Switch to this SQL database now").click()
    await expect(page.get_by_role("alert")).to_contain_text("That is not a database URL; give one like")
    assert console_server.cli_json("source", "show")["kind"] == "demo"

    await page.get_by_label("Database URL").fill(f"sqlite:///{shop}")
    await page.get_by_label("Writable").check()
    sql = page.locator("section", has=page.get_by_role("heading", name="A SQL database"))
    await sql.get_by_text("Switch to this SQL database…").click()
    await expect(sql.get_by_text("Every connection and every user sees the new source")).to_be_visible()
    await screenshot(page, "source-confirm")
    await page.get_by_role("button", name="Switch to this SQL database now").click()

    await expect(page.get_by_text("Data source changed. Connections use it from their next tool call.")).to_be_visible()
    current = page.locator("section", has=page.get_by_role("heading", name="In use now"))
    await expect(current).to_contain_text("SQL database")
    await expect(current).to_contain_text(f"sqlite:///{shop}")
    await expect(current).to_contain_text("Yes: tools may create, change and delete rows")
    shown = console_server.cli_json("source", "show")
    assert (shown["kind"], shown["url"], shown["writable"]) == ("sql", f"sqlite:///{shop}", True)

    await page.get_by_role("button", name="Test connection").click()
    result = page.locator("#test-result")
    await expect(result).to_contain_text("The data source answered.")
    await expect(result).to_contain_text("SQLite 3.")
    await expect(result).to_contain_text("sqlalchemy")
    await expect(result).to_contain_text("ada")
    await expect(result).to_contain_text("2 models, writable")
    await screenshot(page, "source-tested")

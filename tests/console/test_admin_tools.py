"""The Tools page over HTTP: the catalog, the switch-off confirmation (dialog and page), CSRF, and /mcp obeying it."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from markupsafe import escape

from bastion.tools.catalog import catalog_registry
from bastion.tools.registry import RiskLevel, ToolRegistry
from bastion.tools.switches import inactive_tools
from tests.console.test_accounts_pages import hidden, sign_in
from tests.factories import make_api_key, make_user
from tests.mcp.helpers import SET_NOTE, audit_events, make_member, sdk_client

TOOLS = "/console/tools"
DISABLE = f"{TOOLS}/set_note/disable"
ENABLE = f"{TOOLS}/set_note/enable"
# A second test-only tool, so the page shows every risk colour.
PURGE = replace(SET_NOTE, name="purge_notes", title="Purge notes", risk=RiskLevel.HIGH)


@pytest.fixture(autouse=True)
def catalog_with_test_tools(monkeypatch: pytest.MonkeyPatch) -> ToolRegistry:
    """The product's registry plus test-only write tools, served at /mcp and shown on the page alike."""
    tools = catalog_registry()
    tools.register(SET_NOTE)
    tools.register(PURGE)
    monkeypatch.setattr("bastion.app.default_registry", lambda _resolve_env: tools)
    return tools


async def signed_in_admin(client, services, login: str = "ada") -> str:
    await make_user(services, login, admin=True)
    await sign_in(client, login)
    return hidden((await client.get(TOOLS)).text, "csrf_token")


async def inactive(services) -> frozenset[str]:
    async with services.transaction() as session:
        return await inactive_tools(session)


def row(html: str, name: str) -> str:
    found = re.search(rf'<tr id="tool-{name}".*?</tr>', html, re.DOTALL)
    assert found, f"no row for {name}"
    return found.group(0)


@pytest.fixture
async def mcp_key(services) -> str:
    return (await make_api_key(services, await make_member(services, "bot"))).secret


async def listed_at_mcp(app, key: str) -> list[str]:
    async with sdk_client(app, key, "legacy") as mcp:
        return [tool.name for tool in (await mcp.list_tools()).tools]


# --- who may see it ------------------------------------------------------------------------------------


async def test_the_tools_page_asks_a_visitor_to_sign_in(client):
    response = await client.get(TOOLS)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Ftools"


async def test_a_user_who_is_not_an_administrator_gets_forbidden_and_switches_nothing(client, services):
    await make_user(services, "alice")
    await sign_in(client, "alice")
    csrf_token = hidden((await client.get("/console")).text, "csrf_token")

    page = await client.get(TOOLS)
    confirm = await client.get(DISABLE)
    disabled = await client.post(DISABLE, data={"csrf_token": csrf_token})

    for response in (page, confirm, disabled):
        assert response.status_code == 403
        assert "Administrators only" in response.text
        assert "This page is for administrators." in response.text
    assert 'href="/console/tools"' not in page.text.split("<main")[0]  # the nav hides the link from users
    assert await inactive(services) == frozenset()


# --- the page ------------------------------------------------------------------------------------------


async def test_the_page_lists_every_tool_with_category_risk_badge_scope_description_and_switch(
    client, services, catalog_with_test_tools
):
    await signed_in_admin(client, services)
    page = await client.get(TOOLS)

    assert page.status_code == 200
    assert '<a href="/console/tools" aria-current="page">Tools</a>' in page.text
    names = re.findall(r'<tr id="tool-([^"]+)"', page.text)
    assert names == catalog_with_test_tools.names()
    assert {"purge_notes", "set_note", "whoami", "search_records"} <= set(names)
    note = row(page.text, "set_note")
    assert '<code class="tool-name">set_note</code><span class="tool-title">Set a note</span>' in note
    assert "<td>Write</td>" in note
    assert '<span class="pill risk-medium">Medium<span class="visually-hidden"> risk</span></span>' in note
    assert "<code>mcp:write</code>" in note
    assert "Saves a note (test-only write tool)." in note
    assert '<span class="pill tool-on">On</span>' in note
    assert f'action="{DISABLE}" data-opens-dialog="disable-set_note"' in note
    assert 'class="pill risk-high">High' in row(page.text, "purge_notes")
    who = row(page.text, "whoami")
    assert 'class="pill risk-low">Low' in who
    assert "<td>Session</td>" in who
    assert "Always on: clients call it to check who they are connected as." in who
    assert "Switch off" not in who
    # The long description is there in full, behind its first sentence.
    assert str(escape("Takes no arguments; call it first when unsure what you may do.")) in who


async def test_the_dialog_and_the_confirmation_page_ask_before_switching_off(client, services):
    await signed_in_admin(client, services)
    page = await client.get(TOOLS)
    dialog = re.search(r'<dialog id="disable-set_note".*?</dialog>', page.text, re.DOTALL)
    assert dialog, "no confirmation dialog for set_note"
    assert "Switch off “set_note”?" in dialog.group(0)
    assert f'<form method="post" action="{DISABLE}">' in dialog.group(0)
    assert 'formmethod="dialog"' in dialog.group(0)
    assert 'id="disable-whoami"' not in page.text

    confirm = await client.get(DISABLE)  # what the same button opens without JavaScript
    assert confirm.status_code == 200
    assert '<h1 id="confirm-heading">Switch off “set_note”?</h1>' in confirm.text
    assert "every call to it is refused with a message saying an administrator switched it off" in confirm.text
    assert f'<form method="post" action="{DISABLE}">' in confirm.text
    assert f'<a class="button secondary" href="{TOOLS}">Cancel</a>' in confirm.text
    assert await inactive(services) == frozenset()


async def test_switching_off_hides_the_tool_from_mcp_and_switching_on_brings_it_back(app, client, services, mcp_key):
    csrf_token = await signed_in_admin(client, services)
    before = await listed_at_mcp(app, mcp_key)
    assert {"purge_notes", "set_note", "whoami"} <= set(before)

    off = await client.post(DISABLE, data={"csrf_token": csrf_token})
    assert off.status_code == 303
    assert off.headers["location"] == f"{TOOLS}?done=off&tool=set_note#tool-set_note"
    assert await listed_at_mcp(app, mcp_key) == [name for name in before if name != "set_note"]
    page = await client.get(off.headers["location"])
    assert (
        '<p class="alert warning" role="status">“set_note” is switched off. It is no longer in tools/list, '
        "and every call to it is refused, from the next request.</p>"
    ) in page.text
    note = row(page.text, "set_note")
    assert '<span class="pill tool-off">Off</span>' in note
    assert f'<form method="post" action="{ENABLE}">' in note

    on = await client.post(ENABLE, data={"csrf_token": csrf_token})
    assert on.headers["location"] == f"{TOOLS}?done=on&tool=set_note#tool-set_note"
    assert await listed_at_mcp(app, mcp_key) == before
    assert "“set_note” is switched on." in (await client.get(on.headers["location"])).text

    [disabled] = await audit_events(services, "tool.disabled")
    [enabled] = await audit_events(services, "tool.enabled")
    assert disabled.detail == enabled.detail == {"tool": "set_note"}
    assert disabled.user_id is not None and disabled.user_id == enabled.user_id


async def test_a_switch_without_the_session_csrf_token_changes_nothing(client, services):
    await signed_in_admin(client, services)

    response = await client.post(DISABLE, data={"csrf_token": "forged"})

    assert response.status_code == 403
    assert "This form expired" in response.text
    assert "The form was out of date or came from another site, so nothing changed." in response.text
    assert await inactive(services) == frozenset()
    assert await audit_events(services, "tool.disabled") == []


async def test_switching_off_twice_says_nothing_changed_and_the_confirmation_page_goes_back(client, services):
    csrf_token = await signed_in_admin(client, services)
    await client.post(DISABLE, data={"csrf_token": csrf_token})

    again = await client.post(DISABLE, data={"csrf_token": csrf_token})
    assert again.headers["location"] == f"{TOOLS}?done=unchanged-off&tool=set_note#tool-set_note"
    assert "“set_note” was already switched off; nothing changed." in (await client.get(again.headers["location"])).text
    confirm = await client.get(DISABLE)
    assert confirm.status_code == 303
    assert confirm.headers["location"] == f"{TOOLS}?done=unchanged-off&tool=set_note"
    assert len(await audit_events(services, "tool.disabled")) == 1


async def test_whoami_cannot_be_switched_off_from_the_console_either(client, services):
    csrf_token = await signed_in_admin(client, services)

    response = await client.post(f"{TOOLS}/whoami/disable", data={"csrf_token": csrf_token})

    assert response.status_code == 400
    assert "This tool stays on" in response.text
    assert "The tool &#39;whoami&#39; cannot be switched off: it is the session tool clients call" in response.text
    assert await inactive(services) == frozenset()


async def test_an_unknown_tool_is_not_found_and_a_notice_for_one_is_not_shown(client, services):
    csrf_token = await signed_in_admin(client, services)

    missing = await client.post(f"{TOOLS}/drop_database/disable", data={"csrf_token": csrf_token})
    page = await client.get(f"{TOOLS}?done=off&tool=%3Cscript%3E")

    assert missing.status_code == 404
    assert "Tool not found" in missing.text
    assert "There is no tool by that name. The Tools page lists every tool Bastion serves." in missing.text
    assert 'role="status"' not in page.text

"""Connect a New Tool ▸ API key over HTTP: the form, the key shown exactly once, snippets that work, roles."""

from __future__ import annotations

import html
import json
import re
import shlex
from urllib.parse import urlsplit

import pytest

from bastion.store.models import AuditEvent
from tests.console.test_accounts_pages import set_cookie_headers
from tests.console.test_wizard_pages import (
    MCP_URL,
    all_connections,
    connection_count,
    csrf_of,
    input_value,
    signed_in,
    text_of,
    user_named,
)
from tests.factories import make_oauth_client, make_user
from tests.mcp.helpers import audit_events

FORM = "/console/connect/api-key"
REVEAL_COOKIE = "bastion_key_reveal"


async def create_key(browser, **fields: str):
    data = {"name": "Cursor on my laptop", "scope": "full", "csrf_token": await csrf_of(browser, FORM)} | fields
    return await browser.post(FORM, data=data)


def snippet(page: str, slug: str) -> str:
    found = re.search(rf'<code id="snippet-{slug}-text">(.*?)</code>', page, re.S)
    assert found, f"no {slug} snippet in the page"
    return html.unescape(found.group(1))


def curl_request(command: str) -> tuple[str, dict[str, str], str]:
    """The URL, headers and body of the curl command exactly as a shell would pass them to curl."""
    words = shlex.split(command.replace("\\\n", " "))
    assert words[:2] == ["curl", "-sS"], words
    url, headers, body = words[2], {}, None
    rest = iter(words[3:])
    for word in rest:
        if word == "-H":
            name, _, value = next(rest).partition(": ")
            headers[name] = value
        elif word == "--data":
            body = next(rest)
        else:
            raise AssertionError(f"unexpected curl argument {word!r}")
    assert body is not None
    return url, headers, body


# --- the form ----------------------------------------------------------------------------------------


async def test_the_form_asks_name_and_scope_and_a_user_sees_the_key_acts_as_them(app, services):
    async with signed_in(app, services, "alice") as browser:
        page = (await browser.get(FORM)).text

    assert "Step 2 of 3" in page
    assert '<label for="name">Name</label>' in page
    assert '<label for="scope-full">Full access</label>' in page and '<label for="scope-read">Read-only</label>' in page
    assert 'id="scope-full" name="scope" value="full" checked' in page
    assert "<select" not in page
    assert "You (alice). Only administrators create keys that act as someone else." in text_of(page)


async def test_an_administrator_picks_among_active_users_with_themselves_chosen(app, services):
    await make_user(services, "bob")
    gone = await make_user(services, "carol")
    async with services.transaction() as session:
        (await session.get(type(gone), gone.id)).active = False
    async with signed_in(app, services, "ada", admin=True) as admin:
        page = (await admin.get(FORM)).text

    ada, bob = await user_named(services, "ada"), await user_named(services, "bob")
    assert '<label for="acts_as">Acts as</label>' in page
    assert f'<option value="{ada.id}" selected>ada — me</option>' in page
    assert f'<option value="{bob.id}">bob</option>' in page
    assert "carol" not in page


# --- creating and showing the key once ---------------------------------------------------------------


async def test_creating_a_key_redirects_to_a_done_page_that_shows_it_once_with_snippets(app, services):
    async with signed_in(app, services, "alice") as browser:
        created = await create_key(browser)
        [connection] = await all_connections(services)
        assert created.status_code == 303
        assert created.headers["location"] == f"/console/connect/api-key/{connection.id}/done"
        [cookie] = set_cookie_headers(created, REVEAL_COOKIE)
        assert f"Path=/console/connect/api-key/{connection.id}/done" in cookie
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=300" in cookie

        done = await browser.get(created.headers["location"])
        again = await browser.get(created.headers["location"])

    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    key = input_value(done.text, "api-key")
    assert key.startswith("bst_ak_") and connection.key_prefix == key[:13]
    assert input_value(done.text, "mcp-url") == MCP_URL
    words = text_of(done.text)
    assert "Shown exactly once — copy it now." in words
    assert "If you lose it, rotate the key from the connection page" in words
    assert "acting as alice , with full access (read and change)" in words
    for title in ("Cursor", "Claude Code", "Claude Desktop", "Gemini CLI", "curl", "Any other client"):
        assert f">{title}</h3>" in done.text
    assert key in snippet(done.text, "cursor") and key in snippet(done.text, "curl")
    assert f'href="/console/connections/{connection.id}">Done — go to the connection</a>' in done.text
    assert 'href="/console/connections">Back to connections</a>' in done.text
    [cleared] = set_cookie_headers(done, REVEAL_COOKIE)
    assert "Max-Age=0" in cleared or "expires=Thu, 01 Jan 1970" in cleared.lower()

    # The reload: the key is gone for good, and the page says what to do instead.
    assert again.status_code == 200
    assert key not in again.text and 'id="api-key"' not in again.text and "snippet-curl" not in again.text
    assert "This key was shown once" in again.text
    assert "choose Rotate Key" in text_of(again.text)
    assert await connection_count(services) == 1


async def test_the_curl_snippet_sent_exactly_as_written_calls_whoami_with_the_new_key(app, services, client):
    async with signed_in(app, services, "alice") as browser:
        created = await create_key(browser, name="Nightly report script")
        page = (await browser.get(created.headers["location"])).text

    url, headers, body = curl_request(snippet(page, "curl"))
    assert url == MCP_URL
    response = await client.post(urlsplit(url).path, headers=headers, content=body.encode())

    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["isError"] is False
    assert result["structuredContent"]["user"]["login"] == "alice"
    assert result["structuredContent"]["connection"]["name"] == "Nightly report script"
    assert result["structuredContent"]["protocol"]["version"] == "2026-07-28"


async def test_the_cursor_and_gemini_snippets_hold_the_key_the_page_showed(app, services):
    async with signed_in(app, services, "alice") as browser:
        created = await create_key(browser)
        page = (await browser.get(created.headers["location"])).text

    key = input_value(page, "api-key")
    cursor = json.loads(snippet(page, "cursor"))
    gemini = json.loads(snippet(page, "gemini"))
    assert cursor == {"mcpServers": {"bastion": {"url": MCP_URL, "headers": {"Authorization": f"Bearer {key}"}}}}
    assert gemini["mcpServers"]["bastion"] == {"httpUrl": MCP_URL, "headers": {"Authorization": f"Bearer {key}"}}
    assert snippet(page, "header") == f"Authorization: Bearer {key}"


async def test_the_creation_is_audited_with_who_did_it(app, services):
    async with signed_in(app, services, "alice") as browser:
        await create_key(browser)

    alice = await user_named(services, "alice")
    [event] = await audit_events(services, "connection.created")
    assert isinstance(event, AuditEvent)
    assert event.user_id == alice.id and event.detail == {"kind": "api_key"}


async def test_an_administrator_makes_a_read_only_key_acting_as_another_user(app, services, client):
    bob = await make_user(services, "bob")
    async with signed_in(app, services, "ada", admin=True) as admin:
        created = await create_key(admin, name="Bob's reports", acts_as=str(bob.id), scope="read")
        page = (await admin.get(created.headers["location"])).text

    [connection] = await all_connections(services)
    assert connection.user_id == bob.id and connection.scopes == "mcp:read"
    assert "acting as bob , with read-only access" in text_of(page)
    _url, headers, body = curl_request(snippet(page, "curl"))
    result = (await client.post("/mcp", headers=headers, content=body.encode())).json()["result"]
    assert result["structuredContent"]["user"]["login"] == "bob"
    assert result["structuredContent"]["scopes"] == ["mcp:read"]


async def test_a_user_cannot_make_a_key_acting_as_someone_else(app, services):
    bob = await make_user(services, "bob")
    async with signed_in(app, services, "alice") as browser:
        response = await create_key(browser, acts_as=str(bob.id))

    assert response.status_code == 403
    assert "You can create API keys that act as you only." in response.text
    assert "Nothing was created." in response.text
    assert await connection_count(services) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "   "}, "Give the connection a name, e.g. “Acme Internal CRM”."),
        ({"name": "x" * 121}, "The name may be at most 120 characters long."),
        ({"scope": "admin"}, "Choose Full access or Read-only."),
        ({"acts_as": "99999"}, "Choose an active user from the list"),
        ({"acts_as": "9" * 40}, "Choose an active user from the list"),
    ],
)
async def test_bad_input_shows_the_form_again_with_the_message_by_the_field(app, services, fields, message):
    async with signed_in(app, services, "ada", admin=True) as admin:
        response = await create_key(admin, **({"scope": "read"} | fields))

    assert response.status_code == 400
    assert message in response.text
    assert 'class="field-error"' in response.text and 'aria-invalid="true"' in response.text
    assert "Nothing was created yet" in response.text
    if "scope" not in fields:
        assert 'id="scope-read" name="scope" value="read" checked' in response.text  # values kept
    assert await connection_count(services) == 0


async def test_a_deactivated_user_cannot_be_chosen(app, services):
    carol = await make_user(services, "carol")
    async with services.transaction() as session:
        (await session.get(type(carol), carol.id)).active = False
    async with signed_in(app, services, "ada", admin=True) as admin:
        response = await create_key(admin, acts_as=str(carol.id))

    assert response.status_code == 400
    assert "Choose an active user from the list; deactivated users cannot have keys." in response.text
    assert await connection_count(services) == 0


async def test_a_post_without_the_session_csrf_token_creates_nothing(app, services):
    async with signed_in(app, services, "alice") as browser:
        response = await browser.post(FORM, data={"name": "Sneaky", "scope": "full", "csrf_token": "forged"})

    assert response.status_code == 403
    assert "This form expired" in response.text
    assert await connection_count(services) == 0


async def test_a_key_name_with_markup_is_shown_as_text(app, services):
    async with signed_in(app, services, "alice") as browser:
        created = await create_key(browser, name="<script>alert(1)</script>")
        page = (await browser.get(created.headers["location"])).text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- who may see a done page, and when the key is gone -------------------------------------------------


async def test_someone_elses_done_page_is_not_found_and_an_administrator_sees_it_without_the_key(app, services):
    async with signed_in(app, services, "alice") as alice:
        created = await create_key(alice)
        location = created.headers["location"]
        async with signed_in(app, services, "bob") as bob:
            # Even holding alice's reveal cookie, bob gets nothing: the page is not his.
            bob.cookies.set(REVEAL_COOKIE, created.cookies[REVEAL_COOKIE], path=location)
            refused = await bob.get(location)
        async with signed_in(app, services, "ada", admin=True) as admin:
            admin.cookies.set(REVEAL_COOKIE, created.cookies[REVEAL_COOKIE], path=location)
            seen = await admin.get(location)

    assert refused.status_code == 404
    assert "Connection not found" in refused.text
    assert seen.status_code == 200 and "This key was shown once" in seen.text and 'id="api-key"' not in seen.text


async def test_a_done_page_for_an_unknown_or_oauth_connection_is_not_found(app, services):
    async with signed_in(app, services, "alice") as browser:
        oauth = await make_oauth_client(services, owner=await user_named(services, "alice"))
        unknown = await browser.get("/console/connect/api-key/4242/done")
        beyond_any_id = await browser.get("/console/connect/api-key/99999999999999999/done")
        not_a_key = await browser.get(f"/console/connect/api-key/{oauth.connection.id}/done")

    for response in (unknown, beyond_any_id, not_a_key):
        assert response.status_code == 404
        assert "Connection not found" in response.text


async def test_the_key_is_not_shown_after_five_minutes_or_with_a_changed_cookie(app, services, clock):
    async with signed_in(app, services, "alice") as browser:
        created = await create_key(browser)
        location = created.headers["location"]
        sealed = created.cookies[REVEAL_COOKIE]
        browser.cookies.set(REVEAL_COOKIE, sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"))
        changed = await browser.get(location)
        browser.cookies.set(REVEAL_COOKIE, sealed, path=location)
        clock.advance(301)
        late = await browser.get(location)

    for response in (changed, late):
        assert response.status_code == 200
        assert "This key was shown once" in response.text and 'id="api-key"' not in response.text


async def test_a_signed_out_post_goes_to_sign_in_and_creates_nothing(client, services):
    await make_user(services, "alice")

    response = await client.post(FORM, data={"name": "x", "scope": "full"})

    assert response.status_code == 303 and response.headers["location"].startswith("/console/login?next=")
    assert await connection_count(services) == 0

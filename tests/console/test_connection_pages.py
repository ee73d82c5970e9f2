"""The connections list and the connection form over HTTP: roles, filters, edit, rotate, revoke, reactivate."""

from __future__ import annotations

import html
import re

import httpx2

from bastion import credentials
from bastion.store.models import User
from bastion.store.repositories import Connections, ConnectionUse
from tests.conftest import PUBLIC_URL
from tests.console.test_accounts_pages import hidden, sign_in
from tests.factories import make_api_key, make_oauth_client, make_user
from tests.mcp.helpers import audit_events, initialize_request, make_access_token, post_mcp

LIST = "/console/connections"
XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"


async def signed_in(
    client: httpx2.AsyncClient, services, login: str = "ada", *, admin: bool = True
) -> tuple[User, str]:
    """A new user, signed in; returns them and the session's CSRF token."""
    user = await make_user(services, login, admin=admin)
    await sign_in(client, login)
    return user, hidden((await client.get("/console")).text, "csrf_token")


async def stored(services, connection_id: int):
    async with services.transaction() as session:
        return await Connections(session).get(connection_id)


def text_of(page: str) -> str:
    """The page's words without tags, spaces collapsed, entities decoded: what a person reads."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


async def client_credentials(client: httpx2.AsyncClient, client_id: str, secret: str) -> httpx2.Response:
    return await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "resource": f"{PUBLIC_URL}/mcp"},
        auth=httpx2.BasicAuth(client_id, secret),
    )


# --- the list ------------------------------------------------------------------------------------------


async def test_signed_out_visitors_are_sent_to_sign_in_and_come_back(client):
    response = await client.get(LIST, params={"status": "idle"})
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Fconnections%3Fstatus%3Didle"
    assert (await client.get(f"{LIST}/1")).headers["location"].startswith("/console/login?next=")
    # A form posted after the session ended comes back to the connection, not to a POST-only URL.
    posted = await client.post(f"{LIST}/7/rotate", data={"csrf_token": "x"})
    assert posted.status_code == 303
    assert posted.headers["location"] == "/console/login?next=%2Fconsole%2Fconnections%2F7"


async def test_the_list_shows_type_name_user_status_last_use_and_requests(client, services, clock):
    ada, _ = await signed_in(client, services)
    issued = await make_api_key(services, ada, name="Cursor on my laptop")
    async with services.transaction() as session:
        await Connections(session).record_uses([ConnectionUse(issued.connection.id, services.clock())])
    clock.advance(3 * 3600)

    response = await client.get(LIST)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    row = re.search(r"<tr>\s*<td class=\"type\">API key</td>.*?</tr>", response.text, re.S).group(0)
    assert f'<a href="{LIST}/{issued.connection.id}">Cursor on my laptop</a>' in row
    assert "<td>ada</td>" in row
    assert '<span class="pill connected">Connected</span>' in row
    assert re.search(r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">3 hours ago</time>', row)
    assert '<td class="number">1</td>' in row
    assert "Showing 1–1 of 1 connection (revoked ones hidden)." in text_of(response.text)
    assert '<a class="button primary" href="/console/connect">Connect a New Tool</a>' in response.text


async def test_idle_connections_say_for_how_long_and_self_registered_clients_are_marked(client, services, clock):
    ada = await make_user(services, "ada", admin=True)
    issued = await make_oauth_client(services, owner=ada)
    async with services.transaction() as session:
        connection = await Connections(session).get(issued.connection.id)
        connection.is_dynamic = True
        await Connections(session).record_uses([ConnectionUse(issued.connection.id, services.clock())])
    clock.advance(9 * 86400 + 5 * 3600)
    await sign_in(client, "ada")

    page = (await client.get(LIST)).text

    assert '<span class="pill idle">Idle for 9 days, 5 hours</span>' in page
    assert 'OAuth client <span class="tag">self-registered</span>' in page


async def test_revoked_connections_are_hidden_by_default_and_shown_by_their_filter(client, services):
    ada, csrf = await signed_in(client, services)
    kept = await make_oauth_client(services, name="Kept", owner=ada)
    gone = await make_oauth_client(services, name="Gone", owner=ada)
    await client.post(f"{LIST}/{gone.connection.id}/revoke", data={"csrf_token": csrf})

    default = (await client.get(LIST)).text
    revoked = (await client.get(LIST, params={"status": "revoked"})).text

    assert ">Kept</a>" in default and ">Gone</a>" not in default
    assert ">Gone</a>" in revoked and ">Kept</a>" not in revoked
    assert '<span class="pill revoked">Revoked</span>' in revoked
    assert '<option value="revoked" selected>Revoked</option>' in revoked
    assert kept.connection.id != gone.connection.id


async def test_a_connection_saved_by_the_wizard_is_named_in_a_notice_only_to_who_may_see_it(client, services):
    bea, _ = await signed_in(client, services, "bea", admin=False)
    mine = await make_oauth_client(services, name=f"Acme {XSS}", owner=bea)
    theirs = await make_oauth_client(services, name="Someone else's")

    shown = await client.get(LIST, params={"saved": mine.connection.id})
    hidden_notice = await client.get(LIST, params={"saved": theirs.connection.id})

    assert f"Saved Acme {XSS} . It shows as Awaiting connection" in text_of(shown.text)
    assert ESCAPED_XSS in shown.text and XSS not in shown.text
    assert "Saved " not in text_of(hidden_notice.text)


async def test_filters_search_and_grouping_come_from_the_url(client, services):
    ada, _ = await signed_in(client, services)
    await make_api_key(services, ada, name="Cursor")
    await make_oauth_client(services, name="Acme CRM", owner=ada)

    keys = (await client.get(LIST, params={"type": "api_key"})).text
    searched = (await client.get(LIST, params={"q": "acme"})).text
    grouped = (await client.get(LIST, params={"group": "type"})).text

    assert ">Cursor</a>" in keys and ">Acme CRM</a>" not in keys
    assert ">Acme CRM</a>" in searched and ">Cursor</a>" not in searched
    assert 'value="acme"' in searched
    headings = re.findall(r'<th scope="colgroup" colspan="6">(.*?)</th>', grouped, re.S)
    assert [text_of(h) for h in headings] == ["OAuth clients · 1 connection", "API keys · 1 connection"]


async def test_the_filter_form_works_without_javascript_and_is_enhanced_by_htmx(client, services):
    await signed_in(client, services)
    page = (await client.get(LIST)).text
    form = re.search(r"<form class=\"card filters\"[^>]*>", page, re.S).group(0)
    assert 'method="get" action="/console/connections"' in form
    assert 'hx-get="/console/connections"' in form and 'hx-push-url="true"' in form
    assert 'hx-select="#connection-results"' in form and 'id="connection-results"' in page
    for field_id, label in [
        ("filter-q", "Name contains"),
        ("filter-status", "Status"),
        ("filter-type", "Type"),
        ("filter-group", "Group by"),
        ("filter-dynamic", "Dynamic registrations only"),
    ]:
        assert f'<label for="{field_id}">{label}</label>' in page


async def test_paging_links_keep_the_filters(client, services):
    ada, _ = await signed_in(client, services)
    for number in range(51):
        await make_oauth_client(services, name=f"Flow {number}", owner=ada)

    first = (await client.get(LIST, params={"q": "flow"})).text
    second = (await client.get(LIST, params={"q": "flow", "page": "2"})).text

    assert "Showing 1–50 of 51 connections" in text_of(first)
    assert f'<a href="{LIST}?q=flow&amp;page=2" rel="next">' in first
    assert "Showing 51–51 of 51 connections" in text_of(second)
    assert ">Flow 0</a>" in second and f'<a href="{LIST}?q=flow" rel="prev">' in second


async def test_empty_states_say_what_to_do(client, services):
    ada, _ = await signed_in(client, services)
    nothing = text_of((await client.get(LIST)).text)
    assert "No connections yet" in nothing and "Connect a New Tool" in nothing

    await make_api_key(services, ada, name="Cursor")
    no_match = (await client.get(LIST, params={"q": "zzz"})).text
    assert "No connections match these filters" in text_of(no_match)
    assert f'<a class="button secondary" href="{LIST}?status=all">Show all connections</a>' in no_match


async def test_a_user_sees_only_their_own_connections_without_the_user_column(client, services):
    ada = await make_user(services, "ada", admin=True)
    await make_api_key(services, ada, name="Ada key")
    alice, _ = await signed_in(client, services, "alice", admin=False)
    await make_api_key(services, alice, name="Alice key")

    page = (await client.get(LIST, params={"status": "all"})).text

    assert ">Alice key</a>" in page and "Ada key" not in page
    assert '<th scope="col">User</th>' not in page
    assert '<option value="user"' not in page


async def test_stored_names_are_escaped_in_the_list(client, services):
    ada, _ = await signed_in(client, services)
    await make_oauth_client(services, name=XSS, owner=ada)
    page = (await client.get(LIST)).text
    assert XSS not in page and ESCAPED_XSS in page


# --- the form ------------------------------------------------------------------------------------------


async def test_an_oauth_client_form_shows_its_credentials_statistics_and_actions(client, services):
    ada, _ = await signed_in(client, services)
    issued = await make_oauth_client(services, owner=ada, redirect_uris=["https://app.example.com/cb"])
    await make_access_token(services, issued.connection, ada)

    response = await client.get(f"{LIST}/{issued.connection.id}")
    page = text_of(response.text)

    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert f'value="{issued.connection.client_id}" readonly' in response.text
    assert f'value="{PUBLIC_URL}/mcp" readonly' in response.text
    assert "Client type Confidential — has a client secret" in page
    assert "Client authentication Client secret in an HTTP Basic header (client_secret_basic)" in page
    assert "Redirect URIs https://app.example.com/cb" in page
    assert "Active tokens 1" in page and "Requests 0" in page and "Last used never" in page
    assert '<span class="pill awaiting_connection">Awaiting connection</span>' in response.text
    assert '<button type="submit" class="button secondary">Rotate Secret Key</button>' in response.text
    assert '<button type="submit" class="button danger">Revoke</button>' in response.text
    assert '<dialog id="rotate-dialog"' in response.text and '<dialog id="revoke-dialog"' in response.text
    assert "The current client secret stops working immediately." in page


async def test_an_api_key_form_shows_who_it_acts_as_its_scope_and_its_prefix(client, services):
    await signed_in(client, services)
    alice = await make_user(services, "alice")
    issued = await make_api_key(services, alice, read_only=True)

    page = text_of((await client.get(f"{LIST}/{issued.connection.id}")).text)

    assert "Acts as alice" in page and "Allowed access Read-only" in page
    assert f"API key {issued.connection.key_prefix}…" in page
    assert "Rotate Key" in page and "Active tokens" not in page
    assert issued.secret not in page


async def test_a_public_client_has_no_rotate_button_and_rotating_it_says_why(client, services):
    _, csrf = await signed_in(client, services)
    issued = await make_oauth_client(services, client_type="public")
    path = f"{LIST}/{issued.connection.id}"

    page = (await client.get(path)).text
    refused = await client.post(f"{path}/rotate", data={"csrf_token": csrf, "current": "x"})

    assert "Rotate" not in page and "Public — PKCE only, no secret" in page
    assert refused.status_code == 400
    assert "it has no secret to rotate" in text_of(refused.text)


async def test_a_self_registered_client_shows_its_registration_details_escaped(client, services):
    await signed_in(client, services)
    registration = await client.post(
        "/oauth/register",
        json={
            "client_name": XSS,
            "redirect_uris": ["http://127.0.0.1:33418/callback"],
            "token_endpoint_auth_method": "none",
            "software_id": "<img src=x onerror=alert(1)>",
            "software_version": "2.0",
        },
    )
    assert registration.status_code == 201, registration.text
    async with services.transaction() as session:
        [connection] = await Connections(session).listing()

    response = await client.get(f"{LIST}/{connection.id}")
    page = text_of(response.text)

    assert XSS not in response.text and "<img src=x" not in response.text
    assert f"<dt>Client name as sent</dt><dd>{ESCAPED_XSS}</dd>" in response.text
    assert "<dt>Software ID</dt><dd>&lt;img src=x onerror=alert(1)&gt;</dd>" in response.text
    assert "Software version 2.0" in page and "Registered from 127.0.0.1" in page
    assert "No user yet: it belongs to the first person who allows it" in page


async def test_another_users_connection_is_not_found_on_every_url_and_nothing_changes(client, services):
    ada = await make_user(services, "ada", admin=True)
    theirs = await make_api_key(services, ada, name="Ada key")
    _, csrf = await signed_in(client, services, "alice", admin=False)
    path = f"{LIST}/{theirs.connection.id}"

    answers = [
        await client.get(path),
        await client.get(f"{path}/rotate"),
        await client.get(f"{path}/revoke"),
        await client.post(path, data={"csrf_token": csrf, "name": "mine now", "notes": ""}),
        await client.post(f"{path}/rotate", data={"csrf_token": csrf}),
        await client.post(f"{path}/revoke", data={"csrf_token": csrf}),
        await client.post(f"{path}/reactivate", data={"csrf_token": csrf}),
    ]
    missing = await client.get(f"{LIST}/99999")
    not_a_number = await client.get(f"{LIST}/abc")

    for answer in [*answers, missing, not_a_number]:
        assert answer.status_code == 404
        assert "There is no such connection among the ones you can see." in text_of(answer.text)
    after = await stored(services, theirs.connection.id)
    assert (after.name, after.revoked_at, after.key_digest) == ("Ada key", None, theirs.connection.key_digest)


# --- editing -------------------------------------------------------------------------------------------


async def test_saving_name_redirect_uris_and_notes_redirects_with_a_message_and_is_audited(client, services):
    ada, csrf = await signed_in(client, services)
    issued = await make_oauth_client(services, owner=ada)
    path = f"{LIST}/{issued.connection.id}"
    form = {
        "csrf_token": csrf,
        "name": "Acme CRM (prod)",
        "redirect_uris": "https://app.example.com/callback\r\nhttps://app.example.com/v2/cb\r\n",
        "notes": "Ask Bob before rotating.",
    }

    response = await client.post(path, data=form)

    assert response.status_code == 303 and response.headers["location"] == f"{path}?done=saved#edit-heading"
    page = (await client.get(response.headers["location"])).text
    assert "Your changes were saved." in page
    assert "Ask Bob before rotating.</textarea>" in page
    after = await stored(services, issued.connection.id)
    assert after.name == "Acme CRM (prod)"
    assert after.redirect_uris == ["https://app.example.com/callback", "https://app.example.com/v2/cb"]
    [event] = await audit_events(services, "connection.updated")
    assert event.user_id == ada.id and event.detail == {"changed": ["name", "notes", "redirect_uris"]}


async def test_bad_fields_come_back_with_a_message_each_and_the_typed_values_and_nothing_changes(client, services):
    ada, csrf = await signed_in(client, services)
    issued = await make_oauth_client(services, owner=ada)
    path = f"{LIST}/{issued.connection.id}"
    form = {
        "csrf_token": csrf,
        "name": "  ",
        "redirect_uris": "https://ok.example.com/cb\nhttp://crm.example.com/cb",
        "notes": "kept as typed",
    }

    response = await client.post(path, data=form)

    assert response.status_code == 400
    page = text_of(response.text)
    assert "Nothing was saved: fix the fields marked below, then save again." in page
    assert 'id="edit-name-error">Give the connection a name, e.g. “Acme Internal CRM”.</span>' in response.text
    assert "Line 2: 'http://crm.example.com/cb' uses http on a non-loopback host; use https" in page
    assert "https://ok.example.com/cb\nhttp://crm.example.com/cb</textarea>" in response.text
    assert "kept as typed</textarea>" in response.text
    assert 'aria-invalid="true"' in response.text
    after = await stored(services, issued.connection.id)
    assert (after.name, after.notes, after.redirect_uris) == (
        "Acme Internal CRM",
        "",
        ["https://app.example.com/callback"],
    )


async def test_an_api_key_form_has_no_redirect_uris_and_a_user_may_edit_their_own(client, services):
    alice, csrf = await signed_in(client, services, "alice", admin=False)
    issued = await make_api_key(services, alice)
    path = f"{LIST}/{issued.connection.id}"

    assert "redirect_uris" not in (await client.get(path)).text
    response = await client.post(path, data={"csrf_token": csrf, "name": "Laptop", "notes": ""})

    assert response.status_code == 303
    assert (await stored(services, issued.connection.id)).name == "Laptop"


async def test_a_form_without_the_sessions_csrf_token_changes_nothing(client, services):
    ada, _ = await signed_in(client, services)
    issued = await make_api_key(services, ada)
    path = f"{LIST}/{issued.connection.id}"

    answers = [
        await client.post(path, data={"csrf_token": "forged", "name": "Hijacked", "notes": ""}),
        await client.post(f"{path}/rotate", data={"csrf_token": "forged"}),
        await client.post(f"{path}/revoke", data={}),
    ]

    for answer in answers:
        assert answer.status_code == 403 and "This form expired" in answer.text
    after = await stored(services, issued.connection.id)
    assert (after.name, after.revoked_at, after.key_digest) == (
        issued.connection.name,
        None,
        issued.connection.key_digest,
    )


# --- rotate --------------------------------------------------------------------------------------------


async def test_the_rotate_confirmation_page_says_the_current_secret_stops_working(client, services):
    ada, _ = await signed_in(client, services)
    issued = await make_oauth_client(services, owner=ada)

    response = await client.get(f"{LIST}/{issued.connection.id}/rotate")

    page = text_of(response.text)
    assert response.status_code == 200
    assert "Rotate Secret Key?" in page
    assert "The current client secret stops working immediately." in page
    assert f'<form method="post" action="{LIST}/{issued.connection.id}/rotate">' in response.text


async def test_rotating_a_client_secret_shows_the_new_one_once_and_only_it_works(client, services):
    ada, csrf = await signed_in(client, services)
    issued = await make_oauth_client(services, owner=ada)
    path = f"{LIST}/{issued.connection.id}"
    current = hidden((await client.get(f"{path}/rotate")).text, "current")
    assert (await client_credentials(client, issued.connection.client_id, issued.secret)).status_code == 200

    response = await client.post(f"{path}/rotate", data={"csrf_token": csrf, "current": current})

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-secret" value="(bst_cs_[^"]+)"', response.text).group(1)
    page = text_of(response.text)
    assert "Shown exactly once." in page and "What to do next" in page
    assert re.search(r'<ol class="steps">\s*<li>Copy the new client secret', response.text)
    assert "I can't find where to paste the client secret in my app" in page
    assert "Revoke this connection" in page and "Connect a New Tool" in page
    old = await client_credentials(client, issued.connection.client_id, issued.secret)
    assert old.status_code == 401 and "old secret stopped working" in old.json()["error_description"]
    assert (await client_credentials(client, issued.connection.client_id, secret)).status_code == 200
    [event] = await audit_events(services, "connection.rotated")
    assert (event.connection_id, event.user_id) == (issued.connection.id, ada.id)


async def test_posting_the_same_rotate_form_again_rotates_nothing_and_shows_no_secret(client, services):
    ada, csrf = await signed_in(client, services)
    issued = await make_api_key(services, ada)
    path = f"{LIST}/{issued.connection.id}"
    form = {"csrf_token": csrf, "current": hidden((await client.get(f"{path}/rotate")).text, "current")}
    first = await client.post(f"{path}/rotate", data=form)
    digest_after_first = (await stored(services, issued.connection.id)).key_digest

    again = await client.post(f"{path}/rotate", data=form)

    assert first.status_code == 200 and again.status_code == 409
    assert "This API key was already replaced" in again.text
    assert "bst_ak_" not in again.text.replace(issued.connection.key_prefix or "", "")
    assert (await stored(services, issued.connection.id)).key_digest == digest_after_first
    assert len(await audit_events(services, "connection.rotated")) == 1


async def test_rotating_an_api_key_refuses_the_old_key_at_mcp_and_accepts_the_new(client, services):
    ada, csrf = await signed_in(client, services)
    issued = await make_api_key(services, ada)
    path = f"{LIST}/{issued.connection.id}"
    current = hidden((await client.get(path)).text, "current")

    response = await client.post(f"{path}/rotate", data={"csrf_token": csrf, "current": current})

    key = re.search(r'id="new-secret" value="(bst_ak_[^"]+)"', response.text).group(1)
    assert "Ready-to-paste setup lines with the new key" in response.text
    assert f"Authorization: Bearer {key}" in response.text
    assert (await post_mcp(client, initialize_request(), token=issued.secret)).status_code == 401
    assert (await post_mcp(client, initialize_request(), token=key)).status_code == 200
    assert (await stored(services, issued.connection.id)).key_prefix == credentials.visible_prefix(key)


async def test_a_revoked_connection_may_be_rotated_before_it_is_reactivated(client, services):
    ada, csrf = await signed_in(client, services)
    issued = await make_oauth_client(services, owner=ada)
    path = f"{LIST}/{issued.connection.id}"
    await client.post(f"{path}/revoke", data={"csrf_token": csrf})
    current = hidden((await client.get(f"{path}/rotate")).text, "current")

    response = await client.post(f"{path}/rotate", data={"csrf_token": csrf, "current": current})

    assert response.status_code == 200
    assert "This connection is still revoked: the new client secret works once an administrator reactivates it." in (
        text_of(response.text)
    )
    secret = re.search(r'id="new-secret" value="(bst_cs_[^"]+)"', response.text).group(1)
    assert (await client_credentials(client, issued.connection.client_id, secret)).status_code == 401
    await client.post(f"{path}/reactivate", data={"csrf_token": csrf})
    assert (await client_credentials(client, issued.connection.client_id, secret)).status_code == 200
    assert (await client_credentials(client, issued.connection.client_id, issued.secret)).status_code == 401


# --- revoke and reactivate -----------------------------------------------------------------------------


async def test_revoking_ends_every_token_and_the_key_then_an_administrator_reactivates(client, services):
    ada, csrf = await signed_in(client, services)
    issued = await make_api_key(services, ada)
    path = f"{LIST}/{issued.connection.id}"
    confirmation = text_of((await client.get(f"{path}/revoke")).text)
    assert "Revoke this connection?" in confirmation and "stop working at once" in confirmation

    revoked = await client.post(f"{path}/revoke", data={"csrf_token": csrf})

    assert revoked.status_code == 303 and revoked.headers["location"] == f"{path}?done=revoked"
    page = (await client.get(revoked.headers["location"])).text
    assert '<span class="pill revoked">Revoked</span>' in page
    assert "The connection is revoked: its credential and every token it held stopped working." in page
    assert '<button type="submit" class="button primary">Reactivate</button>' in page
    assert (await post_mcp(client, initialize_request(), token=issued.secret)).status_code == 401
    [event] = await audit_events(services, "connection.revoked")
    assert event.user_id == ada.id

    reactivated = await client.post(f"{path}/reactivate", data={"csrf_token": csrf})

    assert reactivated.headers["location"] == f"{path}?done=reactivated"
    page = (await client.get(reactivated.headers["location"])).text
    assert '<span class="pill awaiting_connection">Awaiting connection</span>' in page
    assert (await post_mcp(client, initialize_request(), token=issued.secret)).status_code == 200


async def test_revoking_a_client_revokes_its_access_tokens(client, services):
    ada, csrf = await signed_in(client, services)
    issued = await make_oauth_client(services, owner=ada)
    token = await make_access_token(services, issued.connection, ada)
    assert (await post_mcp(client, initialize_request(), token=token)).status_code == 200

    await client.post(f"{LIST}/{issued.connection.id}/revoke", data={"csrf_token": csrf})

    assert (await post_mcp(client, initialize_request(), token=token)).status_code == 401
    assert "Active tokens 0" in text_of((await client.get(f"{LIST}/{issued.connection.id}")).text)


async def test_a_user_may_revoke_their_own_connection_but_only_an_administrator_reactivates(client, services):
    alice, csrf = await signed_in(client, services, "alice", admin=False)
    issued = await make_api_key(services, alice)
    path = f"{LIST}/{issued.connection.id}"

    await client.post(f"{path}/revoke", data={"csrf_token": csrf})
    page = (await client.get(path)).text
    refused = await client.post(f"{path}/reactivate", data={"csrf_token": csrf})

    assert "Only an administrator can reactivate it." in page and ">Reactivate</button>" not in page
    assert refused.status_code == 403 and "Administrators only" in refused.text
    assert (await stored(services, issued.connection.id)).revoked_at is not None

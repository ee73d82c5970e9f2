"""The Users pages over HTTP: the list, inviting with a one-time setup link, roles, deactivation."""

from __future__ import annotations

import re

import httpx2
import pytest

from bastion import accounts
from bastion.console.admin_users import done_message
from bastion.store.models import User
from bastion.store.repositories import Connections, Users
from tests.console.test_accounts_pages import hidden, sign_in
from tests.factories import PASSWORD, make_api_key, make_oauth_client, make_user
from tests.mcp.helpers import audit_events, initialize_request, post_mcp

USERS = "/console/users"
XSS = "<script>alert(1)</script>"


async def signed_in_admin(client, services, login: str = "ada") -> str:
    """Sign in a new administrator; returns the session's CSRF token."""
    await make_user(services, login, admin=True)
    await sign_in(client, login)
    return hidden((await client.get(USERS)).text, "csrf_token")


async def reload(services, user_id: int):
    async with services.transaction() as session:
        return await Users(session).get(user_id)


def setup_link(html: str) -> str:
    found = re.search(r'<input type="text" id="setup-link" value="([^"]+)" readonly[ >]', html)
    assert found, "no setup link on the page"
    return found.group(1).replace("&amp;", "&")


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<span class="field-error" id="{name}-error">([^<]*)</span>', html)
    assert found, f"no error next to {name}"
    return found.group(1)


# --- rules -----------------------------------------------------------------------------------------------


def test_a_confirmation_is_worded_from_the_stored_user_and_only_when_their_state_agrees():
    deactivated = User(id=5, login="alice", is_admin=False, active=False)

    assert done_message("deactivated", deactivated, {"connections": "2", "tokens": "1"}) == (
        "alice is deactivated and signed out everywhere: 2 connections revoked, 1 token ended."
    )
    assert done_message("reactivated", deactivated, {}) == ""  # an old or hand-made link
    assert done_message("role_admin", deactivated, {}) == ""
    assert done_message("<b>", deactivated, {}) == ""


# --- who may see the pages -------------------------------------------------------------------------------


async def test_a_user_who_is_not_an_administrator_gets_the_forbidden_page_everywhere(client, services):
    ada = await make_user(services, "ada", admin=True)
    await make_user(services, "alice")
    await sign_in(client, "alice")
    csrf_token = hidden((await client.get("/console")).text, "csrf_token")

    responses = [
        await client.get(USERS),
        await client.get(f"{USERS}/new"),
        await client.get(f"{USERS}/{ada.id}"),
        await client.post(f"{USERS}/new", data={"csrf_token": csrf_token, "login": "mallory", "role": "admin"}),
        await client.post(f"{USERS}/{ada.id}/deactivate", data={"csrf_token": csrf_token}),
        await client.post(f"{USERS}/{ada.id}/role", data={"csrf_token": csrf_token, "role": "user"}),
    ]

    for response in responses:
        assert response.status_code == 403
        assert "Administrators only" in response.text
    assert (await reload(services, ada.id)).active and (await reload(services, ada.id)).is_admin
    async with services.transaction() as session:
        assert await Users(session).by_login("mallory") is None


async def test_the_users_page_asks_a_visitor_to_sign_in(client):
    response = await client.get(USERS)

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Fusers"


# --- the list --------------------------------------------------------------------------------------------


async def test_the_list_shows_login_name_role_state_password_and_connection_count(client, services):
    await signed_in_admin(client, services)
    alice = await make_user(services, "alice")
    await make_api_key(services, alice)
    await make_oauth_client(services, owner=alice)
    async with services.transaction() as session:
        carol = await accounts.create_user(session, services.clock(), login="carol", name=XSS, is_admin=False)
        carol.active = False

    page = (await client.get(USERS)).text

    assert '<a href="/console/users" aria-current="page">Users</a>' in page
    assert f'<a href="/console/users/{alice.id}">alice</a>' in page
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    alice_row = next(row for row in rows if ">alice</a>" in row)
    assert "<td>User</td>" in alice_row and ">Active</span>" in alice_row and "<td>Set</td>" in alice_row
    assert '<td class="number">2</td>' in alice_row
    assert "2026-01-01 00:00 UTC" in alice_row
    carol_row = next(row for row in rows if ">carol</a>" in row)
    assert ">Deactivated</span>" in carol_row and "Not set yet" in carol_row
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    ada_row = next(row for row in rows if ">ada</a>" in row)
    assert "<td>Administrator</td>" in ada_row and "(you)" in ada_row


# --- invite ----------------------------------------------------------------------------------------------


async def test_inviting_creates_the_user_and_shows_a_one_time_setup_link_that_works(client, app, services):
    csrf_token = await signed_in_admin(client, services)
    form = await client.get(f"{USERS}/new")
    for label in ('<label for="login">Login</label>', '<label for="name">Name</label>', '<label for="role-admin">'):
        assert label in form.text

    response = await client.post(
        f"{USERS}/new", data={"csrf_token": csrf_token, "login": "grace", "name": "Grace Hopper", "role": "admin"}
    )

    assert response.status_code == 200
    assert "Grace Hopper is invited" in response.text
    assert "Send this link to the person; it works once, within 24 hours." in response.text
    assert 'data-copy-target="setup-link"' in response.text
    assert response.headers["cache-control"] == "no-store"
    async with services.transaction() as session:
        grace = await Users(session).by_login("grace")
    assert grace.is_admin and grace.name == "Grace Hopper" and grace.password_hash is None
    [created] = [event for event in await audit_events(services, "user.created") if event.detail["login"] == "grace"]
    assert created.user_id == (await audit_events(services, "user.signed_in"))[0].user_id
    link = setup_link(response.text)
    assert link.startswith("http://testserver/console/setup?token=")
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as stranger:
        assert "Grace Hopper" in (await stranger.get(link)).text


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"login": "", "role": "user"}, "login", "Give a login, e.g. an e-mail address or a short name."),
        ({"login": "two words", "role": "user"}, "login", "A login has no spaces and at most 100 characters."),
        ({"login": "ADA", "role": "user"}, "login", "A user &#39;ADA&#39; already exists; pick another login."),
        ({"login": "zoe", "role": "owner"}, "role", "Choose a role: User or Administrator."),
        ({"login": "zoe", "name": "x" * 121, "role": "user"}, "name", "A name has at most 120 characters."),
    ],
)
async def test_a_bad_invitation_is_explained_next_to_its_field_keeps_the_values_and_creates_nothing(
    client, services, form, field, message
):
    csrf_token = await signed_in_admin(client, services)

    response = await client.post(f"{USERS}/new", data={"csrf_token": csrf_token, **form})

    assert response.status_code == 400
    assert field_error(response.text, field) == message
    assert f'value="{form["login"]}"' in response.text
    async with services.transaction() as session:
        assert [user.login for user in await Users(session).listing()] == ["ada"]


async def test_an_invitation_without_the_session_csrf_token_creates_nothing(client, services):
    await signed_in_admin(client, services)

    response = await client.post(f"{USERS}/new", data={"csrf_token": "nope", "login": "zoe", "role": "user"})

    assert response.status_code == 403
    async with services.transaction() as session:
        assert await Users(session).by_login("zoe") is None


# --- one user --------------------------------------------------------------------------------------------


async def test_a_users_page_shows_their_account_and_connections_with_status_pills(client, services):
    await signed_in_admin(client, services)
    alice = await make_user(services, "alice")
    key = await make_api_key(services, alice, name=XSS)

    page = (await client.get(f"{USERS}/{alice.id}")).text

    assert "<dt>Role</dt>\n    <dd>User</dd>" in page
    assert f'<a href="/console/connections/{key.connection.id}">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in page
    assert '<span class="pill awaiting_connection">Awaiting connection</span>' in page
    assert "1 in all, 1 active." in page
    assert f'href="/console/audit?user={alice.id}"' in page
    assert "Make alice an administrator" in page
    assert "Their 1 active connection is revoked: keys and tokens stop working at once." in page


async def test_an_unknown_user_is_a_404_page(client, services):
    await signed_in_admin(client, services)

    response = await client.get(f"{USERS}/999")

    assert response.status_code == 404
    assert "No such user" in response.text


async def test_a_role_change_is_confirmed_on_the_users_page(client, services):
    csrf_token = await signed_in_admin(client, services)
    alice = await make_user(services, "alice")

    promoted = await client.post(f"{USERS}/{alice.id}/role", data={"csrf_token": csrf_token, "role": "admin"})

    assert promoted.status_code == 303
    assert "alice is now an administrator." in (await client.get(promoted.headers["location"])).text
    assert (await reload(services, alice.id)).is_admin

    demoted = await client.post(f"{USERS}/{alice.id}/role", data={"csrf_token": csrf_token, "role": "user"})

    assert "alice is now a user" in (await client.get(demoted.headers["location"])).text
    assert not (await reload(services, alice.id)).is_admin


async def test_a_users_page_offers_the_role_change_that_applies_as_a_form_with_the_csrf_token(client, services):
    csrf_token = await signed_in_admin(client, services)
    alice = await make_user(services, "alice")
    grace = await make_user(services, "grace", admin=True)

    def role_form(user_id: int, role: str, title: str) -> str:
        return (
            f'<form method="post" action="/console/users/{user_id}/role">\n'
            f'    <input type="hidden" name="csrf_token" value="{csrf_token}">\n'
            f'    <input type="hidden" name="role" value="{role}">\n'
            f'    <button type="submit" class="button secondary">{title}</button>\n'
            "  </form>"
        )

    user_page = (await client.get(f"{USERS}/{alice.id}")).text
    admin_page = (await client.get(f"{USERS}/{grace.id}")).text

    assert role_form(alice.id, "admin", "Make alice an administrator") in user_page
    assert 'value="user"' not in user_page
    assert role_form(grace.id, "user", "Make grace a user") in admin_page


async def test_an_administrator_cannot_demote_or_deactivate_themselves(client, services):
    csrf_token = await signed_in_admin(client, services)
    await make_user(services, "grace", admin=True)
    async with services.transaction() as session:
        ada = await Users(session).by_login("ada")

    page = (await client.get(f"{USERS}/{ada.id}")).text
    demoted = await client.post(f"{USERS}/{ada.id}/role", data={"csrf_token": csrf_token, "role": "user"})
    deactivated = await client.post(f"{USERS}/{ada.id}/deactivate", data={"csrf_token": csrf_token})

    # The page says why instead of offering the buttons; a POST made anyway is refused the same way.
    assert "You cannot take the administrator role away from yourself." in page
    assert "You cannot deactivate yourself." in page
    assert "Deactivate ada now" not in page
    assert demoted.status_code == 400
    assert "You cannot take the administrator role away from yourself." in demoted.text
    assert deactivated.status_code == 400
    assert "You cannot deactivate yourself." in deactivated.text
    ada = await reload(services, ada.id)
    assert ada.is_admin and ada.active


async def test_deactivating_a_user_kills_their_key_at_mcp_and_their_browser_session(client, app, services):
    csrf_token = await signed_in_admin(client, services)
    alice = await make_user(services, "alice")
    key = (await make_api_key(services, alice)).secret
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as browser:
        await sign_in(browser, "alice")
        assert (await post_mcp(client, initialize_request(), token=key)).status_code == 200

        response = await client.post(f"{USERS}/{alice.id}/deactivate", data={"csrf_token": csrf_token})

        assert response.status_code == 303
        page = (await client.get(response.headers["location"])).text
        assert "alice is deactivated and signed out everywhere: 1 connection revoked, 0 tokens ended." in page
        assert "Reactivate alice" in page
        refused = await post_mcp(client, initialize_request(), token=key)
        assert refused.status_code == 401
        assert "revoked" in refused.json()["error_description"]
        assert (await browser.get("/console")).status_code == 303  # back to the sign-in page
        assert (await sign_in(browser, "alice")).status_code == 400
    [event] = await audit_events(services, "user.deactivated")
    assert event.detail == {"login": "alice", "connections_revoked": 1, "tokens_revoked": 0}


async def test_reactivating_lets_them_sign_in_again_but_their_connections_stay_revoked(client, services):
    csrf_token = await signed_in_admin(client, services)
    alice = await make_user(services, "alice")
    key = await make_api_key(services, alice)
    await client.post(f"{USERS}/{alice.id}/deactivate", data={"csrf_token": csrf_token})

    response = await client.post(f"{USERS}/{alice.id}/reactivate", data={"csrf_token": csrf_token})

    page = (await client.get(response.headers["location"])).text
    assert "alice can sign in again. Their connections stay revoked" in page
    assert '<span class="pill revoked">Revoked</span>' in page
    assert (await reload(services, alice.id)).active
    async with services.transaction() as session:
        assert (await Connections(session).get(key.connection.id)).revoked_at is not None


async def test_a_deactivation_without_the_session_csrf_token_changes_nothing(client, services):
    await signed_in_admin(client, services)
    alice = await make_user(services, "alice")

    response = await client.post(f"{USERS}/{alice.id}/deactivate", data={"csrf_token": "stale"})

    assert response.status_code == 403
    assert "This form expired" in response.text
    assert (await reload(services, alice.id)).active


async def test_a_new_setup_link_replaces_the_earlier_one_and_is_audited(client, services):
    csrf_token = await signed_in_admin(client, services)
    invited = await client.post(f"{USERS}/new", data={"csrf_token": csrf_token, "login": "zoe", "role": "user"})
    first_link = setup_link(invited.text)
    async with services.transaction() as session:
        zoe = await Users(session).by_login("zoe")

    response = await client.post(f"{USERS}/{zoe.id}/setup-link", data={"csrf_token": csrf_token})

    assert response.status_code == 200
    assert "New setup link for zoe" in response.text
    second_link = setup_link(response.text)
    assert second_link != first_link
    assert (await client.get(first_link)).status_code == 400
    assert (await client.get(second_link)).status_code == 200
    [event] = await audit_events(services, "user.setup_link_issued")
    assert event.detail == {"login": "zoe"}


async def test_a_setup_link_set_from_the_console_lets_the_invited_user_sign_in(client, app, services):
    csrf_token = await signed_in_admin(client, services)
    invited = await client.post(f"{USERS}/new", data={"csrf_token": csrf_token, "login": "zoe", "role": "user"})
    link = setup_link(invited.text)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as browser:
        setup = await browser.get(link)
        token = link.partition("token=")[2]
        form = {
            "token": token,
            "password": PASSWORD,
            "password_confirmation": PASSWORD,
            "csrf_token": hidden(setup.text, "csrf_token"),
        }
        assert (await browser.post("/console/setup", data=form)).status_code == 303

        assert "Signed in as <strong>zoe</strong>" in (await browser.get("/console")).text

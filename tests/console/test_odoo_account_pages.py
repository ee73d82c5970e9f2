"""Odoo accounts in the console, against the stand-in Odoo on a loopback port: a user's own Odoo account page (link,
state, re-link, unlink), signing in with an Odoo login and API key (throttled and audited like a password), and the
link states administrators see on the Users pages."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import pytest

from bastion.sources.configuration import use_odoo
from bastion.sources.odoo_links import link_odoo_account, verify_odoo_account
from bastion.store.repositories import OdooLinks, Users
from bastion.web_session import SESSION_COOKIE
from tests.console.test_accounts_pages import open_sign_in, set_cookie_headers, sign_in, signed_in_csrf
from tests.console.test_admin_users import signed_in_admin
from tests.e2e.data_setup import ServedOdoo, served_standin
from tests.factories import make_user
from tests.mcp.helpers import audit_events
from tests.sources.odoo.standin import data

ACCOUNT = "/console/account/odoo"
ALICE_KEY = "alice-key-0123456789"
BOB_KEY = "bob-key-0123456789"
WRONG_KEY = "not-a-key-of-anyone-000"


@pytest.fixture
async def odoo(services) -> AsyncIterator[ServedOdoo]:
    """The stand-in Odoo 19, configured as the data source in per-user mode."""
    async with served_standin(19) as served:
        async with services.transaction() as session:
            await use_odoo(session, services.settings, services.clock(), served.url, data.DATABASE, actor_id=None)
        yield served


def text_of(page: str) -> str:
    return html.unescape(page)


async def link_of(services, login: str):
    async with services.transaction() as session:
        user = await Users(session).by_login(login)
        assert user is not None
        return await OdooLinks(session).get(user.id)


async def link_as(services, login: str, odoo_login: str, key: str) -> None:
    account = await verify_odoo_account(services.sources, odoo_login, key)
    async with services.transaction() as session:
        user = await Users(session).by_login(login)
        assert user is not None
        await link_odoo_account(session, services.sources, services.clock(), user, account, key, actor_id=None)


async def reject_link(services, login: str) -> None:
    async with services.transaction() as session:
        user = await Users(session).by_login(login)
        link = await OdooLinks(session).get(user.id) if user else None
        assert user is not None and link is not None
        await OdooLinks(session).mark_rejected(user.id, link.sealed_api_key, "Odoo refused the key", services.clock())


# --- the Odoo account page -------------------------------------------------------------------------------


async def test_the_page_needs_a_signed_in_user_and_is_in_everyones_account_navigation(client, services):
    anonymous = await client.get(ACCOUNT)
    await make_user(services, "carol")
    await sign_in(client, "carol")
    page = text_of((await client.get(ACCOUNT)).text)

    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303,
        "/console/login?next=%2Fconsole%2Faccount%2Fodoo",
    )
    assert '<a href="/console/account/odoo" aria-current="page">Odoo account</a>' in page


async def test_the_account_menu_offers_odoo_account_only_when_the_source_is_odoo(client, services):
    await make_user(services, "carol")
    await sign_in(client, "carol")
    on_the_demo = (await client.get("/console/connections")).text
    async with served_standin(19) as served:
        async with services.transaction() as session:
            await use_odoo(session, services.settings, services.clock(), served.url, data.DATABASE, actor_id=None)
        on_odoo = (await client.get("/console/connections")).text

    assert 'href="/console/account/odoo"' not in on_the_demo
    assert '<a href="/console/account/odoo">Odoo account</a>' in on_odoo


async def test_on_a_source_that_is_not_odoo_the_page_says_there_is_nothing_to_link(client, services):
    await make_user(services, "carol")
    await sign_in(client, "carol")

    page = text_of((await client.get(ACCOUNT)).text)

    assert "This Bastion serves the embedded demo company, not Odoo, so there is no Odoo account to link." in page
    assert 'action="/console/account/odoo"' not in page


async def test_a_user_links_their_own_odoo_account_verified_against_odoo_and_audited_as_theirs(client, services, odoo):
    await make_user(services, "carol")
    await sign_in(client, "carol")
    csrf_token = await signed_in_csrf(client)
    before = text_of((await client.get(ACCOUNT)).text)

    response = await client.post(ACCOUNT, data={"csrf_token": csrf_token, "odoo_login": "alice", "api_key": ALICE_KEY})
    page = text_of((await client.get(response.headers["location"])).text)

    assert "Preferences</strong> ▸ <strong>Account Security</strong> ▸ <strong>New API Key</strong>" in before
    assert '<dd id="link-state">\n      Not linked' in before
    assert (response.status_code, response.headers["location"]) == (303, f"{ACCOUNT}?done=linked")
    assert "Your Odoo account is linked and verified: your tool calls run as this Odoo user." in page
    assert "Linked</span> as <code>alice</code>, verified" in page
    assert ALICE_KEY not in page
    (event,) = await audit_events(services, "odoo.linked")
    carol = await link_of(services, "carol")
    assert carol is not None and event.user_id == carol.user_id and event.detail["odoo_login"] == "alice"


async def test_a_key_odoo_refuses_shows_the_sentence_keeps_the_login_and_stores_nothing(client, services, odoo):
    await make_user(services, "carol")
    await sign_in(client, "carol")
    csrf_token = await signed_in_csrf(client)

    response = await client.post(ACCOUNT, data={"csrf_token": csrf_token, "odoo_login": "alice", "api_key": WRONG_KEY})
    page = text_of(response.text)

    assert response.status_code == 400
    assert "Odoo refused the login 'alice' with this API key: check the login, or create an API key in Odoo" in page
    assert 'name="odoo_login" value="alice"' in page
    assert WRONG_KEY not in page
    assert await link_of(services, "carol") is None


async def test_link_and_unlink_need_the_session_csrf_token(client, services, odoo):
    await make_user(services, "carol")
    await link_as(services, "carol", "alice", ALICE_KEY)
    await sign_in(client, "carol")

    linking = await client.post(ACCOUNT, data={"csrf_token": "forged", "odoo_login": "bob", "api_key": BOB_KEY})
    unlinking = await client.post(f"{ACCOUNT}/unlink", data={"csrf_token": "forged"})

    for response in (linking, unlinking):
        assert response.status_code == 403 and "This form expired" in response.text
    link = await link_of(services, "carol")
    assert link is not None and link.odoo_login == "alice"


async def test_a_rejected_link_says_since_when_and_relinking_with_a_new_key_makes_it_linked_again(
    client, services, odoo
):
    await make_user(services, "carol")
    await link_as(services, "carol", "alice", ALICE_KEY)
    await reject_link(services, "carol")
    await sign_in(client, "carol")
    csrf_token = await signed_in_csrf(client)

    rejected = text_of((await client.get(ACCOUNT)).text)
    await client.post(ACCOUNT, data={"csrf_token": csrf_token, "odoo_login": "alice", "api_key": ALICE_KEY})
    relinked = text_of((await client.get(ACCOUNT)).text)

    assert "Odoo refused the API key of <code>alice</code> since 2026-01-01 00:00 UTC (revoked or expired)" in rejected
    assert "Link again (a new key or another login)" in rejected
    assert "Linked</span> as <code>alice</code>" in relinked


async def test_unlinking_forgets_the_key_and_the_page_says_so(client, services, odoo):
    await make_user(services, "carol")
    await link_as(services, "carol", "alice", ALICE_KEY)
    await sign_in(client, "carol")
    csrf_token = await signed_in_csrf(client)

    response = await client.post(f"{ACCOUNT}/unlink", data={"csrf_token": csrf_token})
    page = text_of((await client.get(response.headers["location"])).text)

    assert response.status_code == 303
    assert "Your Odoo account is unlinked and its API key deleted from Bastion." in page
    assert await link_of(services, "carol") is None
    assert [event.detail for event in await audit_events(services, "odoo.unlinked")] == [{"login": "carol"}]


# --- signing in with Odoo --------------------------------------------------------------------------------


async def sign_in_with_odoo(client, odoo_login: str, key: str, next_path: str = "/console"):
    csrf_token = await open_sign_in(client)
    form = {"odoo_login": odoo_login, "api_key": key, "next": next_path, "csrf_token": csrf_token}
    return await client.post("/console/login/odoo", data=form)


async def test_the_sign_in_page_offers_odoo_only_when_the_source_is_odoo(client, services):
    on_demo = (await client.get("/console/login")).text
    async with services.transaction() as session:
        await use_odoo(session, services.settings, services.clock(), "https://acme.odoo.com", "acme", actor_id=None)
    on_odoo = (await client.get("/console/login")).text

    assert "Sign in with your Odoo account" not in on_demo
    assert "Sign in with your Odoo account" in on_odoo
    assert '<form method="post" action="/console/login/odoo">' in on_odoo
    assert '<form method="post" action="/console/login">' in on_odoo  # the password sign-in stays


async def test_a_first_odoo_sign_in_creates_a_plain_linked_user_and_signs_them_in(client, services, odoo):
    response = await sign_in_with_odoo(client, "alice", ALICE_KEY, "/console/account/odoo")
    page = text_of((await client.get(ACCOUNT)).text)

    assert (response.status_code, response.headers["location"]) == (303, "/console/account/odoo")
    assert set_cookie_headers(response, SESSION_COOKIE)
    assert "Signed in as <strong>Alice Salesman</strong> (alice)" in page
    assert "Linked</span> as <code>alice</code>" in page
    async with services.transaction() as session:
        alice = await Users(session).by_login("alice")
    assert alice is not None and not alice.is_admin
    (event,) = await audit_events(services, "user.signed_in")
    assert event.user_id == alice.id and event.detail == {"method": "odoo"}


async def test_an_odoo_key_odoo_refuses_shows_the_sentence_in_the_odoo_section_and_is_audited(client, services, odoo):
    response = await sign_in_with_odoo(client, "alice", WRONG_KEY)
    page = text_of(response.text)

    assert response.status_code == 400
    assert "Odoo refused the login 'alice' with this API key" in page
    assert 'name="odoo_login" value="alice"' in page and WRONG_KEY not in page
    assert not set_cookie_headers(response, SESSION_COOKIE)
    (event,) = await audit_events(services, "user.sign_in_failed")
    assert event.detail == {"login": "alice", "method": "odoo"}


async def test_an_odoo_sign_in_needs_the_sign_in_forms_csrf_token_and_both_fields(client, services, odoo):
    await open_sign_in(client)
    forged = await client.post(
        "/console/login/odoo", data={"odoo_login": "alice", "api_key": ALICE_KEY, "next": "/console", "csrf_token": "x"}
    )
    empty = await sign_in_with_odoo(client, "alice", " ")

    assert forged.status_code == 403
    assert (
        "This sign-in form expired or came from another site. Enter your Odoo login and API key again." in forged.text
    )
    assert empty.status_code == 400 and "Enter both your Odoo login and an Odoo API key." in empty.text
    async with services.transaction() as session:
        assert await Users(session).by_login("alice") is None


async def test_five_failed_odoo_sign_ins_throttle_the_login_for_odoo_and_passwords_alike(client, services, odoo):
    await make_user(services, "alice")
    for _ in range(5):
        assert (await sign_in_with_odoo(client, "alice", WRONG_KEY)).status_code == 400

    by_odoo = await sign_in_with_odoo(client, "alice", ALICE_KEY)
    by_password = await sign_in(client, "alice")

    for refused in (by_odoo, by_password):
        assert refused.status_code == 429
        assert "Too many failed sign-ins" in refused.text and refused.headers["retry-after"] == "900"
    assert len(await audit_events(services, "user.sign_in_throttled")) == 2


async def test_an_odoo_sign_in_never_takes_over_a_bastion_user_of_the_same_login(client, services, odoo):
    await make_user(services, "alice")

    response = await sign_in_with_odoo(client, "alice", ALICE_KEY)

    assert response.status_code == 400
    assert "A Bastion user 'alice' already exists and is not linked to this Odoo account" in text_of(response.text)
    assert await link_of(services, "alice") is None


# --- what administrators see on the Users pages ----------------------------------------------------------


async def test_the_users_page_shows_each_link_state_when_the_source_is_odoo(client, services, odoo):
    await signed_in_admin(client, services)
    for login in ("carol", "dave", "erin"):
        await make_user(services, login)
    await link_as(services, "carol", "alice", ALICE_KEY)
    await link_as(services, "dave", "bob", BOB_KEY)
    await reject_link(services, "dave")

    page = text_of((await client.get("/console/users")).text)

    assert '<th scope="col">Odoo account</th>' in page
    assert "<td>Linked as <code>alice</code></td>" in page
    assert '<td><span class="pill revoked">Rejected</span> since 2026-01-01 00:00 UTC: bob must re-link</td>' in page
    assert page.count('<td><span class="muted">Not linked</span></td>') == 2  # erin and the administrator


async def test_a_users_page_shows_the_link_state_and_odoos_reason_for_a_rejected_key(client, services, odoo):
    await signed_in_admin(client, services)
    dave = await make_user(services, "dave")
    await link_as(services, "dave", "bob", BOB_KEY)
    await reject_link(services, "dave")

    page = text_of((await client.get(f"/console/users/{dave.id}")).text)

    assert "<dt>Odoo account</dt>" in page
    assert "since 2026-01-01 00:00 UTC: bob must re-link. Odoo said: Odoo refused the key</dd>" in page


async def test_the_users_page_has_no_odoo_column_on_other_sources(client, services):
    await signed_in_admin(client, services)

    page = (await client.get("/console/users")).text

    assert "Odoo account</th>" not in page

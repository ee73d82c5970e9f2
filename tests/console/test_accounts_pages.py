"""The console's account pages over HTTP: sign-in (with throttling), sign-out, the setup link, home, password change."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
import pytest

from bastion import accounts
from bastion.app import create_app
from bastion.passwords import verify_password
from bastion.services import build_services
from bastion.store.repositories import AuditLog, AuditQuery, Users
from bastion.web_session import SESSION_COOKIE
from tests.conftest import PUBLIC_URL
from tests.factories import PASSWORD, make_api_key, make_user

LOGIN_CSRF_COOKIE = "bastion_login_csrf"
NEW_PASSWORD = "a brand new passphrase"


def hidden(html: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name} field in the page"
    return found.group(1)


def set_cookie_headers(response: httpx2.Response, name: str) -> list[str]:
    return [value for value in response.headers.get_list("set-cookie") if value.startswith(f"{name}=")]


async def open_sign_in(client: httpx2.AsyncClient, next_path: str | None = None) -> str:
    response = await client.get("/console/login", params={"next": next_path} if next_path else None)
    assert response.status_code == 200
    return hidden(response.text, "csrf_token")


async def sign_in(
    client: httpx2.AsyncClient, login: str = "alice", password: str = PASSWORD, next_path: str = "/console"
) -> httpx2.Response:
    csrf_token = await open_sign_in(client)
    form = {"login": login, "password": password, "next": next_path, "csrf_token": csrf_token}
    return await client.post("/console/login", data=form)


async def signed_in_csrf(client: httpx2.AsyncClient) -> str:
    """The session's CSRF token, as the header's sign-out form carries it."""
    return hidden((await client.get("/console")).text, "csrf_token")


async def failures_for(services, event: str = "user.sign_in_failed") -> int:
    return len(await audit_entries(services, event))


async def audit_entries(services, event: str):
    async with services.transaction() as session:
        return await AuditLog(session).page(AuditQuery(event=event), limit=1000)


@asynccontextmanager
async def from_address(app, address: str) -> AsyncIterator[httpx2.AsyncClient]:
    """A browser at ``address``: the throttles count by the peer's address."""
    transport = httpx2.ASGITransport(app=app, client=(address, 50000))
    async with httpx2.AsyncClient(transport=transport, base_url=PUBLIC_URL) as browser:
        yield browser


# --- sign in ---------------------------------------------------------------------------------------------


async def test_the_sign_in_page_posts_login_password_next_and_a_csrf_token_to_itself(client):
    response = await client.get("/console/login", params={"next": "/oauth/authorize?client_id=x&state=y"})

    assert response.status_code == 200
    assert '<form method="post" action="/console/login">' in response.text
    assert '<label for="login">' in response.text and '<label for="password">' in response.text
    assert hidden(response.text, "next") == "/oauth/authorize?client_id=x&amp;state=y"
    [cookie] = set_cookie_headers(response, LOGIN_CSRF_COOKIE)
    assert f"{LOGIN_CSRF_COOKIE}={hidden(response.text, 'csrf_token')};" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


async def test_a_correct_sign_in_goes_to_next_with_an_http_only_lax_session_cookie(client, services):
    await make_user(services, "alice")

    response = await sign_in(client, next_path="/oauth/authorize?client_id=abc&state=xyz")

    assert response.status_code == 303
    assert response.headers["location"] == "/oauth/authorize?client_id=abc&state=xyz"
    [cookie] = set_cookie_headers(response, SESSION_COOKIE)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    assert "Signed in as <strong>alice</strong>" in (await client.get("/console")).text


async def test_a_destination_off_this_site_is_replaced_by_the_console(client, services):
    await make_user(services, "alice")

    response = await sign_in(client, next_path="//evil.example.com/steal")

    assert response.headers["location"] == "/console"


async def test_a_wrong_password_shows_the_form_again_with_a_message_and_is_audited(client, services):
    await make_user(services, "alice")

    response = await sign_in(client, password="not the password")

    assert response.status_code == 400
    assert "The login or password is not right" in response.text
    assert 'value="alice"' in response.text
    assert not set_cookie_headers(response, SESSION_COOKIE)
    assert await failures_for(services) == 1


async def test_a_sign_in_without_the_csrf_cookie_is_refused(client, services):
    await make_user(services, "alice")
    csrf_token = await open_sign_in(client)
    client.cookies.clear()

    form = {"login": "alice", "password": PASSWORD, "next": "/console", "csrf_token": csrf_token}
    response = await client.post("/console/login", data=form)

    assert response.status_code == 403
    assert "This sign-in form expired or came from another site" in response.text
    assert not set_cookie_headers(response, SESSION_COOKIE)


async def test_an_empty_login_or_password_is_asked_for_again_without_counting_as_a_failure(client, services):
    response = await sign_in(client, login="", password="")

    assert response.status_code == 400
    assert "Enter both your login and your password" in response.text
    assert await failures_for(services) == 0


async def test_a_signed_in_visitor_is_sent_straight_on_from_the_sign_in_page(client, services):
    await make_user(services, "alice")
    await sign_in(client)

    response = await client.get("/console/login", params={"next": "/console/password"})

    assert response.status_code == 303
    assert response.headers["location"] == "/console/password"


# --- throttling ------------------------------------------------------------------------------------------


async def test_five_failures_for_a_login_refuse_even_the_right_password_for_15_minutes(client, services, clock):
    await make_user(services, "alice")
    for _ in range(5):
        assert (await sign_in(client, password="wrong password")).status_code == 400

    refused = await sign_in(client)

    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text
    assert "Try again in 15 minutes (after 00:15 UTC)" in refused.text
    assert refused.headers["retry-after"] == "900"
    assert not set_cookie_headers(refused, SESSION_COOKIE)
    assert await failures_for(services, "user.sign_in_throttled") == 1
    clock.advance(15 * 60)
    assert (await sign_in(client)).status_code == 303


async def test_refused_attempts_do_not_stretch_the_wait(client, services, clock):
    await make_user(services, "alice")
    for _ in range(5):
        await sign_in(client, password="wrong password")
    clock.advance(10 * 60)
    assert (await sign_in(client, password="still wrong")).status_code == 429

    clock.advance(5 * 60)

    assert (await sign_in(client)).status_code == 303


async def test_failures_for_a_login_count_whatever_its_letter_case(client, services):
    await make_user(services, "alice")
    for login in ("ALICE", "Alice", "alice", "aLiCe", "ALICE"):
        await sign_in(client, login=login, password="wrong password")

    assert (await sign_in(client)).status_code == 429


async def test_another_address_still_signs_in_while_one_address_is_held_for_the_login(app, services):
    await make_user(services, "alice")
    async with from_address(app, "198.51.100.7") as stranger, from_address(app, "203.0.113.1") as alice:
        for _ in range(5):
            assert (await sign_in(stranger, password="wrong password")).status_code == 400
        held = await sign_in(stranger)

        signed_in = await sign_in(alice)

    assert held.status_code == 429
    assert signed_in.status_code == 303


async def test_twenty_failures_from_one_address_refuse_every_login_from_it_but_five_do_not(app, services):
    await make_user(services, "alice")
    async with from_address(app, "198.51.100.7") as guesser, from_address(app, "203.0.113.1") as elsewhere:
        for number in range(5):
            await sign_in(guesser, login=f"guess{number}", password="wrong password")
        assert (await sign_in(guesser, login="someone", password="wrong password")).status_code == 400
        for number in range(14):
            await sign_in(guesser, login=f"more{number}", password="wrong password")

        refused = await sign_in(guesser)
        from_elsewhere = await sign_in(elsewhere)

    assert refused.status_code == 429
    assert "too many failed sign-ins from your network" in refused.text
    assert from_elsewhere.status_code == 303


async def test_the_per_login_ceiling_slows_every_new_address_down_with_growing_waits(app, services, clock):
    await make_user(services, "alice")
    for number in range(20):
        async with from_address(app, f"198.51.100.{number + 1}") as guesser:
            assert (await sign_in(guesser, password="wrong password")).status_code == 400

    async with from_address(app, "203.0.113.50") as newcomer:
        first = await sign_in(newcomer)
        clock.advance(60)
        assert (await sign_in(newcomer, password="wrong again")).status_code == 400
        second = await sign_in(newcomer)
        clock.advance(120)
        after_the_wait = await sign_in(newcomer)

    assert first.status_code == 429 and first.headers["retry-after"] == "60"
    assert "too many failed sign-ins for this login from many networks" in first.text
    assert "Try again in 1 minute" in first.text
    assert second.status_code == 429 and second.headers["retry-after"] == "120"
    assert after_the_wait.status_code == 303


async def test_the_per_login_ceiling_does_not_hold_an_address_the_person_signed_in_from(app, services, clock):
    await make_user(services, "alice")
    async with from_address(app, "203.0.113.1") as home:
        assert (await sign_in(home)).status_code == 303
    clock.advance(60)
    for number in range(25):
        async with from_address(app, f"198.51.100.{number + 1}") as guesser:
            await sign_in(guesser, password="wrong password")

    async with from_address(app, "203.0.113.1") as home, from_address(app, "203.0.113.2") as elsewhere:
        assert (await sign_in(elsewhere)).status_code == 429
        assert (await sign_in(home)).status_code == 303


async def test_the_refusal_reads_the_same_whether_or_not_the_login_exists(client, services):
    await make_user(services, "alice")
    for login in ("alice", "nobody"):
        for _ in range(5):
            await sign_in(client, login=login, password="wrong password")

    existing, unknown = await sign_in(client, login="alice"), await sign_in(client, login="nobody")

    assert existing.status_code == unknown.status_code == 429
    assert existing.headers["retry-after"] == unknown.headers["retry-after"]
    assert existing.text == unknown.text
    assert "an administrator can lift the pause (bastion users unlock LOGIN)" in existing.text


async def test_failures_counted_by_another_process_count_because_they_are_in_the_database(client, settings, services):
    await make_user(services, "alice")
    other_process = build_services(settings, services.clock)
    try:
        other_app = create_app(settings, services=other_process)
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=other_app), base_url=PUBLIC_URL) as other:
            for _ in range(5):
                assert (await sign_in(other, password="wrong password")).status_code == 400
    finally:
        await other_process.aclose()

    refused = await sign_in(client)

    assert refused.status_code == 429
    assert "too many failed sign-ins for this login from your network" in refused.text


async def test_an_unlock_clears_the_counted_failures_of_the_login_from_every_address(app, services):
    await make_user(services, "alice")
    async with from_address(app, "198.51.100.7") as here:
        for _ in range(5):
            await sign_in(here, password="wrong password")
        assert (await sign_in(here)).status_code == 429
        async with services.transaction() as session:
            cleared = await accounts.unlock_login(session, services.clock(), "ALICE", actor_id=None)

        assert cleared == 5
        assert (await sign_in(here)).status_code == 303
    (event,) = await audit_entries(services, "user.unlocked")
    assert event.detail == {"login": "ALICE", "attempts_cleared": 5}


# --- sign out --------------------------------------------------------------------------------------------


async def test_signing_out_ends_the_session_for_good(client, services):
    await make_user(services, "alice")
    await sign_in(client)
    session_cookie = client.cookies[SESSION_COOKIE]

    response = await client.post("/console/logout", data={"csrf_token": await signed_in_csrf(client)})

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    assert set_cookie_headers(response, SESSION_COOKIE)[0].startswith(f'{SESSION_COOKIE}="";')
    client.cookies.set(SESSION_COOKIE, session_cookie)
    assert (await client.get("/console")).headers["location"] == "/console/login?next=%2Fconsole"


async def test_signing_out_from_a_consent_page_returns_to_the_same_request_after_the_next_sign_in(client, services):
    await make_user(services, "alice")
    await sign_in(client)
    consent_request = "/oauth/authorize?client_id=x&state=s"

    response = await client.post(
        "/console/logout", data={"csrf_token": await signed_in_csrf(client), "next": consent_request}
    )

    assert response.headers["location"] == "/console/login?next=%2Foauth%2Fauthorize%3Fclient_id%3Dx%26state%3Ds"


async def test_signing_out_never_sends_the_browser_off_site(client, services):
    await make_user(services, "alice")
    await sign_in(client)

    response = await client.post(
        "/console/logout", data={"csrf_token": await signed_in_csrf(client), "next": "//evil.example.com/"}
    )

    assert response.headers["location"] == "/console/login"


async def test_a_sign_out_without_the_session_csrf_token_is_refused_and_keeps_the_session(client, services):
    await make_user(services, "alice")
    await sign_in(client)

    response = await client.post("/console/logout", data={"csrf_token": "forged-é"})

    assert response.status_code == 403
    assert "you are still signed in" in response.text
    assert (await client.get("/console")).status_code == 200


# --- home ------------------------------------------------------------------------------------------------


async def test_the_home_page_asks_for_sign_in_and_comes_back_afterwards(client):
    response = await client.get("/console")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole"


async def test_the_root_leads_to_the_console(client):
    response = await client.get("/")

    assert response.status_code == 303
    assert response.headers["location"] == "/console"


async def test_the_home_page_shows_the_role_the_mcp_url_with_a_copy_button_and_the_connection_count(client, services):
    alice = await make_user(services, "alice", admin=True)
    await make_api_key(services, alice)
    await make_api_key(services, alice, name="Nightly report")
    await sign_in(client)

    page = (await client.get("/console")).text

    assert "<dd>Administrator</dd>" in page
    assert (
        '<input type="text" id="mcp-url" value="http://testserver/mcp" readonly spellcheck="false" autocomplete="off"'
        ' aria-describedby="mcp-url-hint">'
    ) in page
    assert 'data-copy-target="mcp-url"' in page
    assert re.search(r"<dt>Connections acting as you</dt>\s*<dd>2</dd>", page)


# --- setup link ------------------------------------------------------------------------------------------


async def issue_link(services, login: str = "admin") -> str:
    async with services.transaction() as session:
        user = await accounts.create_user(session, services.clock(), login=login, is_admin=True)
        return await accounts.issue_setup_link(session, services.clock(), user, "http://testserver")


async def post_setup(client, link: str, password: str = NEW_PASSWORD, confirmation: str | None = None):
    page = await client.get(link)
    form = {
        "token": hidden(page.text, "token"),
        "csrf_token": hidden(page.text, "csrf_token"),
        "password": password,
        "password_confirmation": password if confirmation is None else confirmation,
    }
    return await client.post("/console/setup", data=form)


async def test_a_setup_link_names_its_user_sets_the_password_and_signs_in(client, services):
    link = await issue_link(services)

    page = await client.get(link)
    assert "This one-time link is for <strong>admin</strong>" in page.text
    assert "At least 10 characters" in page.text
    response = await post_setup(client, link)

    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    assert set_cookie_headers(response, SESSION_COOKIE)
    assert "Welcome, admin" in (await client.get("/console")).text


async def test_a_setup_link_works_only_once(client, services):
    link = await issue_link(services)
    await post_setup(client, link)

    again = await client.get(link)

    assert again.status_code == 400
    assert "This setup link cannot be used" in again.text
    assert "already used or is older than 24 hours" in again.text


async def test_a_setup_link_stops_working_after_24_hours(client, services, clock):
    link = await issue_link(services)
    clock.advance(24 * 3600)

    response = await client.get(link)

    assert response.status_code == 400
    assert "Ask an administrator for a new one" in response.text


async def test_a_setup_with_two_different_passwords_is_refused_and_the_link_still_works(client, services):
    link = await issue_link(services)

    response = await post_setup(client, link, confirmation="something else entirely")

    assert response.status_code == 400
    assert "The two passwords differ" in response.text
    assert (await post_setup(client, link)).status_code == 303


async def test_a_setup_with_a_short_password_says_how_long_it_must_be(client, services):
    link = await issue_link(services)

    response = await post_setup(client, link, password="short")

    assert response.status_code == 400
    assert "at least 10 characters long" in response.text


async def test_a_setup_form_posted_without_its_csrf_cookie_is_refused(client, services):
    link = await issue_link(services)
    page = await client.get(link)
    client.cookies.clear()

    form = {"token": hidden(page.text, "token"), "csrf_token": hidden(page.text, "csrf_token")}
    response = await client.post(
        "/console/setup", data={**form, "password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD}
    )

    assert response.status_code == 403
    assert "This form expired or came from another site" in response.text
    async with services.transaction() as session:
        assert (await Users(session).by_login("admin")).password_hash is None


# --- password change -------------------------------------------------------------------------------------


async def change_password(client, current: str = PASSWORD, new: str = NEW_PASSWORD, confirmation: str | None = None):
    csrf_token = hidden((await client.get("/console/password")).text, "csrf_token")
    form = {
        "csrf_token": csrf_token,
        "current_password": current,
        "new_password": new,
        "new_password_confirmation": new if confirmation is None else confirmation,
    }
    return await client.post("/console/password", data=form)


async def test_changing_the_password_needs_the_current_one(client, services):
    await make_user(services, "alice")
    await sign_in(client)

    response = await change_password(client, current="not my password")

    assert response.status_code == 400
    assert "Your current password is not right" in response.text


async def test_changing_the_password_signs_out_every_other_browser(client, app, services):
    await make_user(services, "alice")
    await sign_in(client)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as other:
        await sign_in(other)

        response = await change_password(client)

        assert response.status_code == 303
        assert response.headers["location"] == "/console/password?changed=1"
        assert "Your password was changed" in (await client.get(response.headers["location"])).text
        assert (await other.get("/console")).status_code == 303
    async with services.transaction() as session:
        user = await Users(session).by_login("alice")
        assert await verify_password(NEW_PASSWORD, user.password_hash)
        assert len(await AuditLog(session).page(AuditQuery(event="user.password_changed"))) == 1


async def test_a_new_password_must_be_typed_twice_alike_and_be_long_enough(client, services):
    await make_user(services, "alice")
    await sign_in(client)

    differs = await change_password(client, confirmation="another new passphrase")
    short = await change_password(client, new="short")

    assert differs.status_code == 400 and "The two new passwords differ" in differs.text
    assert short.status_code == 400 and "at least 10 characters long" in short.text


async def test_a_password_change_without_the_session_csrf_token_is_refused(client, services):
    await make_user(services, "alice")
    await sign_in(client)

    form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD}
    response = await client.post("/console/password", data=form)

    assert response.status_code == 403
    assert "This form expired or came from another site" in response.text


# --- headers, cookies, failures --------------------------------------------------------------------------


@pytest.fixture
async def https_client(settings, services):
    """The same database behind a public https URL, as in production."""
    https_settings = dataclasses.replace(settings, public_url="https://bastion.example.com")
    application = create_app(https_settings, services=dataclasses.replace(services, settings=https_settings))
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=application), base_url=https_settings.public_url
    ) as http:
        yield http


async def test_cookies_are_secure_when_the_public_url_is_https(https_client, services):
    await make_user(services, "alice")

    page = await https_client.get("/console/login")
    response = await sign_in(https_client)

    assert "Secure" in set_cookie_headers(page, LOGIN_CSRF_COOKIE)[0]
    assert response.status_code == 303
    [cookie] = set_cookie_headers(response, SESSION_COOKIE)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


@pytest.mark.parametrize("path", ["/console/login", "/console/setup?token=unknown"])
async def test_pages_forbid_framing_inline_code_and_caching(client, path):
    response = await client.get(path)

    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert '<script src="/static/app.js" defer></script>' in response.text
    assert "<script>" not in response.text and " style=" not in response.text


async def test_the_stylesheet_and_the_copy_script_are_served(client):
    assert "focus-visible" in (await client.get("/static/style.css")).text
    assert "data-copy-target" in (await client.get("/static/app.js")).text


async def test_an_unexpected_failure_shows_a_page_that_says_what_to_do(client, services, monkeypatch):
    await make_user(services, "alice")
    await sign_in(client)

    async def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("bastion.console.account_pages.Connections.listing", broken)
    response = await client.get("/console")

    assert response.status_code == 500
    assert "Bastion hit an unexpected error and changed nothing. Try again" in response.text
    assert "database went away" not in response.text

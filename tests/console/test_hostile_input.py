"""Hostile input at the console: a NUL in a form or the query, ids beyond 32 bits, malformed multipart.

Each gets the page's normal refusal on SQLite and PostgreSQL alike, never the 500 page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import bastion.console
from bastion.console.pages import MAX_ID, parse_id
from tests.console.test_accounts_pages import open_sign_in
from tests.console.test_connection_pages import signed_in, text_of
from tests.factories import make_api_key, make_user

HUGE_ID = "99999999999"
BROKEN_MULTIPART = {"Content-Type": "multipart/form-data; boundary=zz"}
UNREADABLE = "This request cannot be read"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", 1), ("42", 42), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), (HUGE_ID, None), ("0", None)],
)
def test_an_id_is_a_positive_whole_number_of_at_most_32_bits(raw, expected):
    assert parse_id(raw) == expected


@pytest.mark.parametrize("raw", ["", "-1", "+1", " 1", "1.0", "abc", "١٢", "1" * 400, "1\x00"])
def test_anything_else_names_no_id(raw):
    assert parse_id(raw) is None


# --- a NUL ---------------------------------------------------------------------------------------------


async def test_a_nul_in_the_sign_in_login_shows_the_sign_in_page_with_a_400_and_a_sentence(client, services):
    await make_user(services, "admin")
    csrf_token = await open_sign_in(client)
    form = {"login": "ad\x00min", "password": "whatever", "next": "/console", "csrf_token": csrf_token}
    response = await client.post("/console/login", data=form)
    assert response.status_code == 400
    assert '<form method="post" action="/console/login">' in response.text
    assert "The field login contains a NUL character" in text_of(response.text)


async def test_a_nul_in_the_query_is_a_400_page(client, services):
    await signed_in(client, services)
    response = await client.get("/console/connections?q=%00")
    assert response.status_code == 400
    page = text_of(response.text)
    assert UNREADABLE in page and "The query parameter q contains a NUL character" in page


async def test_a_nul_in_a_signed_in_form_is_a_400_page_and_changes_nothing(client, services):
    user, csrf_token = await signed_in(client, services)
    key = await make_api_key(services, user)
    response = await client.post(
        f"/console/connections/{key.connection.id}", data={"csrf_token": csrf_token, "name": "a\x00b"}
    )
    assert response.status_code == 400
    assert "The field name contains a NUL character" in text_of(response.text)


# --- ids beyond 32 bits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "title"),
    [
        (f"/console/connections/{HUGE_ID}", "Connection not found"),
        (f"/console/connections/{HUGE_ID}/rotate", "Connection not found"),
        (f"/console/connections/{HUGE_ID}/revoke", "Connection not found"),
        (f"/console/users/{HUGE_ID}", "No such user"),
        (f"/console/connect/api-key/{HUGE_ID}/done", "not found"),
    ],
)
async def test_an_id_beyond_32_bits_in_the_url_is_not_found(client, services, path, title):
    await signed_in(client, services)
    response = await client.get(path)
    assert response.status_code == 404
    assert title.lower() in text_of(response.text).lower()


async def test_a_post_to_a_user_beyond_32_bits_is_not_found(client, services):
    _user, csrf_token = await signed_in(client, services)
    response = await client.post(f"/console/users/{HUGE_ID}/deactivate", data={"csrf_token": csrf_token})
    assert response.status_code == 404
    assert "There is no user with this id" in text_of(response.text)


@pytest.mark.parametrize("name", ["connection", "user"])
async def test_an_audit_filter_beyond_32_bits_names_nothing_and_shows_no_entries(client, services, name):
    await signed_in(client, services)
    response = await client.get("/console/audit", params={name: HUGE_ID})
    assert response.status_code == 200
    assert "No audit entries match these filters." in text_of(response.text)


# --- malformed multipart -------------------------------------------------------------------------------


async def test_a_malformed_multipart_sign_in_shows_the_sign_in_page_with_a_400_and_a_sentence(client):
    response = await client.post("/console/login", content=b"a=b", headers=BROKEN_MULTIPART)
    assert response.status_code == 400
    assert '<form method="post" action="/console/login">' in response.text
    assert "The form could not be read (Invalid multipart data.)" in text_of(response.text)


@pytest.mark.parametrize("path", ["/console/setup", "/console/logout", "/console/password", "/console/settings"])
async def test_a_malformed_multipart_form_is_a_400_page(client, services, path):
    await signed_in(client, services)
    response = await client.post(path, content=b"a=b", headers=BROKEN_MULTIPART)
    assert response.status_code == 400
    page = text_of(response.text)
    assert UNREADABLE in page and "The form could not be read" in page


async def test_a_malformed_multipart_connection_form_is_a_400_page(client, services):
    user, _csrf_token = await signed_in(client, services)
    key = await make_api_key(services, user)
    response = await client.post(f"/console/connections/{key.connection.id}", content=b"a=b", headers=BROKEN_MULTIPART)
    assert response.status_code == 400
    assert "The form could not be read" in text_of(response.text)


def test_every_console_form_is_read_through_the_one_reader():
    console = Path(bastion.console.__file__).parent
    direct = [
        path.name for path in console.glob("*.py") if path.name != "pages.py" and "request.form()" in path.read_text()
    ]
    assert direct == [], "read forms with console.pages.read_form, which refuses unreadable bodies and NULs"

"""The Data source page over HTTP: what is configured, switching to the demo, SQL or Odoo (confirmed, CSRF-checked,
audited, never echoing a secret), and *Test connection* against SQLite and the stand-in Odoo on a loopback port."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bastion.sources.configuration import current_source_settings, use_odoo
from bastion.sources.odoo_links import link_odoo_account, verify_odoo_account
from bastion.store.repositories import Users
from tests.console.test_accounts_pages import hidden, sign_in
from tests.console.test_admin_users import signed_in_admin
from tests.e2e.data_setup import ServedOdoo, served_standin
from tests.factories import make_user
from tests.mcp.helpers import audit_events
from tests.sources.odoo.conftest import free_port
from tests.sources.odoo.standin import data

SOURCE = "/console/source"
SECRET = "s3cret-pw-987"
ALICE_KEY = "alice-key-0123456789"
BOB_KEY = "bob-key-0123456789"


@pytest.fixture
def shop_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE res_partner (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("CREATE TABLE product_product (id INTEGER PRIMARY KEY, name TEXT)")
    return path


@pytest.fixture
async def odoo() -> AsyncIterator[ServedOdoo]:
    async with served_standin(19) as served:
        yield served


async def configured(services):
    async with services.transaction() as session:
        return await current_source_settings(session)


def text_of(page: str) -> str:
    return html.unescape(page)


# --- who may use it ------------------------------------------------------------------------------------


async def test_a_user_who_is_not_an_administrator_gets_the_forbidden_page_and_changes_nothing(client, services):
    await make_user(services, "alice")
    await sign_in(client, "alice")
    csrf_token = hidden((await client.get("/console")).text, "csrf_token")

    responses = [
        await client.get(SOURCE),
        await client.post(f"{SOURCE}/demo", data={"csrf_token": csrf_token, "confirmed": "yes"}),
        await client.post(f"{SOURCE}/sql", data={"csrf_token": csrf_token, "confirmed": "yes", "url": "sqlite:///x"}),
        await client.post(f"{SOURCE}/test", data={"csrf_token": csrf_token}),
    ]

    for response in responses:
        assert response.status_code == 403
        assert "Administrators only" in response.text
    assert (await configured(services)).updated_at is None
    assert 'href="/console/source"' not in (await client.get("/console")).text


async def test_a_switch_without_the_session_csrf_token_is_refused_and_changes_nothing(client, services, shop_file):
    await signed_in_admin(client, services)

    response = await client.post(
        f"{SOURCE}/sql", data={"csrf_token": "forged", "confirmed": "yes", "url": f"sqlite:///{shop_file}"}
    )

    assert response.status_code == 403
    assert "This form expired" in response.text and "so nothing changed" in response.text
    assert (await configured(services)).kind == "demo"


# --- what is configured --------------------------------------------------------------------------------


async def test_the_page_shows_the_demo_nobody_chose_and_is_in_the_administrators_navigation(client, services):
    await signed_in_admin(client, services)

    page = text_of((await client.get(SOURCE)).text)

    assert '<a href="/console/source" aria-current="page">Data source</a>' in page
    assert "<dd>Embedded demo company</dd>" in page
    assert "Never: the demo serves until a source is chosen" in page
    assert '<form method="post" action="/console/source/test">' in page


async def test_switching_to_a_writable_sql_database_shows_it_without_its_password_and_audits_who_did_it(
    client, services
):
    csrf_token = await signed_in_admin(client, services)
    url = f"postgresql://shop:{SECRET}@db.example.com:5432/shop"

    response = await client.post(
        f"{SOURCE}/sql", data={"csrf_token": csrf_token, "url": url, "writable": "true", "confirmed": "yes"}
    )
    page = text_of((await client.get(response.headers["location"])).text)

    assert (response.status_code, response.headers["location"]) == (303, f"{SOURCE}?done=changed")
    assert "Data source changed. Connections use it from their next tool call." in page
    assert "<code>postgresql://shop@db.example.com:5432/shop</code>" in page
    assert "(password kept sealed, not shown)" in page
    assert "Yes: tools may create, change and delete rows" in page
    assert SECRET not in page
    (event,) = await audit_events(services, "source.changed")
    assert event.user_id is not None and event.detail["kind"] == "sql" and event.detail["writable"] is True


async def test_a_switch_that_was_not_confirmed_changes_nothing_and_says_how_to_confirm(client, services, shop_file):
    csrf_token = await signed_in_admin(client, services)

    response = await client.post(f"{SOURCE}/sql", data={"csrf_token": csrf_token, "url": f"sqlite:///{shop_file}"})

    assert response.status_code == 400
    assert "Nothing changed: confirm the switch with the button in the confirmation box." in text_of(response.text)
    assert (await configured(services)).kind == "demo"


async def test_a_bad_sql_url_shows_the_sentence_masks_the_password_typed_and_changes_nothing(client, services):
    csrf_token = await signed_in_admin(client, services)

    response = await client.post(
        f"{SOURCE}/sql", data={"csrf_token": csrf_token, "url": f"postgresql://shop:{SECRET}@/shop", "confirmed": "yes"}
    )
    page = text_of(response.text)

    assert response.status_code == 400
    assert '<p class="alert error" role="alert" id="sql-error">The URL needs a host and a database name' in page
    assert 'value="postgresql://shop:***@/shop"' in page
    assert SECRET not in page
    assert (await configured(services)).kind == "demo"
    assert await audit_events(services, "source.changed") == []


async def test_switching_to_odoo_with_a_service_account_never_shows_its_key(client, services, odoo):
    csrf_token = await signed_in_admin(client, services)
    form = {
        "csrf_token": csrf_token, "url": odoo.url, "database": data.DATABASE, "mode": "service",
        "service_login": "bob", "api_key": BOB_KEY, "protocol": "json-2", "confirmed": "yes",
    }  # fmt: skip

    response = await client.post(f"{SOURCE}/odoo", data=form)
    page = text_of((await client.get(SOURCE)).text)

    assert response.status_code == 303
    assert "<dd>Service account (one login for every call)</dd>" in page
    assert '<code>bob</code> <span class="muted">(API key kept sealed, not shown)</span>' in page
    assert "<dd>json-2</dd>" in page and f"<code>{data.DATABASE}</code>" in page
    assert BOB_KEY not in page
    shown = await configured(services)
    assert (shown.kind, shown.mode, shown.service_login, shown.has_secret) == ("odoo", "service", "bob", True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"mode": "service", "service_login": "bob", "api_key": " "},
            "A service account needs its Odoo login and an API key",
        ),
        ({"url": "ftp://odoo.example.com"}, "Give Odoo's web address starting with https://"),
        ({"database": " "}, "Give the Odoo database name"),
        ({"protocol": "xml-rpc"}, "The Odoo protocol must be one of auto, json-2, json-rpc, not 'xml-rpc'."),
        ({"mode": "everyone"}, "Choose a mode: per user or service account."),
    ],
)
async def test_an_odoo_configuration_that_cannot_work_shows_its_sentence_and_changes_nothing(
    client, services, changes, message
):
    csrf_token = await signed_in_admin(client, services)
    form = {
        "csrf_token": csrf_token, "url": "https://acme.odoo.com", "database": "acme", "mode": "per_user",
        "protocol": "auto", "api_key": BOB_KEY, "confirmed": "yes",
    } | changes  # fmt: skip

    response = await client.post(f"{SOURCE}/odoo", data=form)

    assert response.status_code == 400
    assert message in text_of(response.text)
    assert BOB_KEY not in response.text
    assert (await configured(services)).kind == "demo"


async def test_switching_back_to_the_demo_is_one_confirmed_post(client, services, shop_file):
    csrf_token = await signed_in_admin(client, services)
    await client.post(
        f"{SOURCE}/sql", data={"csrf_token": csrf_token, "url": f"sqlite:///{shop_file}", "confirmed": "yes"}
    )

    response = await client.post(f"{SOURCE}/demo", data={"csrf_token": csrf_token, "confirmed": "yes"})

    assert response.status_code == 303
    assert (await configured(services)).kind == "demo"
    assert [event.detail["kind"] for event in await audit_events(services, "source.changed")] == ["sql", "demo"]


async def test_an_unknown_kind_of_source_is_not_found(client, services):
    csrf_token = await signed_in_admin(client, services)

    response = await client.post(f"{SOURCE}/ldap", data={"csrf_token": csrf_token, "confirmed": "yes"})

    assert response.status_code == 404
    assert "The Data source page switches to the demo, SQL or Odoo." in response.text


# --- Test connection -----------------------------------------------------------------------------------


async def test_test_connection_on_a_sql_database_shows_the_version_protocol_and_identity(client, services, shop_file):
    csrf_token = await signed_in_admin(client, services)
    await client.post(
        f"{SOURCE}/sql", data={"csrf_token": csrf_token, "url": f"sqlite:///{shop_file}", "confirmed": "yes"}
    )

    response = await client.post(f"{SOURCE}/test", data={"csrf_token": csrf_token})
    page = text_of(response.text)

    assert response.status_code == 200
    assert "The data source answered." in page
    assert "<dt>Version</dt><dd>SQLite 3." in page
    assert "<dt>Protocol</dt><dd>sqlalchemy</dd>" in page
    assert "<dt>Identity used</dt><dd><code>ada</code></dd>" in page
    assert "<dt>Detail</dt><dd>2 models, read-only</dd>" in page


async def test_test_connection_needs_the_session_csrf_token(client, services):
    await signed_in_admin(client, services)

    response = await client.post(f"{SOURCE}/test", data={"csrf_token": "forged"})

    assert response.status_code == 403 and "This form expired" in response.text


async def test_test_connection_on_odoo_per_user_asks_the_server_until_the_administrator_links_an_account(
    client, services, odoo
):
    csrf_token = await signed_in_admin(client, services)
    form = {
        "csrf_token": csrf_token,
        "url": odoo.url,
        "database": data.DATABASE,
        "mode": "per_user",
        "confirmed": "yes",
    }
    await client.post(f"{SOURCE}/odoo", data=form)

    unlinked = text_of((await client.post(f"{SOURCE}/test", data={"csrf_token": csrf_token})).text)
    account = await verify_odoo_account(services.sources, "alice", ALICE_KEY)
    async with services.transaction() as session:
        ada = await Users(session).by_login("ada")
        assert ada is not None
        await link_odoo_account(session, services.sources, services.clock(), ada, account, ALICE_KEY, actor_id=None)
    linked = text_of((await client.post(f"{SOURCE}/test", data={"csrf_token": csrf_token})).text)

    assert "<dt>Version</dt><dd>Odoo 19.0</dd>" in unlinked and "<dt>Protocol</dt><dd>json-2</dd>" in unlinked
    assert "None: only the server was asked" in unlinked
    assert "Per-user mode and 'ada' has no linked Odoo account, so only the server was asked" in unlinked
    assert "<dt>Identity used</dt><dd><code>alice</code></dd>" in linked
    assert f"Alice Salesman on database {data.DATABASE} at {odoo.url}" in linked


async def test_test_connection_to_an_odoo_that_does_not_answer_shows_the_sentence(client, services):
    csrf_token = await signed_in_admin(client, services)
    url = f"http://127.0.0.1:{free_port()}"
    async with services.transaction() as session:
        await use_odoo(session, services.settings, services.clock(), url, "acme", actor_id=None)

    response = await client.post(f"{SOURCE}/test", data={"csrf_token": csrf_token})

    assert response.status_code == 200
    assert (
        f"The test failed: Odoo at {url} could not be reached; check that the server is running and the URL is right."
        in text_of(response.text)
    )

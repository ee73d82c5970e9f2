"""``bastion source ...`` and ``bastion users link-odoo|unlink-odoo``: the real CLI against the test database, and
against the stand-in Odoo served on a free loopback port (the CLI runs in a worker thread; this test's event
loop serves Odoo meanwhile)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bastion.store.repositories import DataSources, OdooLinks
from tests import test_cli
from tests.e2e.data_setup import ServedOdoo, served_standin
from tests.mcp.helpers import audit_events, make_member
from tests.sources.odoo.conftest import free_port
from tests.sources.odoo.standin import data
from tests.test_cli import assert_usage_error, run_json

bastion = test_cli.bastion  # the fixture running ``bastion ARGS...`` against the test database

ALICE_KEY = "alice-key-0123456789"
BOB_KEY = "bob-key-0123456789"
DEMO = {
    "kind": "demo",
    "url": "",
    "database": "",
    "writable": False,
    "mode": "",
    "protocol": "",
    "service_login": "",
    "has_secret": False,
    "updated_at": None,
}


@pytest.fixture
def shop_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE res_partner (id INTEGER PRIMARY KEY, name TEXT)")
    return path


@pytest.fixture(params=[19, 17], ids=["json-2", "json-rpc"])
async def odoo(request) -> AsyncIterator[ServedOdoo]:
    async with served_standin(request.param) as served:
        yield served


def assert_source_failed(result, message: str) -> None:
    """The source did not answer or refused: exit code 1 and its sentence, no traceback."""
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.output


# --- show and the demo ---------------------------------------------------------------------------------


async def test_source_show_on_a_fresh_database_is_the_demo_nobody_chose_yet(bastion):
    assert await run_json(bastion, "source", "show") == DEMO

    result = await bastion("source", "show")
    assert result.stdout.splitlines() == [
        "Source   the embedded demo company",
        "Access   read-only",
        "Changed  never (the default demo)",
    ]


async def test_source_test_on_the_demo_reports_sqlite_over_sqlalchemy(bastion):
    status = await run_json(bastion, "source", "test")

    assert status == {
        "kind": "sql",
        "version": status["version"],
        "protocol": "sqlalchemy",
        "identity": "",
        "detail": status["detail"],
    }
    assert status["version"].startswith("SQLite 3.") and status["detail"].endswith("models, read-only")


async def test_source_set_demo_after_sql_serves_the_demo_again_and_audits_the_change(bastion, services, shop_file):
    await run_json(bastion, "source", "set-sql", f"sqlite:///{shop_file}")
    shown = await run_json(bastion, "source", "set-demo")

    assert shown == DEMO | {"updated_at": shown["updated_at"]} and shown["updated_at"] is not None
    events = await audit_events(services, "source.changed")
    assert [(event.detail["kind"], event.detail["previous_kind"]) for event in events] == [
        ("sql", "demo"),
        ("demo", "sql"),
    ]


# --- SQL -------------------------------------------------------------------------------------------------


async def test_source_set_sql_never_prints_or_stores_the_password_in_clear(bastion, services):
    url = "postgresql://shop:s3cret-pw@db.example.com:5432/shop"
    result = await bastion("source", "set-sql", url)
    shown = await run_json(bastion, "source", "show")

    assert result.exit_code == 0, result.output
    assert "s3cret-pw" not in result.output
    assert "URL      postgresql://shop@db.example.com:5432/shop   (password kept sealed)" in result.stdout
    assert "Access   read-only" in result.stdout
    assert shown["url"] == "postgresql://shop@db.example.com:5432/shop" and shown["has_secret"] is True
    async with services.transaction() as session:
        row = await DataSources(session).current()
    assert row is not None and "s3cret-pw" not in row.url + (row.sealed_secret or "")


async def test_source_set_sql_writable_then_test_answers_with_the_tables_it_found(bastion, shop_file):
    shown = await run_json(bastion, "source", "set-sql", f"sqlite:///{shop_file}", "--writable")
    status = await run_json(bastion, "source", "test")

    assert (shown["kind"], shown["url"], shown["writable"]) == ("sql", f"sqlite:///{shop_file}", True)
    assert (status["protocol"], status["detail"]) == ("sqlalchemy", "1 models, writable")


async def test_source_set_sql_refuses_what_is_not_a_database_url_and_changes_nothing(bastion, tmp_path):
    not_a_url = await bastion("source", "set-sql", "shop.db")
    missing = await bastion("source", "set-sql", f"sqlite:///{tmp_path / 'absent.db'}")

    assert_usage_error(not_a_url, "That is not a database URL; give one like sqlite:////path/to/file.db")
    assert_usage_error(missing, f"There is no SQLite database file at {tmp_path / 'absent.db'}; check the path")
    assert await run_json(bastion, "source", "show") == DEMO


async def test_source_test_says_when_a_sql_database_does_not_answer_with_exit_code_1(bastion):
    await run_json(bastion, "source", "set-sql", f"postgresql://shop:pw@127.0.0.1:{free_port()}/shop")

    result = await bastion("source", "test", "--json")

    assert_source_failed(
        result, "the SQL database did not answer: check that it is running and that the source URL is right."
    )
    assert result.stdout == "" and result.stderr.count("\n") == 1


# --- Odoo ------------------------------------------------------------------------------------------------


async def test_source_set_odoo_without_a_service_login_is_per_user_and_test_asks_only_the_server(bastion, odoo):
    shown = await run_json(bastion, "source", "set-odoo", odoo.url, "--database", data.DATABASE)
    status = await run_json(bastion, "source", "test")

    assert shown == DEMO | {
        "kind": "odoo",
        "url": odoo.url,
        "database": data.DATABASE,
        "mode": "per_user",
        "protocol": "auto",
        "updated_at": shown["updated_at"],
    }
    protocol = "json-2" if odoo.knobs.version >= 19 else "json-rpc"
    assert status == {
        "kind": "odoo",
        "version": f"Odoo {odoo.knobs.version}.0",
        "protocol": protocol,
        "identity": "",
        "detail": "Per-user mode and no Bastion user was named, so only the server was asked; each user's own "
        f"account is verified against database {data.DATABASE} when it is linked",
    }


async def test_source_set_odoo_with_a_service_account_reads_the_key_from_stdin_and_tests_as_that_login(bastion, odoo):
    result = await bastion(
        "source", "set-odoo", odoo.url, "--database", data.DATABASE, "--service-login", "bob", "--api-key-stdin",
        input=BOB_KEY + "\n",
    )  # fmt: skip
    shown = await run_json(bastion, "source", "show")
    status = await run_json(bastion, "source", "test")

    assert result.exit_code == 0, result.output
    assert BOB_KEY not in result.output and BOB_KEY not in json.dumps(shown)
    assert "Service login  bob   (API key kept sealed)" in result.stdout
    assert (shown["mode"], shown["service_login"], shown["has_secret"]) == ("service", "bob", True)
    assert status["identity"] == "bob"
    assert status["detail"] == f"Bob Admin on database {data.DATABASE} at {odoo.url}"


async def test_source_set_odoo_keeps_the_protocol_asked_for(bastion, odoo):
    shown = await run_json(
        bastion, "source", "set-odoo", odoo.url, "--database", data.DATABASE, "--protocol", "json-rpc"
    )

    assert shown["protocol"] == "json-rpc"
    assert (await run_json(bastion, "source", "test"))["protocol"] == "json-rpc"


@pytest.mark.parametrize(
    ("arguments", "stdin", "message"),
    [
        (["--service-login", "bob"], None, "A service account needs its API key: add --api-key-stdin"),
        (["--api-key-stdin"], BOB_KEY + "\n", "--api-key-stdin is the service account's key: give --service-login"),
        (["--service-login", "bob", "--api-key-stdin"], "\n", "--api-key-stdin found no API key on standard input"),
        (["--protocol", "xml-rpc"], None, "The Odoo protocol must be one of auto, json-2, json-rpc, not 'xml-rpc'."),
    ],
)
async def test_source_set_odoo_refuses_an_incomplete_configuration_and_changes_nothing(
    bastion, arguments, stdin, message
):
    result = await bastion("source", "set-odoo", "https://acme.odoo.com", "--database", "acme", *arguments, input=stdin)

    assert_usage_error(result, message)
    assert await run_json(bastion, "source", "show") == DEMO


async def test_source_test_against_an_odoo_that_does_not_answer_fails_with_exit_code_1(bastion):
    url = f"http://127.0.0.1:{free_port()}"
    await run_json(bastion, "source", "set-odoo", url, "--database", "acme")

    assert_source_failed(
        await bastion("source", "test"),
        f"Odoo at {url} could not be reached; check that the server is running and the URL is right.",
    )


# --- users link-odoo / unlink-odoo -----------------------------------------------------------------------


async def test_users_link_odoo_verifies_the_key_and_the_user_then_tests_as_their_odoo_login(bastion, services, odoo):
    await make_member(services, "carol")
    await run_json(bastion, "source", "set-odoo", odoo.url, "--database", data.DATABASE)

    result = await bastion("users", "link-odoo", "carol", "--odoo-login", "alice", "--api-key-stdin", input=ALICE_KEY)
    linked = await run_json(
        bastion, "users", "link-odoo", "carol", "--odoo-login", "alice", "--api-key-stdin", input=ALICE_KEY + "\n"
    )
    status = await run_json(bastion, "source", "test", "--as", "carol")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Linked carol to the Odoo account 'alice' (verified against Odoo just now).")
    assert ALICE_KEY not in result.output
    assert linked == {"login": "carol", "odoo_login": "alice", "state": "linked", "verified_at": linked["verified_at"]}
    assert (status["identity"], status["detail"]) == (
        "alice",
        f"Alice Salesman on database {data.DATABASE} at {odoo.url}",
    )


async def test_users_link_odoo_refuses_a_key_odoo_does_not_accept_and_stores_nothing(bastion, services, odoo):
    carol = await make_member(services, "carol")
    await run_json(bastion, "source", "set-odoo", odoo.url, "--database", data.DATABASE)

    result = await bastion("users", "link-odoo", "carol", "--odoo-login", "bob", "--api-key-stdin", input=ALICE_KEY)

    assert_usage_error(result, "Odoo refused the login 'bob' with this API key: check the login, or create an API key")
    async with services.transaction() as session:
        assert await OdooLinks(session).get(carol.id) is None


async def test_users_link_odoo_needs_the_key_on_stdin_and_an_odoo_source(bastion, services):
    await make_member(services, "carol")

    no_stdin = await bastion("users", "link-odoo", "carol", "--odoo-login", "alice")
    on_demo = await bastion("users", "link-odoo", "carol", "--odoo-login", "alice", "--api-key-stdin", input=ALICE_KEY)
    nobody = await bastion("users", "link-odoo", "zed", "--odoo-login", "alice", "--api-key-stdin", input=ALICE_KEY)

    assert_usage_error(no_stdin, "Pipe the user's Odoo API key in with --api-key-stdin")
    assert_usage_error(on_demo, "The data source is sql, not Odoo, so there is no Odoo account to link")
    assert_usage_error(nobody, "No user 'zed'; `bastion users list` shows them.")


async def test_users_unlink_odoo_forgets_the_link_and_says_so_when_there_was_none(bastion, services, odoo):
    carol = await make_member(services, "carol")
    await run_json(bastion, "source", "set-odoo", odoo.url, "--database", data.DATABASE)
    await run_json(bastion, "users", "link-odoo", "carol", "--odoo-login", "alice", "--api-key-stdin", input=ALICE_KEY)

    first = await run_json(bastion, "users", "unlink-odoo", "carol")
    second = await bastion("users", "unlink-odoo", "carol")
    status = await bastion("source", "test", "--as", "carol")

    assert first == {"login": "carol", "unlinked": True}
    assert second.stdout.strip() == "carol had no linked Odoo account; nothing changed."
    async with services.transaction() as session:
        assert await OdooLinks(session).get(carol.id) is None
    # Without a link there is no identity of carol's to test with: only the server is asked.
    assert "Per-user mode and 'carol' has no linked Odoo account" in status.stdout
    assert [event.detail for event in await audit_events(services, "odoo.unlinked")] == [{"login": "carol"}]

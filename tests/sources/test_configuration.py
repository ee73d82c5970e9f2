"""The source configuration: what each ``use_*`` accepts, what it stores (never a secret in clear) and audits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bastion.sealing import open_secret
from bastion.sources.configuration import (
    ODOO_SERVICE_KEY_PURPOSE,
    SourceConfigError,
    current_source_settings,
    odoo_service_key,
    sql_connection_url,
    use_demo,
    use_odoo,
    use_sql,
)
from bastion.store.repositories import DataSources
from tests.mcp.helpers import audit_events


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    path.write_bytes(b"")
    return path


async def test_without_a_stored_configuration_the_source_is_the_demo_nobody_chose_yet(services):
    async with services.transaction() as session:
        shown = await current_source_settings(session)

    assert shown.kind == "demo"
    assert shown.updated_at is None
    assert shown.has_secret is False


async def test_a_sql_password_is_split_out_of_the_url_sealed_and_never_shown_or_audited(services, clock):
    url = "postgresql://shop:s3cret-pw@db.example.com:5432/shop"
    async with services.transaction() as session:
        shown = await use_sql(session, services.settings, clock(), url, writable=True, actor_id=None)
        row = await DataSources(session).current()

    assert shown.url == "postgresql://shop@db.example.com:5432/shop"
    assert shown.has_secret is True and shown.writable is True
    assert row is not None and "s3cret-pw" not in row.url and "s3cret-pw" not in (row.sealed_secret or "")
    assert sql_connection_url(services.settings, row) == url
    (event,) = await audit_events(services, "source.changed")
    assert event.detail["kind"] == "sql" and event.detail["previous_kind"] == "demo"
    assert "s3cret-pw" not in json.dumps(event.detail)


async def test_a_relative_sqlite_path_is_stored_as_the_absolute_path_of_an_existing_file(
    services, clock, sqlite_file, monkeypatch
):
    monkeypatch.chdir(sqlite_file.parent)
    async with services.transaction() as session:
        shown = await use_sql(session, services.settings, clock(), "sqlite:///shop.db", writable=False, actor_id=None)

    assert shown.url == f"sqlite:///{sqlite_file}"
    assert shown.has_secret is False


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "That is not a database URL; give one like sqlite:////path/to/file.db"),
        ("oracle://scott@db/orcl", "database URLs starting with oracle:// are not supported"),
        ("sqlite://", "Give the path of a SQLite database file"),
        ("sqlite:///:memory:", "Give the path of a SQLite database file"),
        ("sqlite:////nowhere/missing.db", "There is no SQLite database file at /nowhere/missing.db"),
        ("postgresql:///shop", "The URL needs a host and a database name"),
    ],
)
async def test_an_unusable_sql_url_is_refused_with_how_to_fix_it_and_nothing_is_stored(services, clock, url, message):
    async with services.transaction() as session:
        with pytest.raises(SourceConfigError, match=message.replace("(", r"\(")):
            await use_sql(session, services.settings, clock(), url, writable=False, actor_id=None)
        assert await DataSources(session).current() is None


async def test_odoo_without_a_service_account_is_per_user_mode(services, clock):
    async with services.transaction() as session:
        shown = await use_odoo(session, services.settings, clock(), " https://acme.odoo.com/ ", "acme", actor_id=1)

    assert (shown.kind, shown.url, shown.database, shown.mode, shown.protocol) == (
        "odoo",
        "https://acme.odoo.com",
        "acme",
        "per_user",
        "auto",
    )
    assert shown.has_secret is False


async def test_an_odoo_service_account_key_is_sealed_for_its_purpose_and_kept_out_of_the_audit(services, clock):
    async with services.transaction() as session:
        shown = await use_odoo(
            session,
            services.settings,
            clock(),
            "https://acme.odoo.com",
            "acme",
            service_login="n8n@acme.com",
            api_key="odoo-service-key-123",
            protocol="json-2",
            actor_id=None,
        )
        row = await DataSources(session).current()

    assert (shown.mode, shown.service_login, shown.protocol, shown.has_secret) == (
        "service",
        "n8n@acme.com",
        "json-2",
        True,
    )
    assert row is not None and row.sealed_secret is not None and "odoo-service-key" not in row.sealed_secret
    assert odoo_service_key(services.settings, row) == "odoo-service-key-123"
    assert open_secret(services.settings, ODOO_SERVICE_KEY_PURPOSE, row.sealed_secret) == "odoo-service-key-123"
    (event,) = await audit_events(services, "source.changed")
    assert "odoo-service-key" not in json.dumps(event.detail)
    assert event.detail["mode"] == "service"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "acme.odoo.com"}, "Give Odoo's web address starting with https://"),
        ({"url": "https://acme.odoo.com/web?db=acme"}, "without ?… or #…"),
        ({"url": "https://admin:pw@acme.odoo.com"}, "Leave the login out of the Odoo address"),
        ({"database": "  "}, "Give the Odoo database name"),
        ({"protocol": "xml-rpc"}, "must be one of auto, json-2, json-rpc, not 'xml-rpc'"),
        ({"service_login": "n8n"}, "A service account needs both its Odoo login and an API key"),
        ({"api_key": "k"}, "A service account needs both its Odoo login and an API key"),
    ],
)
async def test_an_unusable_odoo_configuration_is_refused_with_how_to_fix_it(services, clock, changes, message):
    arguments = {"url": "https://acme.odoo.com", "database": "acme"} | changes
    url, database = arguments.pop("url"), arguments.pop("database")
    async with services.transaction() as session:
        with pytest.raises(SourceConfigError, match=message.replace("?", r"\?")):
            await use_odoo(session, services.settings, clock(), url, database, actor_id=None, **arguments)


async def test_going_back_to_the_demo_forgets_the_previous_source_and_its_secret(services, clock):
    async with services.transaction() as session:
        await use_sql(session, services.settings, clock(), "mysql://u:pw@db/shop", writable=True, actor_id=None)
    async with services.transaction() as session:
        shown = await use_demo(session, services.settings, clock(), actor_id=None)
        row = await DataSources(session).current()

    assert shown.kind == "demo" and shown.url == "" and shown.writable is False
    assert row is not None and row.sealed_secret is None
    assert [event.detail["previous_kind"] for event in await audit_events(services, "source.changed")] == [
        "demo",
        "sql",
    ]

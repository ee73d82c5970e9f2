"""The ``bastion`` command, run in-process with Typer's CliRunner against the test database (SQLite and PostgreSQL).

The CLI runs its own event loop (``anyio.run``), so each invocation runs in a worker thread while the test's
loop waits; the checks then read the same database through the ``services`` fixture.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from typing import Any

import anyio.to_thread
import pytest
import typer
from alembic.script import ScriptDirectory
from argon2 import PasswordHasher
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from bastion import accounts, credentials, passwords
from bastion.access_log import uvicorn_log_config
from bastion.cli import app
from bastion.cli.serve import prepare_first_run
from bastion.clock import utcnow
from bastion.governance import attempts
from bastion.server_settings import SETTING_SPECS
from bastion.store.db import alembic_config
from bastion.store.models import AuditEvent, Connection, Token
from bastion.store.repositories import Connections, ConnectionUse, StoredSettings, Users
from tests.conftest import PUBLIC_URL
from tests.factories import PASSWORD, make_api_key, make_oauth_client, make_user
from tests.test_metrics import scrape

MCP_URL = f"{PUBLIC_URL}/mcp"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id at the smallest cost: the CLI's flow is under test here, not the hash's strength."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def bastion(settings, services):
    """Run ``bastion ARGS...`` against the test database; ``services`` has already migrated it."""
    env = {
        "BASTION_HOME": str(settings.home),
        "BASTION_DATABASE_URL": settings.database_url,
        "BASTION_PUBLIC_URL": PUBLIC_URL,
        "BASTION_SECRET_KEY": settings.secret_key,
    }
    runner = CliRunner()

    async def invoke(*args: str, input: str | None = None) -> Result:
        return await anyio.to_thread.run_sync(lambda: runner.invoke(app, list(args), input=input, env=env))

    return invoke


async def run_json(bastion, *args: str, input: str | None = None) -> Any:
    result = await bastion(*args, "--json", input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_usage_error(result: Result, message: str) -> None:
    """A user's mistake: exit code 2 and one line on stderr that says what to do; no traceback."""
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


async def give_access_tokens(services, connection: Connection, count: int) -> None:
    now = utcnow()  # the CLI reads the real clock, so these must be alive by it
    async with services.transaction() as session:
        for number in range(count):
            session.add(
                Token(
                    kind="access",
                    digest=credentials.digest(f"token-{connection.id}-{number}"),
                    connection_id=connection.id,
                    user_id=connection.user_id,
                    scopes="mcp:read mcp:write",
                    resource=MCP_URL,
                    family_id=f"family-{connection.id}-{number}",
                    created_at=now,
                    expires_at=now + timedelta(hours=1),
                )
            )


# --- the public surface --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "commands"),
    [
        ((), ["serve", "users", "connections", "settings", "tools", "db", "source"]),
        (("users",), ["add", "list", "deactivate", "reactivate", "unlock", "link-odoo", "unlink-odoo"]),
        (("connections",), ["add-oauth", "add-key", "list", "show", "rotate", "revoke", "reactivate"]),
        (("settings",), ["show", "set"]),
        (("tools",), ["list", "enable", "disable"]),
        (("db",), ["upgrade"]),
        (("source",), ["show", "test", "set-demo", "set-sql", "set-odoo"]),
    ],
)
def test_the_command_names_stay_what_the_docs_and_scripts_use(group, commands):
    command = typer.main.get_command(app)
    for name in group:
        command = command.commands[name]

    assert list(command.commands) == commands


def test_every_command_that_prints_data_takes_json():
    root = typer.main.get_command(app)
    leaves = {
        f"{group} {name}": command
        for group, sub in root.commands.items()
        if hasattr(sub, "commands")
        for name, command in sub.commands.items()
    }

    assert len(leaves) == 25
    without_json = [name for name, command in leaves.items() if not any("--json" in p.opts for p in command.params)]
    assert without_json == []


# --- users -----------------------------------------------------------------------------------------------


async def test_users_add_reads_the_password_from_stdin_and_the_user_can_sign_in(bastion, services):
    created = await run_json(bastion, "users", "add", "alice", "--admin", "--password-stdin", input=PASSWORD + "\n")

    assert created == {
        "user_id": created["user_id"],
        "login": "alice",
        "name": "alice",
        "admin": True,
        "setup_link": None,
    }
    holder = await accounts.password_holder(services.transaction, "alice", PASSWORD)
    async with services.transaction() as session:
        user = await accounts.authenticate(session, services.clock(), "alice", holder, None)
    assert user.is_admin


async def test_users_add_without_a_password_prints_a_one_time_setup_link(bastion, services):
    result = await bastion("users", "add", "bob", "--name", "Bob Builder")

    assert result.exit_code == 0
    assert "Send them this one-time link; it works once, within 24 hours" in result.stdout
    link = next(word for word in result.stdout.split() if word.startswith(f"{PUBLIC_URL}/console/setup?token="))
    async with services.transaction() as session:
        _, user = await accounts.find_setup_link(session, utcnow(), link.split("token=", 1)[1])
    assert (user.login, user.name, user.is_admin, user.password_hash) == ("bob", "Bob Builder", False, None)


async def test_users_add_refuses_a_weak_password_and_creates_nobody(bastion, services):
    result = await bastion("users", "add", "carol", "--password-stdin", input="short\n")

    assert_usage_error(result, "The password must be at least 10 characters long.")
    async with services.transaction() as session:
        assert await Users(session).by_login("carol") is None


async def test_users_add_with_password_stdin_and_nothing_piped_in_says_how_to_pipe_one(bastion):
    assert_usage_error(await bastion("users", "add", "dave", "--password-stdin", input=""), "pipe one in")


async def test_users_add_refuses_a_login_that_exists(bastion, services):
    await make_user(services, "alice")

    assert_usage_error(await bastion("users", "add", "ALICE"), "A user 'ALICE' already exists; pick another login.")


async def test_users_deactivate_revokes_every_connection_acting_as_them_and_reactivate_keeps_them_revoked(
    bastion, services
):
    await make_user(services, "root", admin=True)
    bob = await make_user(services, "bob")
    key = await make_api_key(services, bob)

    refused_without_yes = await bastion("users", "deactivate", "bob", input="n\n")
    deactivated = await run_json(bastion, "users", "deactivate", "bob", "--yes")
    reactivated = await run_json(bastion, "users", "reactivate", "bob")

    assert refused_without_yes.exit_code != 0
    assert deactivated == {"login": "bob", "active": False, "connections_revoked": 1, "tokens_revoked": 0}
    assert reactivated == {"login": "bob", "active": True}
    async with services.transaction() as session:
        assert (await Connections(session).get(key.connection.id)).revoked_at is not None


async def test_users_deactivate_refuses_the_last_active_administrator(bastion, services):
    await make_user(services, "root", admin=True)

    result = await bastion("users", "deactivate", "root", "--yes")

    assert result.exit_code == 2
    assert "administrator" in result.stderr


async def test_users_deactivate_names_an_unknown_login(bastion):
    assert_usage_error(await bastion("users", "deactivate", "nobody", "--yes"), "No user 'nobody'")


async def held_from(services, address: str):
    """Whether a sign-in for alice from ``address`` would be held now (the CLI runs on the real clock)."""
    now = utcnow()
    reservation = await attempts.reserve_sign_in(services.transaction, now, "alice", address)
    async with services.transaction() as session:
        wait = await attempts.sign_in_held(session, reservation, now)
        await attempts.settle_sign_in(session, reservation, succeeded=False, counts=False)
    return wait is not None


async def test_users_unlock_forgets_the_failed_sign_ins_of_a_login_from_every_address_and_is_audited(bastion, services):
    for _ in range(5):
        reservation = await attempts.reserve_sign_in(services.transaction, utcnow(), "Alice", "198.51.100.7")
        async with services.transaction() as session:
            await attempts.settle_sign_in(session, reservation, succeeded=False)
    assert await held_from(services, "198.51.100.7")

    unlocked = await run_json(bastion, "users", "unlock", "ALICE")
    again = await bastion("users", "unlock", "alice")

    assert unlocked == {"login": "ALICE", "attempts_cleared": 5}
    assert not await held_from(services, "198.51.100.7")
    assert again.exit_code == 0
    assert again.stdout.strip() == (
        "Unlocked 'alice': no failed sign-ins were counted; it may be tried again at once from every address."
    )
    async with services.transaction() as session:
        events = (await session.scalars(select(AuditEvent).where(AuditEvent.event == "user.unlocked"))).all()
    assert [event.detail for event in events] == [
        {"login": "ALICE", "attempts_cleared": 5},
        {"login": "alice", "attempts_cleared": 0},
    ]


async def test_users_list_shows_role_and_whether_a_password_is_set(bastion, services):
    await make_user(services, "alice", admin=True)
    await bastion("users", "add", "bob")

    listed = await run_json(bastion, "users", "list")
    table = (await bastion("users", "list")).stdout

    assert [(u["login"], u["admin"], u["active"], u["has_password"]) for u in listed] == [
        ("alice", True, True, True),
        ("bob", False, True, False),
    ]
    assert set(listed[0]) == {"user_id", "login", "name", "admin", "active", "has_password", "created_at"}
    assert "administrator" in table and "not set yet (setup link)" in table


# --- connections: create ---------------------------------------------------------------------------------


async def test_add_oauth_json_is_exactly_the_ids_the_secret_and_the_mcp_url(bastion, services):
    await make_user(services, "alice")
    created = await run_json(
        bastion, "connections", "add-oauth", "--name", "Acme Internal CRM", "--type", "confidential",
        "--redirect-uri", "https://crm.example.com/oauth/callback", "--redirect-uri", "http://localhost/cb",
        "--owner", "alice",
    )  # fmt: skip

    assert list(created) == ["connection_id", "client_id", "client_secret", "mcp_url"]
    assert created["mcp_url"] == MCP_URL
    async with services.transaction() as session:
        stored = await Connections(session).get(created["connection_id"])
        owner = await Users(session).get(stored.user_id)
    assert stored.client_id == created["client_id"]
    assert stored.client_secret_digest == credentials.digest(created["client_secret"])
    assert stored.redirect_uris == ["https://crm.example.com/oauth/callback", "http://localhost/cb"]
    assert owner.login == "alice"


async def test_add_oauth_for_a_public_client_prints_no_secret(bastion):
    created = await run_json(
        bastion,
        "connections",
        "add-oauth",
        "--name",
        "SPA",
        "--type",
        "public",
        "--redirect-uri",
        "https://spa.example.com/cb",
    )

    assert list(created) == ["connection_id", "client_id", "mcp_url"]


async def test_add_oauth_shows_the_credentials_once_with_the_warning_and_what_to_do_next(bastion):
    result = await bastion(
        "connections",
        "add-oauth",
        "--name",
        "Acme",
        "--type",
        "confidential",
        "--redirect-uri",
        "https://a.example.com/cb",
    )

    assert result.exit_code == 0
    assert f"MCP endpoint URL  {MCP_URL}" in result.stdout
    assert "Client secret     bst_cs_" in result.stdout
    assert "Both the client secret and the client ID are shown exactly once" in result.stdout
    assert "If you missed the secret, you can rotate it later, but the value you missed is gone" in result.stdout
    assert f"{PUBLIC_URL}/.well-known/oauth-authorization-server" in result.stdout


async def test_a_bad_redirect_uri_is_named_exits_2_and_creates_nothing(bastion, services):
    result = await bastion(
        "connections", "add-oauth", "--name", "Acme", "--type", "confidential",
        "--redirect-uri", "https://ok.example.com/cb", "--redirect-uri", "http://crm.example.com/cb",
    )  # fmt: skip

    assert_usage_error(result, "--redirect-uri number 2 is not usable: 'http://crm.example.com/cb' uses http")
    async with services.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Connection)) == 0


async def test_add_oauth_with_an_unknown_owner_says_how_to_find_users(bastion):
    result = await bastion(
        "connections", "add-oauth", "--name", "A", "--type", "public", "--redirect-uri", "https://a.example.com/cb",
        "--owner", "nobody",
    )  # fmt: skip

    assert_usage_error(result, "No user 'nobody'; `bastion users list` shows them")


async def test_add_key_json_gives_the_key_once_and_stores_only_its_digest(bastion, services):
    await make_user(services, "alice")

    created = await run_json(bastion, "connections", "add-key", "--name", "Cursor", "--user", "alice", "--read-only")

    assert list(created) == ["connection_id", "api_key", "mcp_url"]
    async with services.transaction() as session:
        stored = await Connections(session).by_key_digest(credentials.digest(created["api_key"]))
    assert stored.id == created["connection_id"]
    assert stored.scopes == "mcp:read"


async def test_add_key_prints_ready_to_paste_header_and_claude_code_lines(bastion, services):
    await make_user(services, "alice")

    result = await bastion("connections", "add-key", "--name", "Cursor on my laptop", "--user", "alice")

    key = next(word for word in result.stdout.split() if word.startswith("bst_ak_"))
    assert "The API key is shown exactly once" in result.stdout
    assert f"Authorization: Bearer {key}" in result.stdout
    assert f"claude mcp add --transport http bastion {MCP_URL} --header 'Authorization: Bearer {key}'" in result.stdout
    # The same snippets as the console's wizard, curl included (one tested source: bastion/setup_snippets.py).
    assert "Mcp-Method: tools/call" in result.stdout


# --- connections: list and show --------------------------------------------------------------------------


async def test_connections_list_shows_type_user_status_last_use_and_requests_and_filters(bastion, services):
    alice = await make_user(services, "alice")
    used = await make_api_key(services, alice, name="Used key")
    await make_oauth_client(services, name="Fresh client")
    async with services.transaction() as session:
        await Connections(session).record_uses([ConnectionUse(used.connection.id, utcnow())])
    await bastion("connections", "revoke", str(used.connection.id), "--yes")
    await make_api_key(services, alice, name="Unused key")

    listed = await run_json(bastion, "connections", "list")
    api_keys = await run_json(bastion, "connections", "list", "--type", "api_key")
    awaiting = await run_json(bastion, "connections", "list", "--status", "awaiting_connection")
    table = (await bastion("connections", "list")).stdout

    assert [(c["name"], c["type"], c["user"], c["status_label"], c["request_count"]) for c in listed] == [
        ("Used key", "api_key", "alice", "Revoked", 1),
        ("Fresh client", "oauth", None, "Awaiting connection", 0),
        ("Unused key", "api_key", "alice", "Awaiting connection", 0),
    ]
    assert [c["name"] for c in api_keys] == ["Used key", "Unused key"]
    assert [c["name"] for c in awaiting] == ["Fresh client", "Unused key"]
    assert table.splitlines()[0].split() == ["ID", "TYPE", "NAME", "USER", "STATUS", "LAST", "USED", "REQUESTS"]
    assert "Revoked" in table and "never" in table


async def test_connections_list_says_so_when_there_are_none(bastion):
    assert (await bastion("connections", "list")).stdout == "No connections yet.\n"


async def test_connections_show_gives_every_non_secret_detail(bastion, services):
    alice = await make_user(services, "alice")
    client = await make_oauth_client(services, owner=alice, redirect_uris=["https://a.example.com/cb"])
    key = await make_api_key(services, alice)
    await give_access_tokens(services, client.connection, 2)

    shown = await run_json(bastion, "connections", "show", str(client.connection.id))
    shown_key = await run_json(bastion, "connections", "show", str(key.connection.id))
    text = (await bastion("connections", "show", str(client.connection.id))).stdout

    assert shown["redirect_uris"] == ["https://a.example.com/cb"]
    assert (shown["client_type"], shown["user"], shown["active_tokens"]) == ("confidential", "alice", 2)
    assert shown_key["key_prefix"] == key.secret[:13]
    assert client.secret not in json.dumps(shown) and key.secret not in json.dumps(shown_key)
    assert "Redirect URIs          https://a.example.com/cb" in text


async def test_an_unknown_connection_id_says_how_to_find_one(bastion):
    assert_usage_error(
        await bastion("connections", "show", "404"), "No connection with id 404; `bastion connections list`"
    )


# --- connections: rotate, revoke, reactivate -------------------------------------------------------------


async def test_rotating_an_api_key_with_yes_kills_the_old_key_at_once(bastion, services):
    alice = await make_user(services, "alice")
    issued = await make_api_key(services, alice)

    rotated = await run_json(bastion, "connections", "rotate", str(issued.connection.id), "--yes")

    assert list(rotated) == ["connection_id", "api_key"]
    async with services.transaction() as session:
        assert await Connections(session).by_key_digest(credentials.digest(issued.secret)) is None
        assert (await Connections(session).by_key_digest(credentials.digest(rotated["api_key"]))).id == rotated[
            "connection_id"
        ]


async def test_rotating_a_client_secret_asks_first_and_shows_the_next_steps(bastion, services):
    issued = await make_oauth_client(services)

    result = await bastion("connections", "rotate", str(issued.connection.id), input="y\n")

    assert "Replace the client secret of connection" in result.stderr
    assert "The current client secret stops working immediately." in result.stderr
    assert "What to do next:\n  1. Copy the new client secret now" in result.stdout
    new_secret = next(word for word in result.stdout.split() if word.startswith("bst_cs_"))
    async with services.transaction() as session:
        stored = await Connections(session).get(issued.connection.id)
    assert stored.client_secret_digest == credentials.digest(new_secret)


async def test_declining_the_rotation_changes_nothing(bastion, services):
    issued = await make_oauth_client(services)

    result = await bastion("connections", "rotate", str(issued.connection.id), input="n\n")

    assert result.exit_code == 1
    async with services.transaction() as session:
        stored = await Connections(session).get(issued.connection.id)
    assert stored.client_secret_digest == credentials.digest(issued.secret)


async def test_a_public_client_has_no_secret_to_rotate(bastion, services):
    issued = await make_oauth_client(services, client_type="public")

    assert_usage_error(await bastion("connections", "rotate", str(issued.connection.id)), "it has no secret to rotate")


async def test_revoking_ends_every_token_and_reactivating_leaves_them_dead(bastion, services):
    issued = await make_oauth_client(services)
    await give_access_tokens(services, issued.connection, 2)

    revoked = await run_json(bastion, "connections", "revoke", str(issued.connection.id), "--yes")
    async with services.transaction() as session:
        assert (await Connections(session).get(issued.connection.id)).revoked_at is not None
        alive = await session.scalar(select(func.count()).select_from(Token).where(Token.revoked_at.is_(None)))
    reactivated = await run_json(bastion, "connections", "reactivate", str(issued.connection.id))

    assert revoked == {"connection_id": issued.connection.id, "status": "revoked", "tokens_revoked": 2}
    assert alive == 0
    assert reactivated == {"connection_id": issued.connection.id, "status": "awaiting_connection"}
    async with services.transaction() as session:
        assert (await Connections(session).get(issued.connection.id)).revoked_at is None
        assert await session.scalar(select(func.count()).select_from(Token).where(Token.revoked_at.is_(None))) == 0


async def test_revoking_asks_for_confirmation_unless_told_yes(bastion, services):
    issued = await make_oauth_client(services)

    result = await bastion("connections", "revoke", str(issued.connection.id), input="n\n")

    assert result.exit_code == 1
    assert "Its credential and every token it holds stop working at once." in result.stderr
    async with services.transaction() as session:
        assert (await Connections(session).get(issued.connection.id)).revoked_at is None


# --- settings and db -------------------------------------------------------------------------------------


async def test_settings_show_lists_every_key_with_value_default_and_description(bastion):
    shown = await run_json(bastion, "settings", "show")

    assert list(shown) == list(SETTING_SPECS)
    assert shown["access_token_ttl_seconds"] == {
        "value": 3600,
        "default": 3600,
        "description": "Access token lifetime.",
        "unit": "seconds",
        "minimum": 60,
        "maximum": 7 * 24 * 3600,
    }


async def test_settings_set_stores_the_value_and_audits_the_change(bastion, services):
    changed = await run_json(bastion, "settings", "set", "mcp_enabled", "off")

    assert changed == {"key": "mcp_enabled", "value": False, "previous": True}
    assert (await run_json(bastion, "settings", "show"))["mcp_enabled"]["value"] is False
    async with services.transaction() as session:
        assert (await StoredSettings(session).all())["mcp_enabled"] is False
        [event] = (await session.scalars(select(AuditEvent).where(AuditEvent.event == "settings.changed"))).all()
    assert event.detail == {"key": "mcp_enabled", "value": False, "previous": True}


async def test_settings_set_takes_the_allowed_metadata_document_hosts_as_one_argument(bastion, services):
    changed = await run_json(bastion, "settings", "set", "client_metadata_allowed_hosts", "claude.ai chatgpt.com")

    assert changed == {"key": "client_metadata_allowed_hosts", "value": ["claude.ai", "chatgpt.com"], "previous": []}
    shown = await run_json(bastion, "settings", "show")
    assert shown["client_metadata_allowed_hosts"]["value"] == ["claude.ai", "chatgpt.com"]
    cleared = await run_json(bastion, "settings", "set", "client_metadata_allowed_hosts", "")
    assert cleared["value"] == []
    async with services.transaction() as session:
        assert (await StoredSettings(session).all())["client_metadata_allowed_hosts"] == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("client_metadata_allowed_hosts", "https://claude.ai", "takes host names such as claude.ai or chatgpt.com"),
        ("access_token_ttl_seconds", "5", "access_token_ttl_seconds must be at least 60 seconds; got 5."),
        ("mcp_enabled", "maybe", "mcp_enabled takes true or false, not 'maybe'."),
        ("token_ttl", "60", "Unknown setting 'token_ttl'. Known settings: mcp_enabled,"),
    ],
)
async def test_settings_set_refuses_a_bad_key_or_value_and_stores_nothing(bastion, services, key, value, message):
    assert_usage_error(await bastion("settings", "set", key, value), message)
    async with services.transaction() as session:
        assert await StoredSettings(session).all() == {}


async def test_settings_set_metrics_public_lets_another_machine_scrape_metrics(bastion, app):
    refused = await scrape(app, "203.0.113.5")

    changed = await run_json(bastion, "settings", "set", "metrics_public", "on")
    allowed = await scrape(app, "203.0.113.5")

    assert refused.status_code == 403
    assert changed == {"key": "metrics_public", "value": True, "previous": False}
    assert allowed.status_code == 200 and "bastion_connections_active 0" in allowed.text


async def test_db_upgrade_prints_the_revision(bastion):
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert await run_json(bastion, "db", "upgrade") == {"revision": head}


async def test_a_bad_public_url_is_one_line_naming_the_variable(tmp_path):
    env = {"BASTION_PUBLIC_URL": "ftp://x", "BASTION_HOME": str(tmp_path)}

    result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(app, ["users", "list"], env=env))

    assert_usage_error(result, "BASTION_PUBLIC_URL='ftp://x' is not usable")


async def test_a_database_that_cannot_be_reached_is_one_line_and_exit_code_1(tmp_path):
    # Nothing listens on port 1 of the loopback address: the connection is refused at once.
    env = {"BASTION_HOME": str(tmp_path), "BASTION_DATABASE_URL": "postgresql://bastion@127.0.0.1:1/bastion"}

    result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(app, ["users", "list"], env=env))

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: The database cannot be used: ")
    assert result.stderr.endswith("Check BASTION_DATABASE_URL and that the database is reachable.\n")
    assert result.stderr.count("\n") == 1


# --- serve -----------------------------------------------------------------------------------------------


async def test_the_first_run_creates_the_admin_and_a_setup_link_until_a_password_is_set(services, clock):
    first = await prepare_first_run(services)
    second = await prepare_first_run(services)

    assert first.login == second.login == "admin"
    async with services.transaction() as session:
        with pytest.raises(accounts.AccountError, match="already used or is older than 24 hours"):
            await accounts.find_setup_link(session, clock(), first.url.split("token=")[1])
        _, admin = await accounts.find_setup_link(session, clock(), second.url.split("token=")[1])
        assert admin.is_admin and len(await Users(session).listing()) == 1
        await accounts.use_setup_link(session, clock(), second.url.split("token=")[1], PASSWORD)
    assert await prepare_first_run(services) is None


async def test_the_first_run_invites_an_existing_administrator_who_has_no_password(services):
    await make_user(services, "bob")
    async with services.transaction() as session:
        await accounts.create_user(session, services.clock(), login="root", is_admin=True)

    invitation = await prepare_first_run(services)

    assert invitation.login == "root"


async def test_serve_prints_the_setup_link_banner_and_runs_one_worker_without_proxy_headers(bastion, monkeypatch):
    import uvicorn

    from bastion.slow_clients import HeaderDeadlineProtocol

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))

    result = await bastion("serve", "--host", "0.0.0.0", "--port", "9123")

    assert result.exit_code == 0, result.output
    assert "Open this link within 24 hours to set the administrator's password:" in result.stdout
    assert f"{PUBLIC_URL}/console/setup?token=bst_su_" in result.stdout
    assert f"MCP endpoint: {MCP_URL}" in result.stdout
    [options] = started
    protocol = options.pop("http")
    assert options == {
        "host": "0.0.0.0",
        "port": 9123,
        "workers": 1,
        "proxy_headers": False,
        "log_level": "info",
        "log_config": uvicorn_log_config(),
    }
    # h11 with the header deadline (slow_clients.py), at BASTION_REQUEST_READ_TIMEOUT's default.
    assert issubclass(protocol, HeaderDeadlineProtocol) and protocol.header_timeout == 20


def test_python_dash_m_bastion_starts_without_importing_the_mcp_sdk():
    # The SDK takes seconds to import and only `serve` needs it: every other command must start without it.
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bastion", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "connections" in result.stdout
    lines = result.stderr.splitlines()
    imported = [line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")]
    assert "bastion.cli" in imported
    assert [name for name in imported if name == "mcp" or name.startswith("mcp.")] == []

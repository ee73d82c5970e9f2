"""The change counter moves in the same transaction as every change that may turn an /mcp request away, and
the runtime settings each process holds in memory are re-read exactly when it moved."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event

from bastion import accounts, connections
from bastion.config import Settings
from bastion.oauth.revoke import revoke_token
from bastion.services import Services, build_services
from bastion.settings_changes import apply_settings
from bastion.store.repositories import ChangeCounters, StoredSettings
from tests.factories import make_api_key, make_oauth_client, make_user
from tests.token_flows import basic_auth, exchange_code, make_code, make_party, put_setting, refresh, sign_in


async def version(services: Services) -> int:
    async with services.transaction() as session:
        found = await ChangeCounters(session).version()
    assert found is not None
    return found


@pytest.fixture
async def other_process(settings: Settings, services: Services) -> AsyncIterator[Services]:
    """A second set of services on the same database, with its own engine and memory: another server process."""
    other = build_services(settings, services.clock)
    yield other
    await other.engine.dispose()


async def test_the_counter_starts_at_zero_after_migration(services):
    assert await version(services) == 0


async def test_changing_a_setting_bumps_the_counter_and_submitting_the_same_value_does_not(services):
    async with services.transaction() as session:
        await apply_settings(session, services.clock(), {"mcp_enabled": "false"})
    assert await version(services) == 1
    async with services.transaction() as session:
        await apply_settings(session, services.clock(), {"mcp_enabled": "false"})
    assert await version(services) == 1


async def test_revoking_reactivating_and_rotating_a_connection_each_bump_the_counter(services):
    issued = await make_api_key(services, await make_user(services, password=None))
    steps = [connections.revoke_connection, connections.reactivate_connection, connections.rotate_credential]
    for expected, step in enumerate(steps, start=1):
        async with services.transaction() as session:
            await step(session, services.clock(), await connections.get_connection(session, issued.connection.id))
        assert await version(services) == expected, step.__name__


async def test_deactivating_and_reactivating_a_user_bump_the_counter(services):
    alice = await make_user(services, password=None)
    async with services.transaction() as session:
        user = await session.get(type(alice), alice.id)
        await accounts.deactivate_user(session, services.clock(), user, actor_id=None)
    # One transaction, one change: its connections' revocations and the user's own make one bump.
    after_deactivation = await version(services)
    assert after_deactivation == 1
    async with services.transaction() as session:
        user = await session.get(type(alice), alice.id)
        await accounts.reactivate_user(session, services.clock(), user, actor_id=None)
    assert await version(services) == after_deactivation + 1


async def test_revoking_a_token_at_the_revocation_endpoint_bumps_the_counter_and_an_unknown_one_does_not(
    services, client
):
    party = await make_party(services)
    tokens = await sign_in(services, client, party)
    async with services.transaction() as session:
        await revoke_token(
            session, services.clock(), client=party.client.connection, token="bst_at_unknown", client_ip=None
        )
    assert await version(services) == 0
    assert party.secret is not None
    headers = basic_auth(party.client_id, party.secret)
    response = await client.post("/oauth/revoke", data={"token": tokens["access_token"]}, headers=headers)
    assert response.status_code == 200
    assert await version(services) == 1


async def test_a_replayed_refresh_token_revokes_its_family_and_bumps_the_counter(services, client, clock):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    assert (await refresh(client, party, first["refresh_token"])).status_code == 200
    clock.advance(3600)  # far outside the grace window: a reuse, not a lost response
    assert (await refresh(client, party, first["refresh_token"])).status_code == 400
    assert await version(services) == 1


async def test_a_replayed_authorization_code_revokes_what_it_issued_and_bumps_the_counter(services, client):
    party = await make_party(services)
    code = await make_code(services, party)
    assert (await exchange_code(client, party, code)).status_code == 200
    assert (await exchange_code(client, party, code)).status_code == 400
    assert await version(services) == 1


async def test_settings_are_read_from_memory_until_another_process_changes_one(services, other_process):
    async with services.transaction() as session:
        assert (await services.server_settings(session)).mcp_enabled is True
    loads = services.settings_cache.loads
    for _ in range(3):
        async with services.transaction() as session:
            assert (await services.server_settings(session)).mcp_enabled is True
    assert services.settings_cache.loads == loads

    await put_setting(other_process, "mcp_enabled", False)

    async with services.transaction() as session:
        assert (await services.server_settings(session)).mcp_enabled is False
    assert services.settings_cache.loads == loads + 1


async def test_a_change_rolled_back_is_never_held_under_the_version_it_bumped_to(services, other_process):
    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack):
        async with services.transaction() as session:
            await StoredSettings(session).put("log_payloads", True, services.clock())
            # Read inside the writing transaction: its own change, used here but not held.
            assert (await services.server_settings(session)).log_payloads is True
            raise RolledBack
    # Another change takes the version number the rolled-back one had.
    await put_setting(other_process, "max_limit", 100)
    async with services.transaction() as session:
        current = await services.server_settings(session)
    assert (current.log_payloads, current.max_limit) == (False, 100)


async def test_the_console_and_cli_rules_share_the_bump_for_oauth_clients_too(services):
    owner = await make_user(services, password=None)
    issued = await make_oauth_client(services, owner=owner)
    async with services.transaction() as session:
        secret = await connections.rotate_credential(
            session, services.clock(), await connections.get_connection(session, issued.connection.id)
        )
    assert secret.startswith("bst_cs_")
    assert await version(services) == 1


async def test_the_counter_moves_once_as_the_last_statement_of_its_transaction(services):
    """Its row lock is then held only while committing: two concurrent revocations cannot deadlock on it."""
    alice = await make_user(services, password=None)
    for _ in range(2):
        await make_api_key(services, alice)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, _params, _context, _executemany) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(services.engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with services.transaction() as session:
            user = await session.get(type(alice), alice.id)
            await accounts.deactivate_user(session, services.clock(), user, actor_id=None)
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", seen)
    bumps = [statement for statement in statements if statement.startswith("UPDATE change_counter")]
    assert len(bumps) == 1, statements
    assert statements[-1] == bumps[0], statements


def test_every_table_of_bastions_store_the_counter_included_is_hidden_from_sql_data_sources():
    from bastion.sources.denylist import STORE_TABLES
    from bastion.store.models import Base

    assert set(Base.metadata.tables) <= STORE_TABLES

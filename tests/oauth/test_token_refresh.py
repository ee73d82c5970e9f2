"""The refresh_token grant at /oauth/token (oauth/grants/refresh_token.py); reuse attacks are in tests/spec."""

import pytest
from sqlalchemy import update

from bastion import connections
from bastion.oauth.errors import InvalidScope
from bastion.oauth.grants.refresh_token import narrow_scopes
from bastion.store.models import Connection, User
from tests.token_flows import (
    assert_error,
    audit_events,
    make_party,
    refresh,
    sign_in,
    stored_token,
)


async def test_a_refresh_returns_a_new_pair_in_the_same_family_and_spends_the_old_token(services, client, clock):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    clock.advance(60)

    response = await refresh(client, party, first["refresh_token"])

    assert response.status_code == 200, response.text
    second = response.json()
    assert second["access_token"].startswith("bst_at_") and second["access_token"] != first["access_token"]
    assert second["refresh_token"].startswith("bst_rt_") and second["refresh_token"] != first["refresh_token"]
    assert second["token_type"] == "Bearer" and second["scope"] == "mcp:read mcp:write"
    old = await stored_token(services, first["refresh_token"])
    new = await stored_token(services, second["refresh_token"])
    assert old.rotated_at == clock.now and new.replaces_id == old.id
    assert new.family_id == old.family_id == (await stored_token(services, second["access_token"])).family_id
    assert new.rotated_at is None and new.revoked_at is None


async def test_the_access_token_of_a_spent_refresh_token_stays_alive_until_it_expires(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    await refresh(client, party, first["refresh_token"])
    assert (await stored_token(services, first["access_token"])).revoked_at is None


async def test_a_refresh_is_audited_as_token_refreshed(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    await refresh(client, party, first["refresh_token"])
    refreshed = await audit_events(services, "token.refreshed")
    assert [(e.connection_id, e.detail["grant_type"]) for e in refreshed] == [
        (party.client.connection.id, "refresh_token")
    ]


async def test_each_new_refresh_token_gets_the_full_refresh_lifetime(services, client, clock):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    clock.advance(3600)
    second = (await refresh(client, party, first["refresh_token"])).json()
    stored = await stored_token(services, second["refresh_token"])
    assert stored.expires_at.timestamp() == clock.now.timestamp() + 30 * 86400


async def test_a_public_client_refreshes_with_its_client_id_only(services, client):
    party = await make_party(services, client_type="public")
    first = await sign_in(services, client, party)

    response = await refresh(client, party, first["refresh_token"])

    assert response.status_code == 200, response.text
    second = response.json()
    assert second["token_type"] == "Bearer" and second["scope"] == "mcp:read mcp:write"
    assert second["refresh_token"].startswith("bst_rt_") and second["refresh_token"] != first["refresh_token"]
    assert (await stored_token(services, first["refresh_token"])).rotated_at is not None
    [refreshed] = await audit_events(services, "token.refreshed")
    assert refreshed.connection_id == party.client.connection.id


async def test_a_narrower_scope_narrows_the_access_token_but_not_the_refresh_token(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)

    narrowed = (await refresh(client, party, first["refresh_token"], scope="mcp:read")).json()

    assert narrowed["scope"] == "mcp:read"
    assert (await stored_token(services, narrowed["access_token"])).scopes == "mcp:read"
    # RFC 6749 §6: the new refresh token keeps the scope of the one it replaces.
    assert (await stored_token(services, narrowed["refresh_token"])).scopes == "mcp:read mcp:write"
    widened_back = (await refresh(client, party, narrowed["refresh_token"])).json()
    assert widened_back["scope"] == "mcp:read mcp:write"


async def test_asking_for_more_scope_than_granted_is_invalid_scope_and_spends_nothing(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party, scopes="mcp:read")

    response = await refresh(client, party, first["refresh_token"], scope="mcp:write")

    assert_error(response, 400, "invalid_scope", "may only ask for those scopes or fewer")
    assert (await stored_token(services, first["refresh_token"])).rotated_at is None
    assert (await refresh(client, party, first["refresh_token"])).status_code == 200


@pytest.mark.parametrize("scope", ["offline_access", "claudeai", " ", "+offline_access"])
async def test_unknown_scope_values_are_dropped_and_keep_the_granted_scopes(services, client, scope):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    response = await refresh(client, party, first["refresh_token"], scope=scope)
    assert response.json()["scope"] == "mcp:read mcp:write"


async def test_a_connection_narrowed_to_read_only_gets_read_only_tokens_at_the_next_refresh(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    async with services.transaction() as session:
        await session.execute(
            update(Connection).where(Connection.id == party.client.connection.id).values(scopes="mcp:read")
        )
    assert (await refresh(client, party, first["refresh_token"])).json()["scope"] == "mcp:read"


async def test_an_expired_refresh_token_is_invalid_grant(services, client, clock):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    clock.advance(30 * 86400)
    assert_error(await refresh(client, party, first["refresh_token"]), 400, "invalid_grant", "has expired")


async def test_an_unknown_refresh_token_is_invalid_grant(services, client):
    party = await make_party(services)
    response = await refresh(client, party, "bst_rt_unknown")
    assert_error(response, 400, "invalid_grant", "refresh token is not valid")


async def test_an_access_token_sent_as_a_refresh_token_is_invalid_grant(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    response = await refresh(client, party, first["access_token"])
    assert_error(response, 400, "invalid_grant", "refresh token is not valid")


async def test_a_missing_refresh_token_is_invalid_request_naming_it(services, client):
    party = await make_party(services)
    response = await refresh(client, party, "")
    assert_error(response, 400, "invalid_request", "refresh_token is required")


async def test_a_refresh_token_of_another_client_is_invalid_grant_and_stays_usable(services, client):
    owner = await make_party(services, login="alice")
    other = await make_party(services, login="mallory")
    first = await sign_in(services, client, owner)

    response = await refresh(client, other, first["refresh_token"])

    assert_error(response, 400, "invalid_grant", "issued to another client")
    assert (await refresh(client, owner, first["refresh_token"])).status_code == 200


async def test_a_refresh_token_revoked_with_its_connection_is_refused(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    async with services.transaction() as session:
        connection = await session.get(Connection, party.client.connection.id)
        await connections.revoke_connection(session, services.clock(), connection)

    response = await refresh(client, party, first["refresh_token"])

    assert_error(response, 401, "invalid_client", "revoked by an administrator")


async def test_a_refresh_for_a_deactivated_user_is_invalid_grant(services, client):
    party = await make_party(services)
    first = await sign_in(services, client, party)
    async with services.transaction() as session:
        await session.execute(update(User).where(User.id == party.user.id).values(active=False))
    response = await refresh(client, party, first["refresh_token"])
    assert_error(response, 400, "invalid_grant", "deactivated")


def test_narrowing_keeps_what_was_granted_when_nothing_known_is_asked():
    assert narrow_scopes(None, "mcp:read mcp:write") == "mcp:read mcp:write"
    assert narrow_scopes("offline_access claudeai", "mcp:read") == "mcp:read"


def test_narrowing_to_write_includes_read():
    assert narrow_scopes("mcp:write", "mcp:read mcp:write") == "mcp:read mcp:write"


def test_narrowing_refuses_a_scope_beyond_the_grant():
    with pytest.raises(InvalidScope, match="not 'mcp:write'"):
        narrow_scopes("mcp:read mcp:write", "mcp:read")

"""Roles and deactivation (``bastion.accounts``): the rules the Users page calls."""

from __future__ import annotations

import re

import pytest

from bastion import accounts, credentials
from bastion.accounts import AccountError, Deactivation, check_keeps_an_administrator
from bastion.store.models import User
from bastion.store.repositories import BrowserSessions, Connections, SetupLinks, Tokens, Users
from tests.factories import make_api_key, make_oauth_client, make_user
from tests.mcp.helpers import audit_events, make_access_token


async def reload(services, user: User) -> User:
    async with services.transaction() as session:
        return await Users(session).get(user.id)


async def deactivate(services, user: User, actor: User | None) -> Deactivation:
    async with services.transaction() as session:
        target = await Users(session).get(user.id)
        return await accounts.deactivate_user(session, services.clock(), target, actor.id if actor else None)


def person(user_id: int, *, admin: bool = True, active: bool = True) -> User:
    return User(id=user_id, login=f"user{user_id}", is_admin=admin, active=active)


# --- the guard -------------------------------------------------------------------------------------------


def test_nobody_may_lock_themselves_out():
    with pytest.raises(
        AccountError, match=re.escape("You cannot deactivate yourself. Another administrator can do it for you.")
    ):
        check_keeps_an_administrator(person(1), 1, active_admins=3, doing="deactivate")


def test_the_last_active_administrator_stays():
    with pytest.raises(AccountError, match="user2 is the last active administrator"):
        check_keeps_an_administrator(person(2), None, active_admins=1, doing="deactivate")


def test_another_administrator_or_any_user_may_be_changed():
    check_keeps_an_administrator(person(2), 1, active_admins=2, doing="deactivate")
    check_keeps_an_administrator(person(3, admin=False), 1, active_admins=1, doing="deactivate")


# --- deactivation ----------------------------------------------------------------------------------------


async def test_deactivating_revokes_their_connections_and_tokens_and_ends_their_sessions(services):
    ada = await make_user(services, "ada", admin=True)
    alice = await make_user(services, "alice")
    bob = await make_user(services, "bob")
    key = await make_api_key(services, alice)
    client = await make_oauth_client(services, owner=alice)
    shared = await make_oauth_client(services, name="Shared CRM", owner=ada)
    bobs_key = await make_api_key(services, bob)
    await make_access_token(services, client.connection, alice)
    await make_access_token(services, shared.connection, alice)  # alice's token on ada's connection
    adas_token = await make_access_token(services, shared.connection, ada)
    async with services.transaction() as session:
        await accounts.start_browser_session(session, services.clock(), alice)
        await accounts.issue_setup_link(session, services.clock(), alice, "http://testserver")

    outcome = await deactivate(services, alice, ada)

    assert outcome == Deactivation(connections_revoked=2, tokens_revoked=2)
    async with services.transaction() as session:
        connections = Connections(session)
        assert (await connections.get(key.connection.id)).revoked_at is not None
        assert (await connections.get(client.connection.id)).revoked_at is not None
        assert (await connections.get(shared.connection.id)).revoked_at is None
        assert (await connections.get(bobs_key.connection.id)).revoked_at is None
        assert (await Tokens(session).by_digest(credentials.digest(adas_token))).revoked_at is None
        assert await Tokens(session).count_active(shared.connection.id, services.clock()) == 1
    assert not (await reload(services, alice)).active
    [event] = await audit_events(services, "user.deactivated")
    assert event.user_id == ada.id
    assert event.detail == {"login": "alice", "connections_revoked": 2, "tokens_revoked": 2}
    assert len(await audit_events(services, "connection.revoked")) == 2


async def test_a_deactivated_user_cannot_sign_in_or_use_a_setup_link(services):
    ada = await make_user(services, "ada", admin=True)
    alice = await make_user(services, "alice")
    async with services.transaction() as session:
        signed_in = await accounts.start_browser_session(session, services.clock(), alice)
        link = await accounts.issue_setup_link(session, services.clock(), alice, "http://testserver")

    await deactivate(services, alice, ada)

    async with services.transaction() as session:
        assert await accounts.resume_browser_session(session, services.clock(), signed_in.session_secret) is None
        assert (
            await BrowserSessions(session).find_active(credentials.digest(signed_in.session_secret), services.clock())
            is None
        )
        secret = link.partition("token=")[2]
        assert await SetupLinks(session).find_usable(credentials.digest(secret), services.clock()) is None


async def test_an_administrator_cannot_deactivate_themselves_and_nothing_changes(services):
    ada = await make_user(services, "ada", admin=True)
    await make_user(services, "grace", admin=True)
    key = await make_api_key(services, ada)

    with pytest.raises(AccountError, match="You cannot deactivate yourself"):
        await deactivate(services, ada, ada)

    assert (await reload(services, ada)).active
    async with services.transaction() as session:
        assert (await Connections(session).get(key.connection.id)).revoked_at is None


async def test_the_last_active_administrator_cannot_be_deactivated(services):
    ada = await make_user(services, "ada", admin=True)

    with pytest.raises(AccountError, match="ada is the last active administrator"):
        await deactivate(services, ada, None)


async def test_deactivating_twice_says_so(services):
    ada = await make_user(services, "ada", admin=True)
    alice = await make_user(services, "alice")
    await deactivate(services, alice, ada)

    with pytest.raises(AccountError, match=re.escape("alice is already deactivated.")):
        await deactivate(services, alice, ada)


async def test_reactivating_lets_them_sign_in_but_leaves_their_connections_revoked(services):
    ada = await make_user(services, "ada", admin=True)
    alice = await make_user(services, "alice")
    key = await make_api_key(services, alice)
    await deactivate(services, alice, ada)

    async with services.transaction() as session:
        await accounts.reactivate_user(session, services.clock(), await Users(session).get(alice.id), ada.id)

    assert (await reload(services, alice)).active
    async with services.transaction() as session:
        assert (await Connections(session).get(key.connection.id)).revoked_at is not None
    [event] = await audit_events(services, "user.reactivated")
    assert (event.user_id, event.detail) == (ada.id, {"login": "alice"})


# --- roles -----------------------------------------------------------------------------------------------


async def set_role(services, user: User, is_admin: bool, actor: User | None) -> None:
    async with services.transaction() as session:
        target = await Users(session).get(user.id)
        await accounts.set_role(
            session, services.clock(), target, is_admin=is_admin, actor_id=actor.id if actor else None
        )


async def test_a_role_change_is_stored_and_audited(services):
    ada = await make_user(services, "ada", admin=True)
    alice = await make_user(services, "alice")

    await set_role(services, alice, True, ada)
    await set_role(services, alice, False, ada)

    assert not (await reload(services, alice)).is_admin
    events = await audit_events(services, "user.role_changed")
    assert [event.detail for event in events] == [
        {"login": "alice", "role": "administrator"},
        {"login": "alice", "role": "user"},
    ]
    assert {event.user_id for event in events} == {ada.id}


async def test_setting_the_role_a_user_already_has_changes_nothing(services):
    ada = await make_user(services, "ada", admin=True)

    await set_role(services, ada, True, ada)

    assert await audit_events(services, "user.role_changed") == []


async def test_an_administrator_cannot_demote_themselves_nor_the_last_administrator(services):
    ada = await make_user(services, "ada", admin=True)

    with pytest.raises(AccountError, match="You cannot take the administrator role away from yourself"):
        await set_role(services, ada, False, ada)
    with pytest.raises(AccountError, match="ada is the last active administrator"):
        await set_role(services, ada, False, None)

    assert (await reload(services, ada)).is_admin

"""Per-user Odoo links against the stand-in Odoo (19 over JSON-2, 17 over JSON-RPC): verified before they are
stored, sealed for their user, audited without the key; and signing in to Bastion with an Odoo account."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx2
import pytest

from bastion.accounts import AccountError, create_user
from bastion.sealing import SealTampered, open_secret
from bastion.sources.configuration import odoo_link_purpose, use_odoo
from bastion.sources.odoo_links import (
    OdooLinkError,
    link_odoo_account,
    odoo_link_states,
    odoo_sign_in_check,
    sign_in_with_odoo,
    unlink_odoo_account,
    verify_odoo_account,
)
from bastion.sources.runtime import SourceRuntime
from bastion.store.repositories import OdooLinks
from tests.mcp.helpers import audit_events, make_member
from tests.sources.odoo.standin import data
from tests.sources.odoo.standin.app import build_standin

ODOO_URL = "http://odoo.test"
ALICE_KEY = "alice-key-0123456789"
BOB_KEY = "bob-key-0123456789"


@pytest.fixture(params=[19, 17], ids=["json-2", "json-rpc"])
async def runtime(request, services) -> AsyncIterator[SourceRuntime]:
    app, _knobs = build_standin(request.param)
    built = SourceRuntime(
        services.settings, services.transaction, services.clock, odoo_transport=httpx2.ASGITransport(app=app)
    )
    async with services.transaction() as session:
        await use_odoo(session, services.settings, services.clock(), ODOO_URL, data.DATABASE, actor_id=None)
    yield built
    await built.aclose()


async def test_a_verified_link_is_sealed_for_its_user_and_audited_without_the_key(services, runtime):
    carol = await make_member(services, "carol")
    account = await verify_odoo_account(runtime, " alice ", ALICE_KEY)
    async with services.transaction() as session:
        state = await link_odoo_account(session, runtime, services.clock(), carol, account, ALICE_KEY, actor_id=None)
        link = await OdooLinks(session).get(carol.id)

    assert (state.odoo_login, state.state, state.verified_at) == ("alice", "linked", services.clock())
    assert link is not None and link.odoo_uid == data.ALICE_UID
    assert ALICE_KEY not in link.sealed_api_key
    assert open_secret(services.settings, odoo_link_purpose(carol.id), link.sealed_api_key) == ALICE_KEY
    with pytest.raises(SealTampered):  # copied into another user's row, it does not open
        open_secret(services.settings, odoo_link_purpose(carol.id + 1), link.sealed_api_key)
    (event,) = await audit_events(services, "odoo.linked")
    assert event.detail == {"login": "carol", "odoo_login": "alice", "odoo_uid": data.ALICE_UID}
    assert ALICE_KEY not in json.dumps(event.detail)


@pytest.mark.parametrize(
    ("login", "key", "message"),
    [
        (
            "alice",
            "not-a-key",
            "Odoo refused the login 'alice' with this API key: check the login, or create an API key",
        ),
        ("bob", ALICE_KEY, "Odoo refused the login 'bob' with this API key"),
        ("alice", "  ", "Give both your Odoo login and an Odoo API key"),
    ],
)
async def test_an_account_odoo_does_not_accept_is_refused_and_nothing_is_stored(services, runtime, login, key, message):
    carol = await make_member(services, "carol")
    with pytest.raises(OdooLinkError, match=message):
        await verify_odoo_account(runtime, login, key)
    async with services.transaction() as session:
        assert await OdooLinks(session).get(carol.id) is None
    assert await audit_events(services, "odoo.linked") == []


async def test_linking_needs_the_data_source_to_be_odoo(services):
    with pytest.raises(OdooLinkError, match=r"The data source is sql, not Odoo, .* `bastion source set-odoo"):
        await verify_odoo_account(services.sources, "a", "k")
    await services.sources.aclose()


async def test_the_users_page_reads_each_users_link_state_and_unlinking_forgets_it(services, runtime):
    carol, dave, erin = [await make_member(services, login) for login in ("carol", "dave", "erin")]
    account = await verify_odoo_account(runtime, "alice", ALICE_KEY)
    other_account = await verify_odoo_account(runtime, "bob", BOB_KEY)
    async with services.transaction() as session:
        await link_odoo_account(session, runtime, services.clock(), carol, account, ALICE_KEY, actor_id=None)
        await link_odoo_account(session, runtime, services.clock(), dave, other_account, BOB_KEY, actor_id=None)
        stored = await OdooLinks(session).get(dave.id)
        await OdooLinks(session).mark_rejected(dave.id, stored.sealed_api_key, "Odoo refused it", services.clock())

        states = await odoo_link_states(session, [carol.id, dave.id, erin.id])
        assert {user_id: state.state for user_id, state in states.items()} == {carol.id: "linked", dave.id: "rejected"}
        assert states[dave.id].last_error == "Odoo refused it"

        assert await unlink_odoo_account(session, services.clock(), carol, actor_id=dave.id) is True
        assert await unlink_odoo_account(session, services.clock(), carol, actor_id=dave.id) is False
        assert await odoo_link_states(session, [carol.id]) == {}
    (event,) = await audit_events(services, "odoo.unlinked")
    assert (event.user_id, event.detail) == (dave.id, {"login": "carol"})


async def test_relinking_a_rejected_account_makes_it_linked_again(services, runtime):
    carol = await make_member(services, "carol")
    account = await verify_odoo_account(runtime, "alice", ALICE_KEY)
    other_account = await verify_odoo_account(runtime, "alice", ALICE_KEY)
    async with services.transaction() as session:
        await link_odoo_account(session, runtime, services.clock(), carol, account, ALICE_KEY, actor_id=None)
        stored = await OdooLinks(session).get(carol.id)
        await OdooLinks(session).mark_rejected(carol.id, stored.sealed_api_key, "revoked", services.clock())
        state = await link_odoo_account(
            session, runtime, services.clock(), carol, other_account, ALICE_KEY, actor_id=None
        )

    assert (state.state, state.last_error) == ("linked", "")


async def test_the_first_sign_in_with_odoo_creates_a_plain_linked_user_and_the_next_finds_them(services, runtime):
    verified = await odoo_sign_in_check(runtime, "alice", ALICE_KEY)
    async with services.transaction() as session:
        first = await sign_in_with_odoo(
            session,
            runtime,
            services.clock(),
            "alice",
            ALICE_KEY,
            verified,
            client_ip="10.0.0.5",
        )
    verified = await odoo_sign_in_check(runtime, "alice", ALICE_KEY)
    async with services.transaction() as session:
        again = await sign_in_with_odoo(
            session,
            runtime,
            services.clock(),
            "alice",
            ALICE_KEY,
            verified,
        )
        link = await OdooLinks(session).get(first.id)

    assert (first.login, first.name, first.is_admin, first.password_hash) == ("alice", "Alice Salesman", False, None)
    assert again.id == first.id
    assert link is not None and link.odoo_login == "alice"
    assert len(await audit_events(services, "odoo.linked")) == 1  # the same key again changes nothing
    signed_in = await audit_events(services, "user.signed_in")
    assert [(event.user_id, event.detail["method"]) for event in signed_in] == [(first.id, "odoo"), (first.id, "odoo")]


async def test_a_wrong_odoo_key_at_sign_in_is_refused_and_audited_as_a_failed_sign_in(services, runtime):
    verified = await odoo_sign_in_check(runtime, "alice", "wrong-key")
    async with services.transaction() as session:
        with pytest.raises(AccountError, match="Odoo refused the login 'alice' with this API key"):
            await sign_in_with_odoo(
                session,
                runtime,
                services.clock(),
                "alice",
                "wrong-key",
                verified,
                client_ip="10.0.0.5",
            )

    (event,) = await audit_events(services, "user.sign_in_failed")
    assert (event.client_ip, event.detail) == ("10.0.0.5", {"login": "alice", "method": "odoo"})


async def test_signing_in_with_odoo_never_takes_over_a_bastion_user_of_the_same_login(services, runtime):
    async with services.transaction() as session:
        await create_user(session, services.clock(), login="alice", is_admin=True)
    verified = await odoo_sign_in_check(runtime, "alice", ALICE_KEY)
    async with services.transaction() as session:
        with pytest.raises(AccountError) as refused:
            await sign_in_with_odoo(
                session,
                runtime,
                services.clock(),
                "alice",
                ALICE_KEY,
                verified,
            )

    assert str(refused.value) == (
        "A Bastion user 'alice' already exists and is not linked to this Odoo account: sign in with your Bastion "
        "password, then link your Odoo account on the account page."
    )

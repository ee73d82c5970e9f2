"""The runtime source: built from the stored configuration, rebuilt when any process changes it, and the
identity each call acts as (the Bastion user, the service account, or the user's own linked Odoo account)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx2
import pytest
import sqlalchemy as sa

from bastion.sources import runtime as runtime_module
from bastion.sources.configuration import use_odoo, use_sql
from bastion.sources.errors import CredentialRejected, NotLinked, SourceUnavailable
from bastion.sources.odoo import OdooSource
from bastion.sources.odoo_links import link_odoo_account, verify_odoo_account
from bastion.sources.port import Capability
from bastion.sources.runtime import SourceRuntime
from bastion.sources.sql import SqlSource
from bastion.store.repositories import OdooLinks
from bastion.tools.context import UserSummary
from tests.mcp.helpers import audit_events, make_member
from tests.sources.odoo.standin import data
from tests.sources.odoo.standin.app import Knobs, build_standin

ODOO_URL = "http://odoo.test"
ALICE_KEY = "alice-key-0123456789"


@pytest.fixture
def standin() -> tuple[object, Knobs]:
    return build_standin(19)


@pytest.fixture
async def runtime(services, standin) -> AsyncIterator[SourceRuntime]:
    app, _knobs = standin
    built = SourceRuntime(
        services.settings, services.transaction, services.clock, odoo_transport=httpx2.ASGITransport(app=app)
    )
    yield built
    await built.aclose()


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE res_partner (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"))
        connection.execute(sa.text("INSERT INTO res_partner (name) VALUES ('Azure Interior')"))
    engine.dispose()
    return path


async def configure_sql(services, path: Path, *, writable: bool) -> None:
    """What `bastion source set-sql` commits, in a transaction of its own (as another process would)."""
    async with services.transaction() as session:
        await use_sql(
            session, services.settings, services.clock(), f"sqlite:///{path}", writable=writable, actor_id=None
        )


async def configure_odoo(services, **service) -> None:
    async with services.transaction() as session:
        await use_odoo(session, services.settings, services.clock(), ODOO_URL, data.DATABASE, actor_id=None, **service)


async def test_a_newcomer_gets_the_demo_built_once_in_the_data_folder_read_only(services, runtime):
    source = await runtime.source()

    assert isinstance(source, SqlSource)
    assert source.capabilities == frozenset()
    demo = services.settings.home / "demo.db"
    assert demo.is_file()
    built_at = demo.stat().st_mtime_ns
    assert await runtime.source() is source
    assert "sale.order" in [info.name for info in await source.list_models(await runtime.identity_for(_user()))]

    another_process = SourceRuntime(services.settings, services.transaction, services.clock)
    try:
        await another_process.source()
    finally:
        await another_process.aclose()
    assert demo.stat().st_mtime_ns == built_at


async def test_on_sql_and_the_demo_a_call_acts_as_the_bastion_user(runtime):
    identity = await runtime.identity_for(_user())

    assert (identity.bastion_user_id, identity.login, identity.secret, identity.cache_key) == (7, "carol", None, "sql")


async def test_a_change_committed_elsewhere_is_used_by_the_next_call_and_the_old_source_closed_later(
    services, runtime, shop, monkeypatch
):
    demo = await runtime.source()
    closed: list[str] = []

    async def close_demo() -> None:
        closed.append("demo")

    monkeypatch.setattr(demo, "aclose", close_demo)
    monkeypatch.setattr(runtime_module, "RETIRE_GRACE_SECONDS", 0.0)

    await configure_sql(services, shop, writable=True)
    writable = await runtime.source()
    assert isinstance(writable, SqlSource) and writable is not demo
    assert await runtime.capabilities() == frozenset({Capability.WRITE})
    assert await runtime.source() is writable  # unchanged configuration: no rebuild
    assert closed == ["demo"]

    await configure_sql(services, shop, writable=False)
    assert await runtime.capabilities() == frozenset()


async def test_a_sql_password_that_no_longer_opens_says_the_administrator_must_set_the_source_again(
    services, runtime, shop
):
    await configure_sql(services, shop, writable=False)
    async with services.transaction() as session:
        await use_sql(
            session,
            services.settings,
            services.clock(),
            "postgresql://u:pw@127.0.0.1:9/x",
            writable=False,
            actor_id=None,
        )
    other_secret = replace(services.settings, secret_key="another-secret-key-" + "y" * 32)
    stranger = SourceRuntime(other_secret, services.transaction, services.clock)

    with pytest.raises(SourceUnavailable, match=r"stored secret cannot be opened .* must set the source again"):
        await stranger.source()
    assert await stranger.capabilities() == frozenset()


async def test_on_odoo_per_user_a_user_without_a_link_is_told_where_to_link_it(services, runtime):
    await configure_odoo(services)

    with pytest.raises(NotLinked) as refused:
        await runtime.identity_for(_user())

    assert str(refused.value) == (
        "Your Bastion user 'carol' has no linked Odoo account, and every call runs as your own Odoo user: link it "
        "with your Odoo login and an Odoo API key in the console at http://testserver/console/account/odoo, or "
        "ask an administrator to run `bastion users link-odoo carol --odoo-login YOUR_ODOO_LOGIN --api-key-stdin`."
    )


async def test_on_odoo_per_user_a_linked_user_acts_as_their_own_odoo_user(services, runtime):
    await configure_odoo(services)
    alice = await make_member(services, "alice.b")
    account = await verify_odoo_account(runtime, "alice", ALICE_KEY)
    async with services.transaction() as session:
        await link_odoo_account(session, runtime, services.clock(), alice, account, ALICE_KEY, actor_id=None)

    identity = await runtime.identity_for(alice)
    assert (identity.bastion_user_id, identity.login, identity.secret, identity.cache_key) == (
        alice.id,
        "alice",
        ALICE_KEY,
        "odoo:alice",
    )
    assert isinstance(await runtime.source(), OdooSource)


async def test_in_service_mode_every_call_acts_as_the_service_account(services, runtime):
    await configure_odoo(services, service_login="bob", api_key="bob-key-0123456789")

    identity = await runtime.identity_for(_user())

    assert (identity.login, identity.secret, identity.cache_key) == ("bob", "bob-key-0123456789", "odoo-service:bob")


async def test_a_key_odoo_refuses_marks_the_link_rejected_and_tells_the_user_to_link_it_again(
    services, runtime, standin
):
    _app, knobs = standin
    await configure_odoo(services)
    alice = await make_member(services, "alice.b")
    account = await verify_odoo_account(runtime, "alice", ALICE_KEY)
    async with services.transaction() as session:
        await link_odoo_account(session, runtime, services.clock(), alice, account, ALICE_KEY, actor_id=None)
        bound = await runtime.bind(session, alice)
    del knobs.keys[ALICE_KEY]  # the key is revoked in Odoo

    with pytest.raises(CredentialRejected) as refused:
        await bound.source.count(bound.identity, "res.partner", [])

    assert "rejected the API key" in str(refused.value)
    assert "Link it again in the console at http://testserver/console/account/odoo" in str(refused.value)
    async with services.transaction() as session:
        link = await OdooLinks(session).get(alice.id)
    assert link is not None and link.state == "rejected" and "rejected the API key" in link.last_error
    (event,) = await audit_events(services, "odoo.link_rejected")
    assert event.user_id == alice.id

    calls = len(knobs.calls)
    with pytest.raises(CredentialRejected, match=r"Odoo refused the API key linked for 'alice' .* link it again"):
        await runtime.identity_for(alice)
    assert len(knobs.calls) == calls  # known rejected: Odoo is not asked again


async def test_a_link_renewed_since_the_refusal_is_not_marked_rejected(services, runtime):
    await configure_odoo(services)
    alice = await make_member(services, "alice.b")
    account = await verify_odoo_account(runtime, "alice", ALICE_KEY)
    other_account = await verify_odoo_account(runtime, "alice", ALICE_KEY)
    async with services.transaction() as session:
        old = await link_odoo_account(session, runtime, services.clock(), alice, account, ALICE_KEY, actor_id=None)
        stale = (await OdooLinks(session).get(alice.id)).sealed_api_key
        await link_odoo_account(session, runtime, services.clock(), alice, other_account, ALICE_KEY, actor_id=None)

        assert await OdooLinks(session).mark_rejected(alice.id, stale, "refused", services.clock()) is False
        assert (await OdooLinks(session).get(alice.id)).state == old.state == "linked"


def _user() -> UserSummary:
    return UserSummary(id=7, login="carol", name="Carol", is_admin=False)

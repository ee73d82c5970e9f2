import pytest

from bastion import accounts
from bastion.passwords import PasswordRejected
from tests.factories import PASSWORD, make_user


async def _setup_link(services, login="admin"):
    async with services.transaction() as session:
        user = await accounts.create_user(session, services.clock(), login=login, is_admin=True)
        link = await accounts.issue_setup_link(session, services.clock(), user, "http://testserver")
    return user, link.split("token=", 1)[1]


async def test_a_setup_link_sets_the_password_once(services):
    user, secret = await _setup_link(services)
    async with services.transaction() as session:
        await accounts.use_setup_link(session, services.clock(), secret, PASSWORD)
    holder = await accounts.password_holder(services.transaction, "admin", PASSWORD)
    async with services.transaction() as session:
        with pytest.raises(accounts.AccountError, match="already used or is older than 24 hours"):
            await accounts.use_setup_link(session, services.clock(), secret, PASSWORD)
        assert (await accounts.authenticate(session, services.clock(), "admin", holder, None)).id == user.id


async def test_a_setup_link_expires_after_24_hours(services, clock):
    _, secret = await _setup_link(services)
    clock.advance(24 * 3600 + 1)
    async with services.transaction() as session:
        with pytest.raises(accounts.AccountError, match="older than 24 hours"):
            await accounts.use_setup_link(session, services.clock(), secret, PASSWORD)


async def test_a_new_setup_link_retires_the_previous_one(services):
    user, first = await _setup_link(services)
    async with services.transaction() as session:
        await accounts.issue_setup_link(session, services.clock(), user, "http://testserver")
    async with services.transaction() as session:
        with pytest.raises(accounts.AccountError):
            await accounts.find_setup_link(session, services.clock(), first)


async def test_a_weak_password_is_refused_and_the_link_stays_usable(services):
    _, secret = await _setup_link(services)
    with pytest.raises(PasswordRejected, match="at least 10 characters"):
        async with services.transaction() as session:
            await accounts.use_setup_link(session, services.clock(), secret, "short")
    async with services.transaction() as session:
        await accounts.find_setup_link(session, services.clock(), secret)


async def test_a_wrong_password_or_unknown_login_gives_the_same_message(services):
    await make_user(services, "alice")
    for login, password in (("alice", "wrong password!"), ("nobody", PASSWORD)):
        holder = await accounts.password_holder(services.transaction, login, password)
        assert holder is None
        async with services.transaction() as session:
            with pytest.raises(accounts.AccountError, match="The login or password is not right"):
                await accounts.authenticate(session, services.clock(), login, holder, "127.0.0.1")


async def test_logins_are_unique_regardless_of_case(services):
    await make_user(services, "Alice")
    with pytest.raises(accounts.AccountError, match="already exists"):
        await make_user(services, "alice")


async def test_a_browser_session_resumes_until_it_expires(services, clock):
    alice = await make_user(services)
    async with services.transaction() as session:
        signed_in = await accounts.start_browser_session(session, services.clock(), alice)
    async with services.transaction() as session:
        assert (await accounts.resume_browser_session(session, services.clock(), signed_in.session_secret))[
            1
        ].id == alice.id
    clock.advance(13 * 3600)
    async with services.transaction() as session:
        assert await accounts.resume_browser_session(session, services.clock(), signed_in.session_secret) is None

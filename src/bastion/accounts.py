"""User accounts: creation, one-time setup links, password sign-in and browser sessions."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bastion import credentials
from bastion.connections import revoke_connection
from bastion.credentials import Prefix
from bastion.governance import attempts
from bastion.governance.audit import record
from bastion.passwords import check_password_strength, hash_password, verify_password
from bastion.store.models import BrowserSession, SetupLink, User
from bastion.store.repositories import BrowserSessions, ChangeCounters, Connections, SetupLinks, Tokens, Users

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]

SETUP_LINK_LIFETIME = timedelta(hours=24)
BROWSER_SESSION_LIFETIME = timedelta(hours=12)
SETUP_PATH = "/console/setup"
MAX_LOGIN_LENGTH = 100


class AccountError(ValueError):
    """An account request is unusable; the message says how to fix it."""


class SignInFailed(AccountError):
    """A sign-in's credentials were wrong (audited as ``user.sign_in_failed``); the sign-in throttle counts it."""


@dataclass(frozen=True)
class SignedIn:
    user: User
    session_secret: str  # goes into the cookie, never stored
    csrf_token: str


def check_login(login: str) -> str:
    cleaned = login.strip()
    if not cleaned:
        raise AccountError("Give a login, e.g. an e-mail address or a short name.")
    if len(cleaned) > MAX_LOGIN_LENGTH or any(c.isspace() for c in cleaned):
        raise AccountError(f"A login has no spaces and at most {MAX_LOGIN_LENGTH} characters.")
    return cleaned


async def create_user(
    session: AsyncSession,
    now: datetime,
    *,
    login: str,
    is_admin: bool,
    password: str | None = None,
    name: str = "",
    actor_id: int | None = None,
) -> User:
    login = check_login(login)
    users = Users(session)
    if await users.by_login(login) is not None:
        raise AccountError(f"A user {login!r} already exists; pick another login.")
    password_hash = None
    if password is not None:
        check_password_strength(password)
        password_hash = await hash_password(password)
    user = await users.add(
        User(
            login=login, name=name or login, password_hash=password_hash, is_admin=is_admin, active=True, created_at=now
        )
    )
    await record(session, "user.created", now, user_id=actor_id, login=login, admin=is_admin)
    return user


async def issue_setup_link(session: AsyncSession, now: datetime, user: User, public_url: str) -> str:
    """A single-use link, valid 24 hours, where ``user`` sets their password. Earlier links stop working."""
    links = SetupLinks(session)
    await links.retire_for_user(user.id, now)
    secret = credentials.new_credential(Prefix.SETUP_LINK)
    await links.add(
        SetupLink(
            digest=credentials.digest(secret), user_id=user.id, created_at=now, expires_at=now + SETUP_LINK_LIFETIME
        )
    )
    return f"{public_url}{SETUP_PATH}?token={secret}"


async def find_setup_link(session: AsyncSession, now: datetime, secret: str) -> tuple[SetupLink, User]:
    link = await SetupLinks(session).find_usable(credentials.digest(secret), now)
    user = await Users(session).get(link.user_id) if link else None
    if link is None or user is None or not user.active:
        raise AccountError(
            "This setup link is not valid: it was already used or is older than 24 hours. "
            "Ask an administrator for a new one (bastion users add LOGIN prints one)."
        )
    return link, user


async def use_setup_link(session: AsyncSession, now: datetime, secret: str, password: str) -> User:
    link, user = await find_setup_link(session, now, secret)
    check_password_strength(password)
    if not await SetupLinks(session).consume(link.id, now):
        raise AccountError("This setup link was just used. Sign in with the password that was set.")
    user.password_hash = await hash_password(password)
    await session.flush()
    await record(session, "user.password_set", now, user_id=user.id)
    return user


async def password_holder(transaction: Transaction, login: str, password: str) -> int | None:
    """The id of the user this login and password belong to, or None.

    The password is checked (argon2, tens of milliseconds) outside any transaction of the store: on
    SQLite a transaction holds the process's one writer, so every other request would wait for it.
    """
    async with transaction() as session:
        user = await Users(session).by_login(login.strip())
        stored = (user.id, user.password_hash) if user is not None else None
    ok = await verify_password(password, stored[1] if stored is not None else None)
    return stored[0] if ok and stored is not None else None


async def authenticate(
    session: AsyncSession, now: datetime, login: str, holder: int | None, client_ip: str | None
) -> User:
    """Sign-in with a password ``password_holder`` checked: the active user it belongs to, audited either way."""
    user = await Users(session).get(holder) if holder is not None else None
    if user is None or not user.active:
        await record(session, "user.sign_in_failed", now, client_ip=client_ip, login=login[:MAX_LOGIN_LENGTH])
        raise SignInFailed("The login or password is not right. Check both and try again.")
    await record(session, "user.signed_in", now, user_id=user.id, client_ip=client_ip)
    return user


async def start_browser_session(session: AsyncSession, now: datetime, user: User) -> SignedIn:
    secret = credentials.new_credential(Prefix.BROWSER_SESSION)
    csrf_token = secrets.token_urlsafe(32)
    await BrowserSessions(session).add(
        BrowserSession(
            digest=credentials.digest(secret),
            user_id=user.id,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=now + BROWSER_SESSION_LIFETIME,
        )
    )
    return SignedIn(user, secret, csrf_token)


async def resume_browser_session(
    session: AsyncSession, now: datetime, secret: str | None
) -> tuple[BrowserSession, User] | None:
    if not secret:
        return None
    browser_session = await BrowserSessions(session).find_active(credentials.digest(secret), now)
    if browser_session is None:
        return None
    user = await Users(session).get(browser_session.user_id)
    if user is None or not user.active:
        return None
    return browser_session, user


async def end_browser_session(session: AsyncSession, secret: str) -> None:
    await BrowserSessions(session).end(credentials.digest(secret))


# --- administration: roles, deactivation -------------------------------------------------------------


@dataclass(frozen=True)
class Deactivation:
    """What deactivating a user ended: connections revoked and tokens (theirs, on any connection) revoked."""

    connections_revoked: int
    tokens_revoked: int


def check_keeps_an_administrator(user: User, actor_id: int | None, active_admins: int, doing: str) -> None:
    """Nobody locks themselves out, and Bastion always keeps one active administrator to manage it."""
    if actor_id is not None and user.id == actor_id:
        raise AccountError(f"You cannot {doing} yourself. Another administrator can do it for you.")
    if user.is_admin and user.active and active_admins <= 1:
        raise AccountError(
            f"{user.login} is the last active administrator, so nobody could manage Bastion afterwards. "
            "Make another user an administrator first."
        )


async def set_role(session: AsyncSession, now: datetime, user: User, *, is_admin: bool, actor_id: int | None) -> None:
    if user.is_admin == is_admin:
        return
    if not is_admin:
        active_admins = await Users(session).count_active_admins()
        check_keeps_an_administrator(user, actor_id, active_admins, "take the administrator role away from")
    user.is_admin = is_admin
    await session.flush()
    role = "administrator" if is_admin else "user"
    await record(session, "user.role_changed", now, user_id=actor_id, login=user.login, role=role)


async def deactivate_user(session: AsyncSession, now: datetime, user: User, actor_id: int | None) -> Deactivation:
    """Stop a user at once: every connection acting as them is revoked, every token issued to them dies,
    and their browser sessions and unused setup links end. All in the caller's one transaction."""
    if not user.active:
        raise AccountError(f"{user.login} is already deactivated.")
    check_keeps_an_administrator(user, actor_id, await Users(session).count_active_admins(), "deactivate")
    user.active = False
    tokens = 0
    revoked = 0
    for connection in await Connections(session).listing(user_id=user.id, include_revoked=False):
        tokens += await revoke_connection(session, now, connection, actor_id=actor_id)
        revoked += 1
    # Tokens they hold on connections owned by someone else (a shared custom OAuth client) die too.
    tokens += await Tokens(session).revoke_for_user(user.id, now)
    await BrowserSessions(session).end_all_for_user(user.id)
    await SetupLinks(session).retire_for_user(user.id, now)
    await session.flush()
    # Their tokens on other users' connections end their open streams too (mcp/streams.py).
    await ChangeCounters(session).bump()
    await record(
        session,
        "user.deactivated",
        now,
        user_id=actor_id,
        login=user.login,
        connections_revoked=revoked,
        tokens_revoked=tokens,
    )
    return Deactivation(revoked, tokens)


async def reactivate_user(session: AsyncSession, now: datetime, user: User, actor_id: int | None) -> None:
    """Let a deactivated user sign in again. Their connections stay revoked: each is reactivated on its own."""
    if user.active:
        raise AccountError(f"{user.login} is already active.")
    user.active = True
    await session.flush()
    await ChangeCounters(session).bump()
    await record(session, "user.reactivated", now, user_id=actor_id, login=user.login)


async def unlock_login(session: AsyncSession, now: datetime, login: str, *, actor_id: int | None) -> int:
    """Lift the sign-in throttle's pause for ``login`` from every address: its counted failures are forgotten.

    Any login may be unlocked, existing or not (the throttle counts what was typed). Returns how many
    attempts stopped counting; audited as ``user.unlocked`` either way.
    """
    cleared = await attempts.clear_sign_ins(session, login)
    await record(
        session, "user.unlocked", now, user_id=actor_id, login=login[:MAX_LOGIN_LENGTH], attempts_cleared=cleared
    )
    return cleared

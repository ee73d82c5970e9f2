"""Per-user Odoo accounts: linking one to a Bastion user, unlinking it, its state, and signing in with it.

A link is verified against Odoo as that identity (``OdooSource.test``: the key must belong to the
login) before anything is stored; the API key is then sealed (AES-GCM) with a purpose naming the
user, so it opens only in that user's row. ``bastion users link-odoo``, the console's account page and
the sign-in page are thin shells over these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.accounts import MAX_LOGIN_LENGTH, AccountError, SignInFailed, check_login, create_user
from bastion.governance.audit import record
from bastion.sealing import SealBroken, open_secret, seal_secret
from bastion.sources.configuration import SourceConfigError, odoo_link_purpose
from bastion.sources.errors import CredentialRejected, SourceError, SourceUnavailable
from bastion.sources.odoo import OdooSource
from bastion.sources.port import Identity
from bastion.sources.runtime import SourceRuntime, UserRef
from bastion.store.models import OdooLink, User
from bastion.store.repositories import OdooLinks, Users
from bastion.store.repositories.data_sources import LINKED

NEW_KEY_HINT = "create an API key in Odoo (your avatar ▸ Preferences ▸ Account Security ▸ New API Key)"


class OdooLinkError(SourceConfigError):
    """An Odoo account that cannot be linked; the message says how to fix it."""


@dataclass(frozen=True)
class LinkState:
    """What the Users page shows about a user's Odoo link; a user without a link has none."""

    odoo_login: str
    state: str  # "linked" | "rejected" (Odoo refused the key since it was verified: revoked or expired)
    verified_at: datetime
    last_error: str = ""
    changed_at: datetime | None = None  # when the state was last set: "rejected since" on the Users page

    @classmethod
    def of(cls, link: OdooLink) -> LinkState:
        return cls(link.odoo_login, link.state, link.verified_at, link.last_error, link.updated_at)


@dataclass(frozen=True)
class OdooAccount:
    """An Odoo login and key that Odoo accepted together."""

    login: str
    uid: int | None  # None when Odoo only speaks JSON-2 and has no ``common.authenticate`` to ask
    name: str


async def odoo_sign_in_check(runtime: SourceRuntime, odoo_login: str, api_key: str) -> OdooAccount | OdooLinkError:
    """``verify_odoo_account``, its refusal returned rather than raised (``sign_in_with_odoo`` audits it)."""
    try:
        return await verify_odoo_account(runtime, odoo_login, api_key)
    except OdooLinkError as error:
        return error


async def verify_odoo_account(runtime: SourceRuntime, odoo_login: str, api_key: str) -> OdooAccount:
    """Ask Odoo, as this login and key, who it is; raises ``OdooLinkError`` saying what to fix.

    Called outside any transaction of the store: Odoo may take seconds to answer, and a transaction
    held open meanwhile would hold a pooled connection (and, on SQLite, the write lock) all that time.
    """
    login, key = odoo_login.strip(), api_key.strip()
    if not login or not key:
        raise OdooLinkError(f"Give both your Odoo login and an Odoo API key; to get a key, {NEW_KEY_HINT}.")
    source = await runtime.source()
    if not isinstance(source, OdooSource):
        raise OdooLinkError(
            f"The data source is {source.kind}, not Odoo, so there is no Odoo account to link; an administrator "
            "sets Odoo with `bastion source set-odoo URL --database DB`."
        )
    identity = Identity(bastion_user_id=0, login=login, secret=key, cache_key=f"odoo:{login}")
    try:
        await source.test(identity)
        users = await source.client.execute(
            identity, "res.users", "search_read", params={"domain": [["login", "=", login]], "fields": ["name"]}
        )
    except CredentialRejected:
        raise OdooLinkError(
            f"Odoo refused the login {login!r} with this API key: check the login, or {NEW_KEY_HINT}."
        ) from None
    except SourceError as error:
        raise OdooLinkError(f"The Odoo account could not be checked: {error}") from None
    try:
        uid: int | None = await source.client.authenticate(identity)  # cached by the test above
    except SourceUnavailable:
        uid = None
    name = str(users[0].get("name") or login) if isinstance(users, list) and users else login
    return OdooAccount(login=login, uid=uid, name=name)


async def link_odoo_account(
    session: AsyncSession,
    runtime: SourceRuntime,
    now: datetime,
    user: UserRef,
    account: OdooAccount,
    api_key: str,
    *,
    actor_id: int | None,
) -> LinkState:
    """Store an account ``verify_odoo_account`` accepted, sealed for ``user`` (replacing any earlier link)."""
    return await _store_link(session, runtime, now, user, account, api_key.strip(), actor_id=actor_id)


async def unlink_odoo_account(session: AsyncSession, now: datetime, user: UserRef, *, actor_id: int | None) -> bool:
    """Forget ``user``'s Odoo account; False when there was none."""
    removed = await OdooLinks(session).remove(user.id)
    if removed:
        await record(session, "odoo.unlinked", now, user_id=actor_id, login=user.login)
    return removed


async def odoo_link_states(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, LinkState]:
    return {link.user_id: LinkState.of(link) for link in await OdooLinks(session).of_users(user_ids)}


async def sign_in_with_odoo(
    session: AsyncSession,
    runtime: SourceRuntime,
    now: datetime,
    login: str,
    api_key: str,
    verified: OdooAccount | OdooLinkError,
    *,
    client_ip: str | None = None,
) -> User:
    """The Bastion user of an Odoo login and key Odoo accepts, created as a plain user (and linked) the first time.

    A Bastion user with the same login but no link to this Odoo login is never taken over: they sign in
    with their password and link the account themselves. Raises ``AccountError`` (``SignInFailed`` when Odoo
    refuses the key, counted by the sign-in throttle), audited like a password
    sign-in (``user.signed_in`` / ``user.sign_in_failed`` with ``method: odoo``). ``verified`` is what
    ``verify_odoo_account`` answered for ``login`` and ``api_key``, asked before this transaction began.
    """
    if isinstance(verified, OdooLinkError):
        await record(
            session, "user.sign_in_failed", now, client_ip=client_ip, login=login[:MAX_LOGIN_LENGTH], method="odoo"
        )
        raise SignInFailed(str(verified))
    account = verified
    link = await OdooLinks(session).by_odoo_login(account.login)
    if link is not None:
        user = await Users(session).get(link.user_id)
        if user is None or not user.active:
            raise AccountError("This Bastion user is deactivated; ask an administrator to reactivate it.")
        if link.state != LINKED or not _holds_key(runtime, link, api_key.strip()):
            await _store_link(session, runtime, now, user, account, api_key.strip(), actor_id=user.id)
    else:
        if await Users(session).by_login(account.login) is not None:
            raise AccountError(
                f"A Bastion user {account.login!r} already exists and is not linked to this Odoo account: sign in "
                "with your Bastion password, then link your Odoo account on the account page."
            )
        user = await create_user(session, now, login=check_login(account.login), is_admin=False, name=account.name)
        await _store_link(session, runtime, now, user, account, api_key.strip(), actor_id=user.id)
    await record(session, "user.signed_in", now, user_id=user.id, client_ip=client_ip, method="odoo")
    return user


async def _store_link(
    session: AsyncSession,
    runtime: SourceRuntime,
    now: datetime,
    user: UserRef,
    account: OdooAccount,
    api_key: str,
    *,
    actor_id: int | None,
) -> LinkState:
    sealed = seal_secret(runtime.settings, odoo_link_purpose(user.id), api_key, now=now)
    link = await OdooLinks(session).put(
        user.id, now, odoo_login=account.login, odoo_uid=account.uid, sealed_api_key=sealed
    )
    await record(
        session, "odoo.linked", now, user_id=actor_id, login=user.login, odoo_login=account.login, odoo_uid=account.uid
    )
    return LinkState.of(link)


def _holds_key(runtime: SourceRuntime, link: OdooLink, api_key: str) -> bool:
    try:
        return open_secret(runtime.settings, odoo_link_purpose(link.user_id), link.sealed_api_key) == api_key
    except SealBroken:
        return False

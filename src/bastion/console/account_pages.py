"""The console's account pages: sign in and out, the one-time setup link, the signed-in home, password change.

Forms shown before anyone is signed in (sign-in, setup) carry a double-submit CSRF token: a random
value both in the ``bastion_login_csrf`` cookie and in a hidden field, compared on POST. Forms of a
signed-in visitor carry the browser session's own CSRF token.
"""

from __future__ import annotations

import hmac
import math
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion import accounts
from bastion.accounts import AccountError
from bastion.console.pages import ConsolePages, field, read_form, sign_in_url
from bastion.console.paths import HOME_PATH, PASSWORD_PATH
from bastion.console.refusals import FormExpired, Refusal, UnreadableRequest
from bastion.governance import attempts
from bastion.governance.audit import record
from bastion.governance.sign_in_throttle import refusal_message
from bastion.http_util import client_ip
from bastion.passwords import (
    MIN_PASSWORD_LENGTH,
    PasswordRejected,
    check_password_strength,
    hash_password,
    verify_password,
)
from bastion.sources.configuration import ODOO, current_source_settings
from bastion.sources.odoo_links import OdooAccount, OdooLinkError, odoo_sign_in_check, sign_in_with_odoo
from bastion.store.models import User
from bastion.store.repositories import BrowserSessions, Connections
from bastion.web_session import (
    LOGIN_PATH,
    SESSION_COOKIE,
    Visitor,
    clear_session_cookie,
    csrf_ok,
    current_visitor,
    safe_next,
    set_session_cookie,
)

LOGIN_CSRF_COOKIE = "bastion_login_csrf"
Verified = TypeVar("Verified")  # what a way of signing in found before its transaction (a user id, an Odoo account)


def login_csrf_token(request: Request) -> str:
    # Reuse the cookie's token so two open sign-in tabs do not invalidate each other.
    existing = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return existing if 20 <= len(existing) <= 100 else secrets.token_urlsafe(32)


def login_csrf_ok(request: Request, submitted: str) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), submitted.encode())


def invalid_setup_link(message: str) -> Refusal:
    return Refusal("This setup link cannot be used", message, link_url=LOGIN_PATH, link_text="Sign in instead")


class AccountPages(ConsolePages):
    def with_login_csrf(self, response: Response, token: str) -> Response:
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            path=HOME_PATH,
            httponly=True,
            secure=self.settings.is_https,
            samesite="lax",
        )
        return response

    async def root(self, _request: Request) -> Response:
        return RedirectResponse(HOME_PATH, status_code=303)

    # --- sign in / out -------------------------------------------------------------------------------

    async def login_page(
        self,
        request: Request,
        next_path: str,
        *,
        login: str = "",
        error: str = "",
        odoo_login: str = "",
        odoo_error: str = "",
        status_code: int = 200,
    ) -> Response:
        async with self.services.transaction() as session:
            odoo = (await current_source_settings(session)).kind == ODOO
        token = login_csrf_token(request)
        context = {
            "csrf_token": token,
            "next": next_path,
            "login": login,
            "error": error,
            "odoo": odoo,
            "odoo_login": odoo_login,
            "odoo_error": odoo_error,
        }
        return self.with_login_csrf(self.render(request, "login.html", context, status_code), token)

    async def show_login(self, request: Request) -> Response:
        next_path = safe_next(request.query_params.get("next"))
        async with self.services.transaction() as session:
            visitor = await current_visitor(request, session, self.services.clock())
        if visitor is not None:
            return RedirectResponse(next_path, status_code=303)
        return await self.login_page(request, next_path)

    async def login(self, request: Request) -> Response:
        try:
            form = await read_form(request)
        except UnreadableRequest as unreadable:
            return await self.login_page(request, HOME_PATH, error=unreadable.message, status_code=400)
        login, password = field(form, "login").strip(), field(form, "password")
        next_path = safe_next(field(form, "next"))
        if not login_csrf_ok(request, field(form, "csrf_token")):
            error = "This sign-in form expired or came from another site. Enter your login and password again."
            return await self.login_page(request, next_path, login=login, error=error, status_code=403)
        if not login or not password:
            error = "Enter both your login and your password."
            return await self.login_page(request, next_path, login=login, error=error, status_code=400)

        async def verify() -> int | None:
            return await accounts.password_holder(self.services.transaction, login, password)

        async def check(session: AsyncSession, now: datetime, address: str | None, holder: int | None) -> User:
            # A failure is audited inside authenticate; it is the only write, so committing it is right.
            return await accounts.authenticate(session, now, login, holder, address)

        async def refused(message: str) -> Response:
            return await self.login_page(request, next_path, login=login, error=message, status_code=400)

        return await self.sign_in(request, login, next_path, verify, check, refused)

    async def login_with_odoo(self, request: Request) -> Response:
        """Sign in with an Odoo login and API key (Odoo sources): throttled and audited like a password sign-in."""
        try:
            form = await read_form(request)
        except UnreadableRequest as unreadable:
            return await self.login_page(request, HOME_PATH, odoo_error=unreadable.message, status_code=400)
        odoo_login, api_key = field(form, "odoo_login").strip(), field(form, "api_key").strip()
        next_path = safe_next(field(form, "next"))
        if not login_csrf_ok(request, field(form, "csrf_token")):
            error = "This sign-in form expired or came from another site. Enter your Odoo login and API key again."
            return await self.login_page(request, next_path, odoo_login=odoo_login, odoo_error=error, status_code=403)
        if not odoo_login or not api_key:
            error = "Enter both your Odoo login and an Odoo API key."
            return await self.login_page(request, next_path, odoo_login=odoo_login, odoo_error=error, status_code=400)

        async def verify() -> OdooAccount | OdooLinkError:
            return await odoo_sign_in_check(self.services.sources, odoo_login, api_key)

        async def check(
            session: AsyncSession, now: datetime, address: str | None, verified: OdooAccount | OdooLinkError
        ) -> User:
            # A refusal is audited inside sign_in_with_odoo (``user.sign_in_failed``, method odoo): keep it.
            return await sign_in_with_odoo(
                session, self.services.sources, now, odoo_login, api_key, verified, client_ip=address
            )

        async def refused(message: str) -> Response:
            return await self.login_page(request, next_path, odoo_login=odoo_login, odoo_error=message, status_code=400)

        return await self.sign_in(request, odoo_login, next_path, verify, check, refused)

    async def sign_in(
        self,
        request: Request,
        login: str,
        next_path: str,
        verify: Callable[[], Awaitable[Verified]],
        check: Callable[[AsyncSession, datetime, str | None, Verified], Awaitable[User]],
        refused: Callable[[str], Awaitable[Response]],
    ) -> Response:
        """Throttle, ``verify`` the credentials (outside any transaction: argon2 or a call to Odoo takes a while,
        and a transaction holds SQLite's one writer), ``check`` what that found, start a fresh browser session:
        the same for every way to sign in."""
        now = self.services.clock()
        address = client_ip(request, self.settings.trusted_proxies)
        # Counted before the check, in a transaction of its own: a burst cannot pass the throttle together.
        reservation = await attempts.reserve_sign_in(self.services.transaction, now, login, address)
        async with self.services.transaction() as session:
            wait = await attempts.sign_in_held(session, reservation, now)
            if wait is not None:
                await record(
                    session, "user.sign_in_throttled", now, client_ip=address, login=login[: accounts.MAX_LOGIN_LENGTH]
                )
        if wait is None:
            verified = await verify()
            async with self.services.transaction() as session:
                try:
                    user = await check(session, now, address, verified)
                except AccountError as exc:
                    failed, signed_in = str(exc), None
                    # Only a wrong credential counts; "deactivated" or "not linked" is not a guess.
                    counts = isinstance(exc, accounts.SignInFailed)
                else:
                    failed, counts = "", True
                    previous = request.cookies.get(SESSION_COOKIE)
                    if previous:
                        # A fresh session on every sign-in: a cookie planted before sign-in is worth nothing after.
                        await accounts.end_browser_session(session, previous)
                    signed_in = await accounts.start_browser_session(session, now, user)
                await attempts.settle_sign_in(session, reservation, succeeded=signed_in is not None, counts=counts)
        if wait is not None:
            # Raised after the transaction: the throttled attempt stays in the audit log.
            raise Refusal(
                "Too many failed sign-ins",
                refusal_message(wait, now),
                status_code=429,
                link_url=sign_in_url(next_path),
                link_text="Back to sign-in",
                headers={"Retry-After": str(max(1, math.ceil((wait.until - now).total_seconds())))},
            )
        if signed_in is None:
            return await refused(failed)
        response = RedirectResponse(next_path, status_code=303)
        set_session_cookie(response, signed_in.session_secret, self.settings)
        return response

    async def logout(self, request: Request) -> Response:
        form = await read_form(request)
        async with self.services.transaction() as session:
            # Signing out needs no sign-in: without a live session there is only the cookie to clear.
            visitor = await current_visitor(request, session, self.services.clock())
            if visitor is not None:
                request.state.signed_in = True
                if not csrf_ok(visitor, field(form, "csrf_token")):
                    raise FormExpired(
                        "Sign-out form expired",
                        "This sign-out form is out of date or came from another site, so you are still signed in. "
                        "Reload the page and sign out again.",
                    )
                await accounts.end_browser_session(session, request.cookies[SESSION_COOKIE])
        # Signing out from a consent page comes back to the same request once the right person signs in.
        next_path = safe_next(field(form, "next"), default="")
        target = sign_in_url(next_path) if next_path else LOGIN_PATH
        response = RedirectResponse(target, status_code=303)
        clear_session_cookie(response, self.settings)
        return response

    # --- one-time setup link -------------------------------------------------------------------------

    async def setup_page(self, request: Request, token: str, *, error: str = "", status_code: int = 200) -> Response:
        try:
            async with self.services.transaction() as session:
                _link, user = await accounts.find_setup_link(session, self.services.clock(), token)
        except AccountError as exc:
            raise invalid_setup_link(str(exc)) from None
        csrf_token = login_csrf_token(request)
        context = {
            "user": user,
            "token": token,
            "csrf_token": csrf_token,
            "error": error,
            "min_password_length": MIN_PASSWORD_LENGTH,
        }
        return self.with_login_csrf(self.render(request, "setup.html", context, status_code), csrf_token)

    async def show_setup(self, request: Request) -> Response:
        return await self.setup_page(request, request.query_params.get("token", ""))

    async def setup(self, request: Request) -> Response:
        form = await read_form(request)
        token, password = field(form, "token"), field(form, "password")
        if not login_csrf_ok(request, field(form, "csrf_token")):
            error = "This form expired or came from another site. Enter the new password again."
            return await self.setup_page(request, token, error=error, status_code=403)
        if password != field(form, "password_confirmation"):
            error = "The two passwords differ. Type the same new password in both fields."
            return await self.setup_page(request, token, error=error, status_code=400)
        now = self.services.clock()
        try:
            async with self.services.transaction() as session:
                user = await accounts.use_setup_link(session, now, token, password)
                signed_in = await accounts.start_browser_session(session, now, user)
        except PasswordRejected as exc:
            return await self.setup_page(request, token, error=str(exc), status_code=400)
        except AccountError as exc:
            raise invalid_setup_link(str(exc)) from None
        response = RedirectResponse(HOME_PATH, status_code=303)
        set_session_cookie(response, signed_in.session_secret, self.settings)
        return response

    # --- signed-in pages ---------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session)
            own_connections = await Connections(session).listing(user_id=visitor.user.id)
            server = await self.services.server_settings(session)
        context = {
            "visitor": visitor,
            "mcp_url": self.settings.resource_url,
            "connection_count": len(own_connections),
            "revoked_count": sum(1 for connection in own_connections if connection.revoked_at is not None),
            "mcp_enabled": server.mcp_enabled,
            "dynamic_registration_enabled": server.dynamic_registration_enabled,
        }
        return self.render(request, "home.html", context)

    def password_page(
        self, request: Request, visitor: Visitor, *, changed: bool = False, error: str = "", status_code: int = 200
    ) -> Response:
        context = {
            "visitor": visitor,
            "changed": changed,
            "error": error,
            "min_password_length": MIN_PASSWORD_LENGTH,
        }
        return self.render(request, "password.html", context, status_code)

    async def show_password(self, request: Request) -> Response:
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session)
        return self.password_page(request, visitor, changed=request.query_params.get("changed") == "1")

    async def change_password(self, request: Request) -> Response:
        form = await read_form(request)
        current, new = field(form, "current_password"), field(form, "new_password")
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session, now)
            # Unlike other forms, this one comes back filled in with the reason, for a password is involved.
            if not csrf_ok(visitor, field(form, "csrf_token")):
                error = "This form expired or came from another site. Fill it in again."
                return self.password_page(request, visitor, error=error, status_code=403)
            if not await verify_password(current, visitor.user.password_hash):
                error = "Your current password is not right. Type the password you signed in with."
                return self.password_page(request, visitor, error=error, status_code=400)
            if new != field(form, "new_password_confirmation"):
                error = "The two new passwords differ. Type the same new password in both fields."
                return self.password_page(request, visitor, error=error, status_code=400)
            try:
                check_password_strength(new)
            except PasswordRejected as exc:
                return self.password_page(request, visitor, error=str(exc), status_code=400)
            visitor.user.password_hash = await hash_password(new)
            # Whoever else was signed in as this user (perhaps with the old password) is signed out.
            await BrowserSessions(session).end_all_for_user(visitor.user.id)
            signed_in = await accounts.start_browser_session(session, now, visitor.user)
            await self.audit(session, request, "user.password_changed", now, user_id=visitor.user.id)
        response = RedirectResponse(f"{PASSWORD_PATH}?changed=1", status_code=303)
        set_session_cookie(response, signed_in.session_secret, self.settings)
        return response

"""The browser session cookie and CSRF tokens, shared by the console and the OAuth sign-in/consent pages."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from bastion.accounts import BROWSER_SESSION_LIFETIME, resume_browser_session
from bastion.config import Settings
from bastion.store.models import BrowserSession, User

SESSION_COOKIE = "bastion_session"
LOGIN_PATH = "/console/login"


@dataclass(frozen=True)
class Visitor:
    """A signed-in browser: who it is and the CSRF token every form it posts must carry."""

    user: User
    browser_session: BrowserSession
    serves_odoo: bool = False  # whether the data source is Odoo: the account menu then offers "Odoo account"

    @property
    def csrf_token(self) -> str:
        return self.browser_session.csrf_token


async def current_visitor(request: Request, session: AsyncSession, now: datetime) -> Visitor | None:
    found = await resume_browser_session(session, now, request.cookies.get(SESSION_COOKIE))
    if found is None:
        return None
    browser_session, user = found
    return Visitor(user=user, browser_session=browser_session)


def csrf_ok(visitor: Visitor, submitted: str | None) -> bool:
    # Compared as bytes: compare_digest refuses non-ASCII str, and a form may post anything.
    return bool(submitted) and hmac.compare_digest(visitor.csrf_token.encode(), (submitted or "").encode())


def set_session_cookie(response: Response, secret: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(BROWSER_SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        secure=settings.is_https,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=settings.is_https, samesite="lax")


def safe_next(target: str | None, default: str = "/console") -> str:
    """Only same-site absolute paths may be a post-login destination (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target

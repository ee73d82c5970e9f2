"""What every console page shares: rendering, refusals rendered in one place, sign-in and role checks, CSRF.

Each group of pages is a subclass of ``ConsolePages``; handlers stay thin and call the same
functions as the CLI (``bastion.connections``, ``bastion.accounts``). A handler refuses by raising a
``console.refusals`` exception; ``guarded`` turns it into the page or redirect.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion.console.paths import HOME_PATH, LOGIN_PATH
from bastion.console.refusals import Forbidden, FormExpired, Refusal, SignInRequired, UnreadableRequest
from bastion.governance.audit import record
from bastion.http_util import NO_STORE_HEADERS, client_ip
from bastion.services import Services
from bastion.sources.configuration import ODOO
from bastion.store.repositories import DataSources
from bastion.web_session import Visitor, csrf_ok, current_visitor

logger = logging.getLogger("bastion.console")

Handler = Callable[[Request], Awaitable[Response]]
# Every id is a 32-bit integer column: a larger number in a URL, a filter or a form names nothing.
MAX_ID = 2**31 - 1


def field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def parse_id(raw: object) -> int | None:
    """The id in a route, a filter or a form field; None (not found) unless a positive 32-bit whole number."""
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def refuse_nuls(items: Iterable[tuple[str, object]], where: str) -> None:
    """A NUL is in no valid value: refused here, it never reaches a query (PostgreSQL rejects it in text)."""
    for name, value in items:
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            raise UnreadableRequest(
                message=f"The {where} {name.replace(chr(0), '')} contains a NUL character, which no field takes. "
                "Go back, correct it and try again."
            )


async def read_form(request: Request) -> FormData:
    """The one way a console page reads its form: a body that cannot be parsed, or a NUL in it, is refused."""
    try:
        form = await request.form()
    except HTTPException as exc:
        # Starlette answers a malformed multipart or form body with HTTPException(400); its detail names the fault.
        raise UnreadableRequest(
            message=f"The form could not be read ({exc.detail}). Reload the page and submit the form again."
        ) from None
    refuse_nuls(form.multi_items(), "field")
    return form


def utc(moment: datetime | None) -> str:
    """A timestamp as administrators read it everywhere in the console, e.g. ``2026-01-01 09:30 UTC``."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


def sign_in_url(next_path: str) -> str:
    return f"{LOGIN_PATH}?next={quote(next_path, safe='')}"


def requested_path(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


class ConsolePages:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings

    def guarded(self, handler: Handler) -> Handler:
        """Refusals become their page; a page that fails unexpectedly still answers with a page that says
        what to do, never a bare 500."""

        async def page(request: Request) -> Response:
            try:
                try:
                    refuse_nuls(request.query_params.multi_items(), "query parameter")
                    return await handler(request)
                except Refusal as refusal:
                    return await self.refusal_page(request, refusal)
            except Exception:
                logger.exception("unexpected error on %s %s", request.method, request.url.path)
                return self.error_page(
                    request,
                    500,
                    "Something went wrong",
                    "Bastion hit an unexpected error and changed nothing. Try again; if it keeps happening, "
                    "an administrator finds the details in the server log.",
                )

        return page

    async def refusal_page(self, request: Request, refusal: Refusal) -> Response:
        if isinstance(refusal, SignInRequired):
            return RedirectResponse(sign_in_url(refusal.next_path or requested_path(request)), status_code=303)
        visitor = None
        if getattr(request.state, "signed_in", False):
            # The refused transaction rolled back and took the visitor's loaded rows with it: read them again,
            # so the page shows the same header (who is signed in, the sign-out button) as any other.
            async with self.services.transaction() as session:
                visitor = await current_visitor(request, session, self.services.clock())
        response = self.error_page(
            request,
            refusal.status_code,
            refusal.title,
            refusal.message,
            link_url=refusal.link_url or HOME_PATH,
            link_text=refusal.link_text or "Go to the console",
            visitor=visitor,
        )
        response.headers.update(refusal.headers)
        return response

    # --- who is asking ---------------------------------------------------------------------------------

    async def visitor(
        self, request: Request, session: AsyncSession, now: datetime | None = None, *, next_path: str | None = None
    ) -> Visitor:
        """The signed-in visitor; otherwise ``SignInRequired``, coming back to ``next_path`` (this page by default)."""
        found = await current_visitor(request, session, now or self.services.clock())
        if found is None:
            raise SignInRequired(next_path)
        request.state.signed_in = True
        source = await DataSources(session).current()
        return dataclasses.replace(found, serves_odoo=source is not None and source.kind == ODOO)

    async def administrator(self, request: Request, session: AsyncSession) -> Visitor:
        """The signed-in administrator: anyone else is sent to sign in, or gets "Administrators only"."""
        visitor = await self.visitor(request, session)
        if not visitor.user.is_admin:
            raise Forbidden()
        return visitor

    def check_form(self, visitor: Visitor, form: Any) -> None:
        """A form POST must carry the session's CSRF token; a missing or stale one changes nothing."""
        if not csrf_ok(visitor, field(form, "csrf_token")):
            raise FormExpired()

    async def audit(self, session: AsyncSession, request: Request, event: str, now: datetime, **detail: Any) -> None:
        """Record what a signed-in person just did, from the address they did it from."""
        await record(session, event, now, client_ip=client_ip(request, self.settings.trusted_proxies), **detail)

    # --- rendering -------------------------------------------------------------------------------------

    def render(self, request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
        context.setdefault("visitor", None)
        # Pages carry CSRF tokens and account details: never keep them in a shared or browser cache.
        return self.services.templates.TemplateResponse(
            request, template, context, status_code=status_code, headers=NO_STORE_HEADERS
        )

    def error_page(
        self,
        request: Request,
        status_code: int,
        title: str,
        message: str,
        *,
        link_url: str = HOME_PATH,
        link_text: str = "Go to the console",
        visitor: Visitor | None = None,
    ) -> Response:
        context = {"title": title, "message": message, "link_url": link_url, "link_text": link_text, "visitor": visitor}
        return self.render(request, "error.html", context, status_code)

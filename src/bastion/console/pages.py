"""What every console page shares: rendering, the error page, sign-in and role checks, CSRF.

Each group of pages is a subclass of ``ConsolePages``; handlers stay thin and call the same
functions as the CLI (``bastion.connections``, ``bastion.accounts``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion.http_util import NO_STORE_HEADERS
from bastion.services import Services
from bastion.web_session import LOGIN_PATH, Visitor

logger = logging.getLogger("bastion.console")

HOME_PATH = "/console"
Handler = Callable[[Request], Awaitable[Response]]


def field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='')}", status_code=303)


class ConsolePages:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings

    def guarded(self, handler: Handler) -> Handler:
        """A page that fails unexpectedly still answers with a page that says what to do, never a bare 500."""

        async def page(request: Request) -> Response:
            try:
                return await handler(request)
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

    def forbidden_page(self, request: Request, visitor: Visitor) -> Response:
        return self.error_page(
            request,
            403,
            "Administrators only",
            "This page is for administrators. Ask an administrator of this Bastion if you need a change here.",
            visitor=visitor,
        )

    def expired_form_page(self, request: Request, visitor: Visitor) -> Response:
        return self.error_page(
            request,
            403,
            "This form expired",
            "The form was out of date or came from another site, so nothing changed. Reload the page and try again.",
            visitor=visitor,
        )

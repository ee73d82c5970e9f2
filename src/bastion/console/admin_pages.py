"""The administrators' pages: Server Settings, Users and the audit log.

Every page here is for administrators only: a visitor who is not signed in goes to the sign-in page,
a signed-in user who is not an administrator gets the "Administrators only" page, and every POST
must carry the session's CSRF token (otherwise nothing changes and the "form expired" page says so).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bastion.console.pages import ConsolePages, field, sign_in_redirect
from bastion.services import Services
from bastion.web_session import Visitor, csrf_ok, current_visitor


def utc(moment: datetime | None) -> str:
    """A timestamp as administrators read it everywhere in the console, e.g. ``2026-01-01 09:30 UTC``."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "never"


class AdminPages(ConsolePages):
    async def administrator(self, request: Request, session: AsyncSession) -> Visitor | Response:
        """The signed-in administrator, or the response that turns anyone else away."""
        visitor = await current_visitor(request, session, self.services.clock())
        if visitor is None:
            return sign_in_redirect(request)
        if not visitor.user.is_admin:
            return self.forbidden_page(request, visitor)
        return visitor

    async def administrator_posting(self, request: Request, session: AsyncSession, form: Any) -> Visitor | Response:
        """As ``administrator``, for a form POST: a missing or stale CSRF token changes nothing."""
        visitor = await self.administrator(request, session)
        if isinstance(visitor, Visitor) and not csrf_ok(visitor, field(form, "csrf_token")):
            return self.expired_form_page(request, visitor)
        return visitor


def admin_routes(services: Services) -> list[BaseRoute]:
    # Imported here: each page module subclasses AdminPages from this one.
    from bastion.console.admin_audit import AuditPages
    from bastion.console.admin_settings import SETTINGS_PATH, SettingsPages
    from bastion.console.admin_users import USERS_PATH, UserPages

    settings = SettingsPages(services)
    users = UserPages(services)
    audit = AuditPages(services)
    guarded = settings.guarded
    return [
        Route(SETTINGS_PATH, guarded(settings.show), methods=["GET"]),
        Route(SETTINGS_PATH, guarded(settings.save), methods=["POST"]),
        Route(f"{SETTINGS_PATH}/mcp-access", guarded(settings.switch_mcp_access), methods=["POST"]),
        Route(USERS_PATH, guarded(users.index), methods=["GET"]),
        Route(f"{USERS_PATH}/new", guarded(users.show_new), methods=["GET"]),
        Route(f"{USERS_PATH}/new", guarded(users.create), methods=["POST"]),
        Route(USERS_PATH + "/{user_id:int}", guarded(users.details), methods=["GET"]),
        Route(USERS_PATH + "/{user_id:int}/role", guarded(users.change_role), methods=["POST"]),
        Route(USERS_PATH + "/{user_id:int}/deactivate", guarded(users.deactivate), methods=["POST"]),
        Route(USERS_PATH + "/{user_id:int}/reactivate", guarded(users.reactivate), methods=["POST"]),
        Route(USERS_PATH + "/{user_id:int}/setup-link", guarded(users.new_setup_link), methods=["POST"]),
        Route("/console/audit", guarded(audit.index), methods=["GET"]),
    ]

"""The Connect a New Tool wizard (``/console/connect``): step 1, Browser login and API key.

Step 1 picks the way the tool connects. *Browser login* goes straight to a Done step with the MCP
URL (the tool registers itself later). *API key* creates the key on submit and shows it once: the
POST redirects to the Done page carrying the key in a sealed, single-use cookie scoped to that page,
so reloading the Done page (or going back to it) never shows the key again nor makes a second one.
*Custom OAuth* is ``wizard_custom_oauth.py``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion import connections
from bastion.connections import ConnectionRejected, check_name
from bastion.console.pages import field, parse_id, read_form
from bastion.console.paths import API_KEY_PATH
from bastion.console.refusals import Forbidden
from bastion.console.wizard_base import WizardPages, connection_not_found
from bastion.sealing import SealExpired, SealTampered, seal, unseal
from bastion.server_settings import ServerSettings
from bastion.setup_snippets import api_key_snippets
from bastion.store.models import Connection, User
from bastion.store.repositories import Connections, Users
from bastion.web_session import Visitor

REVEAL_PURPOSE = "bastion api key reveal v1"
REVEAL_COOKIE = "bastion_key_reveal"
# Only long enough for the redirect right after creation; the cookie is also deleted once read.
REVEAL_MAX_AGE = timedelta(minutes=5)
SCOPES = ("full", "read")


def done_path(connection_id: int) -> str:
    return f"{API_KEY_PATH}/{connection_id}/done"


def may_see(visitor: Visitor, connection: Connection) -> bool:
    return visitor.user.is_admin or connection.user_id == visitor.user.id


class ConnectPages(WizardPages):
    # --- step 1 and browser login --------------------------------------------------------------------

    async def step_page(self, request: Request, template: str) -> Response:
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session)
            server = await self.services.server_settings(session)
        return self.page(request, visitor, template, server=server)

    async def choose(self, request: Request) -> Response:
        return await self.step_page(request, "connect_step1.html")

    async def browser_done(self, request: Request) -> Response:
        return await self.step_page(request, "connect_browser_done.html")

    # --- API key -------------------------------------------------------------------------------------

    def api_key_form(
        self,
        request: Request,
        visitor: Visitor,
        server: ServerSettings,
        users: list[User],
        *,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        values = {"name": "", "acts_as": str(visitor.user.id), "scope": "full"} | (values or {})
        return self.page(
            request, visitor, "connect_api_key_form.html", status_code,
            server=server, users=users, values=values, errors=errors or {},
        )  # fmt: skip

    async def choosable_users(self, session: AsyncSession, visitor: Visitor) -> list[User]:
        """Whom a key may act as: any active user for an administrator, only oneself otherwise."""
        if not visitor.user.is_admin:
            return [visitor.user]
        return [user for user in await Users(session).listing() if user.active]

    async def show_api_key_form(self, request: Request) -> Response:
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session)
            server = await self.services.server_settings(session)
            users = await self.choosable_users(session, visitor)
        return self.api_key_form(request, visitor, server, users)

    async def create_api_key(self, request: Request) -> Response:
        form = await read_form(request)
        values = {name: field(form, name) for name in ("name", "acts_as", "scope")}
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session, now)
            self.check_form(visitor, form)
            acting_user: User | None = visitor.user
            if values["acts_as"] not in ("", str(visitor.user.id)):
                if not visitor.user.is_admin:
                    raise Forbidden(
                        "Only for yourself",
                        "You can create API keys that act as you only. Ask an administrator for a key that acts "
                        "as someone else. Nothing was created.",
                        link_url=API_KEY_PATH,
                        link_text="Back to the form",
                    )
                chosen_id = parse_id(values["acts_as"])
                acting_user = await Users(session).get(chosen_id) if chosen_id is not None else None
            errors: dict[str, str] = {}
            try:
                values["name"] = check_name(values["name"])
            except ConnectionRejected as exc:
                errors["name"] = str(exc)
            if acting_user is None or not acting_user.active:
                errors["acts_as"] = "Choose an active user from the list; deactivated users cannot have keys."
            if values["scope"] not in SCOPES:
                errors["scope"] = "Choose Full access or Read-only."
            if errors or acting_user is None:
                server = await self.services.server_settings(session)
                users = await self.choosable_users(session, visitor)
                return self.api_key_form(request, visitor, server, users, values=values, errors=errors, status_code=400)
            issued = await connections.create_api_key(
                session,
                now,
                name=values["name"],
                user=acting_user,
                read_only=values["scope"] == "read",
                actor_id=visitor.user.id,
            )
        assert issued.secret is not None  # an API key always has one
        target = done_path(issued.connection.id)
        reveal = {"connection_id": issued.connection.id, "api_key": issued.secret, "shown_to": visitor.user.id}
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            REVEAL_COOKIE,
            seal(self.settings, REVEAL_PURPOSE, reveal, now=now),
            max_age=int(REVEAL_MAX_AGE.total_seconds()),
            path=target,
            httponly=True,
            secure=self.settings.is_https,
            samesite="strict",
        )
        return response

    def revealed_key(self, request: Request, connection_id: int, visitor: Visitor) -> str | None:
        """The key, if this browser was just sent here by creating it; otherwise it was shown already."""
        sealed = request.cookies.get(REVEAL_COOKIE)
        if not sealed:
            return None
        try:
            reveal = unseal(self.settings, REVEAL_PURPOSE, sealed, REVEAL_MAX_AGE, now=self.services.clock())
        except (SealExpired, SealTampered):
            return None
        if reveal.get("connection_id") != connection_id or reveal.get("shown_to") != visitor.user.id:
            return None
        return str(reveal["api_key"])

    async def api_key_done(self, request: Request) -> Response:
        connection_id = parse_id(request.path_params["connection_id"])
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session)
            connection = await Connections(session).get(connection_id) if connection_id is not None else None
            if connection is None or connection.type != "api_key" or not may_see(visitor, connection):
                raise connection_not_found()
            acting_user = await Users(session).get(connection.user_id) if connection.user_id else None
            server = await self.services.server_settings(session)
        api_key = self.revealed_key(request, connection.id, visitor)
        snippets = api_key_snippets(self.settings.resource_url, api_key) if api_key else []
        response = self.page(
            request, visitor, "connect_api_key_done.html",
            server=server, connection=connection, acting_user=acting_user, api_key=api_key, snippets=snippets,
        )  # fmt: skip
        if REVEAL_COOKIE in request.cookies:
            # Read once: a reload, the back button or another tab finds no key to show.
            response.delete_cookie(
                REVEAL_COOKIE,
                path=done_path(connection.id),
                httponly=True,
                secure=self.settings.is_https,
                samesite="strict",
            )
        return response

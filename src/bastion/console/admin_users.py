"""Users: the list, inviting a user with a one-time setup link, and one user's page (role, deactivation).

The rules are in ``bastion.accounts`` (``create_user``, ``set_role``, ``deactivate_user``, ...), shared with
the CLI; these handlers turn a form into one call and its ``AccountError`` into a message on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion import accounts
from bastion.accounts import AccountError
from bastion.connection_wording import describe_type
from bastion.console.pages import ConsolePages, field, parse_id, read_form, utc
from bastion.console.paths import USERS_PATH
from bastion.console.refusals import NotFound
from bastion.governance.connection_status import ConnectionStatus, connection_status
from bastion.sources.configuration import ODOO, current_source_settings
from bastion.sources.odoo_links import LinkState, odoo_link_states
from bastion.store.models import Connection, User
from bastion.store.repositories import Connections, Users
from bastion.web_session import Visitor

MAX_DISPLAY_NAME_LENGTH = 120
SHOWN_CONNECTIONS = 50  # the newest; the connections list has them all
ROLES = {"user": False, "admin": True}
# What a redirect after a change tells the user's page to say (``?done=...``), checked against the user's state.
DONE_MESSAGES = {
    "role_admin": "{login} is now an administrator.",
    "role_user": "{login} is now a user: they see only their own connections.",
    "reactivated": "{login} can sign in again. Their connections stay revoked: reactivate each one that should work.",
    "deactivated": "{login} is deactivated and signed out everywhere: {connections} revoked, {tokens} ended.",
}


def check_display_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if len(cleaned) > MAX_DISPLAY_NAME_LENGTH:
        raise AccountError(f"A name has at most {MAX_DISPLAY_NAME_LENGTH} characters.")
    return cleaned


def user_path(user: User) -> str:
    return f"{USERS_PATH}/{user.id}"


@dataclass(frozen=True)
class ConnectionRow:
    connection: Connection
    type_label: str
    status: ConnectionStatus


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def done_message(done: str, user: User, query: Mapping[str, str]) -> str:
    """The confirmation shown after a change, worded from the database's login, never from the URL's text.

    A confirmation the user's current state contradicts (an old or hand-made link) is not shown."""
    template = DONE_MESSAGES.get(done)
    holds = {
        "role_admin": user.is_admin,
        "role_user": not user.is_admin,
        "reactivated": user.active,
        "deactivated": not user.active,
    }
    if template is None or not holds[done]:
        return ""
    login = user.login
    counts = {
        name: int(query.get(name, "")) if query.get(name, "").isdigit() else 0 for name in ("connections", "tokens")
    }
    return template.format(
        login=login, connections=plural(counts["connections"], "connection"), tokens=plural(counts["tokens"], "token")
    )


def guard_message(user: User, actor: User, active_admins: int, doing: str) -> str:
    """Why ``actor`` may not ``doing`` ``user`` (shown instead of the button), or "" when they may."""
    try:
        accounts.check_keeps_an_administrator(user, actor.id, active_admins, doing)
    except AccountError as exc:
        return str(exc)
    return ""


def no_such_user() -> NotFound:
    return NotFound(
        "No such user",
        "There is no user with this id. The Users page lists every user.",
        link_url=USERS_PATH,
        link_text="Go to Users",
    )


class UserPages(ConsolePages):
    # --- the list ------------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            users = await Users(session).listing()
            counts = await Connections(session).count_by_user()
            links = await self.odoo_links(session, [user.id for user in users])
        context = {
            "visitor": visitor, "section": "users", "users": users, "counts": counts, "links": links, "utc": utc,
        }  # fmt: skip
        return self.render(request, "users.html", context)

    # --- invite ---------------------------------------------------------------------------------------

    def new_user_page(
        self,
        request: Request,
        visitor: Visitor,
        *,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        context = {
            "visitor": visitor,
            "section": "users",
            "values": values or {"login": "", "name": "", "role": "user"},
            "errors": errors or {},
        }
        return self.render(request, "users_new.html", context, status_code)

    async def show_new(self, request: Request) -> Response:
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
        return self.new_user_page(request, visitor)

    async def create(self, request: Request) -> Response:
        form = await read_form(request)
        values = {"login": field(form, "login").strip(), "name": field(form, "name"), "role": field(form, "role")}
        now = self.services.clock()
        errors: dict[str, str] = {}
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            self.check_form(visitor, form)
            try:
                name = check_display_name(values["name"])
            except AccountError as exc:
                errors["name"] = str(exc)
            if values["role"] not in ROLES:
                errors["role"] = "Choose a role: User or Administrator."
            if not errors:
                try:
                    user = await accounts.create_user(
                        session,
                        now,
                        login=values["login"],
                        name=name,
                        is_admin=ROLES[values["role"]],
                        actor_id=visitor.user.id,
                    )
                except AccountError as exc:
                    errors["login"] = str(exc)  # create_user writes nothing before it refuses a login
            if errors:
                return self.new_user_page(request, visitor, values=values, errors=errors, status_code=400)
            link = await accounts.issue_setup_link(session, now, user, self.settings.public_url)
        return self.setup_link_page(request, visitor, user, link, invited=True)

    def setup_link_page(self, request: Request, visitor: Visitor, user: User, link: str, *, invited: bool) -> Response:
        context = {"visitor": visitor, "section": "users", "user": user, "link": link, "invited": invited}
        return self.render(request, "users_setup_link.html", context)

    # --- one user -------------------------------------------------------------------------------------

    async def user_of_url(self, session: AsyncSession, request: Request) -> User | None:
        user_id = parse_id(request.path_params["user_id"])
        return await Users(session).get(user_id) if user_id is not None else None

    async def user_page(self, request: Request, *, error: str = "", status_code: int = 200) -> Response:
        async with self.services.transaction() as session:
            visitor = await self.administrator(request, session)
            user = await self.user_of_url(session, request)
            if user is None:
                raise no_such_user()
            rows = await self.connection_rows(session, user)
            active_connections = await Connections(session).count_unrevoked(user_id=user.id)
            total_connections = await Connections(session).count_for_user(user.id)
            active_admins = await Users(session).count_active_admins()
            links = await self.odoo_links(session, [user.id])
        context: dict[str, Any] = {
            "visitor": visitor,
            "section": "users",
            "user": user,
            "rows": rows,
            "active_connections": active_connections,
            "total_connections": total_connections,
            "demote_refusal": guard_message(user, visitor.user, active_admins, "take the administrator role away from"),
            "deactivate_refusal": guard_message(user, visitor.user, active_admins, "deactivate"),
            "links": links,
            "error": error,
            "message": "" if error else done_message(request.query_params.get("done", ""), user, request.query_params),
            "utc": utc,
        }
        return self.render(request, "users_detail.html", context, status_code)

    async def odoo_links(self, session: AsyncSession, user_ids: list[int]) -> dict[int, LinkState] | None:
        """Each user's Odoo link when the source is Odoo (the column and fact are shown then); otherwise None."""
        if (await current_source_settings(session)).kind != ODOO:
            return None
        return await odoo_link_states(session, user_ids)

    async def connection_rows(self, session: AsyncSession, user: User) -> list[ConnectionRow]:
        now = self.services.clock()
        idle_after = (await self.services.server_settings(session)).idle_after_seconds
        return [
            ConnectionRow(
                connection,
                describe_type(connection.type, connection.is_dynamic),
                connection_status(connection, now, idle_after),
            )
            for connection in await Connections(session).newest_for_user(user.id, SHOWN_CONNECTIONS)
        ]

    async def details(self, request: Request) -> Response:
        return await self.user_page(request)

    async def act_on_user(self, request: Request, action: str) -> Response:
        """Run one change on the user of the URL; an ``AccountError`` rolls it back and is shown on their page."""
        form = await read_form(request)
        now = self.services.clock()
        query = ""
        try:
            async with self.services.transaction() as session:
                visitor = await self.administrator(request, session)
                self.check_form(visitor, form)
                user = await self.user_of_url(session, request)
                if user is None:
                    raise no_such_user()
                if action == "role":
                    role = field(form, "role")
                    if role not in ROLES:
                        raise AccountError("Choose a role: User or Administrator.")
                    await accounts.set_role(session, now, user, is_admin=ROLES[role], actor_id=visitor.user.id)
                    query = f"done=role_{role}"
                elif action == "deactivate":
                    outcome = await accounts.deactivate_user(session, now, user, visitor.user.id)
                    query = (
                        f"done=deactivated&connections={outcome.connections_revoked}&tokens={outcome.tokens_revoked}"
                    )
                elif action == "reactivate":
                    await accounts.reactivate_user(session, now, user, visitor.user.id)
                    query = "done=reactivated"
                else:  # a new setup link is shown once, on the answer to this POST
                    if not user.active:
                        raise AccountError(f"{user.login} is deactivated: reactivate them before sending a setup link.")
                    link = await accounts.issue_setup_link(session, now, user, self.settings.public_url)
                    await self.audit(
                        session, request, "user.setup_link_issued", now, user_id=visitor.user.id, login=user.login
                    )
                    return self.setup_link_page(request, visitor, user, link, invited=False)
        except AccountError as exc:
            return await self.user_page(request, error=str(exc), status_code=400)
        return RedirectResponse(f"{user_path(user)}?{query}", status_code=303)

    async def change_role(self, request: Request) -> Response:
        return await self.act_on_user(request, "role")

    async def deactivate(self, request: Request) -> Response:
        return await self.act_on_user(request, "deactivate")

    async def reactivate(self, request: Request) -> Response:
        return await self.act_on_user(request, "reactivate")

    async def new_setup_link(self, request: Request) -> Response:
        return await self.act_on_user(request, "setup_link")

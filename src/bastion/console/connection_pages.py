"""The connections list and the connection form: view, edit, rotate, revoke, reactivate.

Handlers stay thin: the list's SQL is ``store/repositories/connection_listing.py``, the wording
``console/connection_views.py``, and every action calls the same ``bastion.connections`` function as
the CLI. A user sees and acts on their own connections only; anyone else's answers 404, exactly as a
connection that does not exist.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion import connections
from bastion.console import connection_views as views
from bastion.console.connection_edits import ConnectionEdit, EditErrors, check_edit
from bastion.console.listing import GROUP_CHOICES, STATUS_CHOICES, TYPE_CHOICES, ListFilters
from bastion.console.pages import ConsolePages, field, parse_id, read_form
from bastion.console.paths import CONNECT_PATH, CONNECTIONS_PATH
from bastion.console.refusals import Forbidden, NotFound, Refusal
from bastion.governance.connection_status import connection_status
from bastion.store.models import Connection
from bastion.store.repositories import ConnectionListing, Connections, Tokens, Users
from bastion.store.repositories.connection_listing import PAGE_SIZE
from bastion.web_session import Visitor


def connection_path(connection: Connection) -> str:
    return f"{CONNECTIONS_PATH}/{connection.id}"


def rotation_fingerprint(connection: Connection) -> str:
    """Names the credential a rotate form was shown for; a second POST of the same form rotates nothing."""
    current = connection.key_digest if connection.type == "api_key" else connection.client_secret_digest
    return hashlib.sha256(f"rotate:{current or ''}".encode()).hexdigest()[:24]


def nothing_to_rotate(connection: Connection) -> Refusal:
    return Refusal(
        "Nothing to rotate",
        "This is a public OAuth client: it has no secret to rotate (it proves itself with PKCE). "
        "To end its access, revoke it.",
        link_url=connection_path(connection),
        link_text="Back to the connection",
    )


def already_rotated(connection: Connection) -> Refusal:
    noun = views.credential_noun(connection)
    return Refusal(
        f"This {noun} was already replaced",
        f"The {noun} this form was for has been replaced already (the page was reloaded, or the button "
        f"pressed twice), so nothing changed. The new {noun} was shown once and cannot be shown again: "
        "if you did not copy it, rotate again from the connection's page.",
        status_code=409,
        link_url=connection_path(connection),
        link_text="Back to the connection",
    )


def has_editable_uris(connection: Connection) -> bool:
    """An OAuth client's redirect URIs are edited here, unless they come from its metadata document."""
    return connection.type == "oauth" and not connection.uses_metadata_document


class ConnectionPages(ConsolePages):
    # --- shared steps ------------------------------------------------------------------------------

    async def visible_connection(self, session: AsyncSession, visitor: Visitor, raw_id: str) -> Connection | None:
        connection_id = parse_id(raw_id)
        return await Connections(session).visible(connection_id, visitor.user) if connection_id is not None else None

    async def open_connection(
        self, session: AsyncSession, request: Request, now: datetime, form: Any = None
    ) -> tuple[Visitor, Connection]:
        """The signed-in visitor and the connection of the URL; with a ``form`` (a POST), its CSRF token
        must be the visitor's, or nothing happens."""
        raw_id = request.path_params["connection_id"]
        # A POST's form is lost with the session: after signing in, show the connection to act on again.
        visitor = await self.visitor(
            request, session, now, next_path=f"{CONNECTIONS_PATH}/{raw_id}" if request.method == "POST" else None
        )
        connection = await self.visible_connection(session, visitor, raw_id)
        if connection is None:
            # The same answer whether the connection does not exist or belongs to someone else: ids do not leak.
            raise NotFound(
                "Connection not found",
                "There is no such connection among the ones you can see. It may have been removed, or it belongs "
                "to another user. The connections list shows every connection you can open.",
                link_url=CONNECTIONS_PATH,
                link_text="Go to the connections list",
            )
        if form is not None:
            self.check_form(visitor, form)
        return visitor, connection

    # --- the list ----------------------------------------------------------------------------------

    async def show_list(self, request: Request) -> Response:
        filters = ListFilters.from_query(request.query_params)
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor = await self.visitor(request, session, now)
            idle_after = (await self.services.server_settings(session)).idle_after_seconds
            listing = await ConnectionListing(session).page(visitor.user, filters, now, idle_after)
            has_any = listing.total > 0 or await Connections(session).any_visible(visitor.user)
            # The connection the wizard just saved (``?saved=ID``), when the visitor may see it.
            saved = await self.visible_connection(session, visitor, request.query_params.get("saved", ""))
        groups = [
            {
                "label": group.label,
                "total": group.total,
                "continued": group.continued,
                "rows": [views.connection_row(r.connection, r.user_login, now, idle_after) for r in group.rows],
            }
            for group in listing.groups
        ]
        first = (listing.page - 1) * PAGE_SIZE + 1
        groupings = GROUP_CHOICES if visitor.user.is_admin else {k: v for k, v in GROUP_CHOICES.items() if k != "user"}
        context = {
            "visitor": visitor,
            "section": "connections",
            "filters": filters,
            "listing": listing,
            "groups": groups,
            "has_any": has_any,
            "first_shown": first,
            "last_shown": first + sum(len(group.rows) for group in listing.groups) - 1,
            "paging": views.paging(filters, listing.page, listing.page_count),
            "all_url": views.list_url(ListFilters(status="all")),
            "status_choices": STATUS_CHOICES,
            "type_choices": TYPE_CHOICES,
            "group_choices": groupings,
            "connect_path": CONNECT_PATH,
            "saved": saved,
        }
        return self.render(request, "connections_list.html", context)

    # --- the form ----------------------------------------------------------------------------------

    async def form_context(
        self,
        session: AsyncSession,
        visitor: Visitor,
        connection: Connection,
        now: datetime,
        *,
        edit: ConnectionEdit | None = None,
        errors: EditErrors | None = None,
    ) -> dict[str, Any]:
        server = await self.services.server_settings(session)
        owner = await Users(session).get(connection.user_id) if connection.user_id else None
        is_oauth = connection.type == "oauth"
        if edit is None:
            uris_text = "\n".join(connection.redirect_uris or []) if has_editable_uris(connection) else None
            edit = ConnectionEdit(connection.name, connection.notes or "", uris_text)
        return {
            "visitor": visitor,
            "section": "connections",
            "connection": connection,
            "path": connection_path(connection),
            "is_oauth": is_oauth,
            "status": connection_status(connection, now, server.idle_after_seconds),
            "type_label": views.type_label(connection),
            "owner_login": owner.login if owner else None,
            "mcp_url": self.settings.resource_url,
            "client_type": views.CLIENT_TYPES.get(connection.client_type or "", connection.client_type),
            "auth_method": views.AUTH_METHODS.get(
                connection.token_endpoint_auth_method or "", connection.token_endpoint_auth_method
            ),
            "scope": views.scope_label(connection.scopes),
            "registration": views.registration_details(connection) if connection.is_dynamic else [],
            "metadata_document": views.metadata_document(connection, now),
            "created": views.moment(connection.created_at, now),
            "last_used": views.moment(connection.last_used_at, now),
            "revoked": views.moment(connection.revoked_at, now) if connection.revoked_at else None,
            "requests": f"{connection.request_count:,}",
            "active_tokens": await Tokens(session).count_active(connection.id, now) if is_oauth else None,
            "rotate_label": views.rotate_button_label(connection),
            "rotation_question": views.connection_wording.rotation_question(connection),
            "rotation_consequence": views.rotation_consequence(connection),
            "noun": views.credential_noun(connection),
            "revocation_question": views.connection_wording.revocation_question(connection),
            "fingerprint": rotation_fingerprint(connection),
            "can_reactivate": visitor.user.is_admin,
            "max_name_length": connections.MAX_NAME_LENGTH,
            "edit": edit,
            "errors": errors or EditErrors(),
        }

    async def show(self, request: Request) -> Response:
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor, connection = await self.open_connection(session, request, now)
            context = await self.form_context(session, visitor, connection, now)
        context["done"] = views.DONE_MESSAGES.get(request.query_params.get("done", ""))
        return self.render(request, "connection_form.html", context)

    async def save(self, request: Request) -> Response:
        form = await read_form(request)
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor, connection = await self.open_connection(session, request, now, form)
            edit = ConnectionEdit(
                name=field(form, "name"),
                notes=field(form, "notes"),
                redirect_uris_text=field(form, "redirect_uris") if has_editable_uris(connection) else None,
            )
            checked = check_edit(edit)
            if isinstance(checked, EditErrors):
                context = await self.form_context(session, visitor, connection, now, edit=edit, errors=checked)
                return self.render(request, "connection_form.html", context, 400)
            changed = await connections.update_connection(
                session,
                now,
                connection,
                name=checked.name,
                notes=checked.notes,
                redirect_uris=checked.redirect_uris,
                actor_id=visitor.user.id,
            )
        done = "saved" if changed else "unchanged"
        return RedirectResponse(f"{connection_path(connection)}?done={done}#edit-heading", status_code=303)

    # --- rotate ------------------------------------------------------------------------------------

    async def confirm_rotate(self, request: Request) -> Response:
        """The confirmation as a page, for browsers without JavaScript (others show it in a dialog)."""
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor, connection = await self.open_connection(session, request, now)
            if views.rotate_button_label(connection) is None:
                raise nothing_to_rotate(connection)
            context = await self.form_context(session, visitor, connection, now)
        return self.render(request, "connection_confirm.html", context | {"action": "rotate"})

    async def rotate(self, request: Request) -> Response:
        form = await read_form(request)
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor, connection = await self.open_connection(session, request, now, form)
            if views.rotate_button_label(connection) is None:
                raise nothing_to_rotate(connection)
            if field(form, "current") != rotation_fingerprint(connection):
                raise already_rotated(connection)
            secret = await connections.rotate_credential(session, now, connection, actor_id=visitor.user.id)
            server = await self.services.server_settings(session)
            context = {
                "visitor": visitor,
                "section": "connections",
                "connection": connection,
                "path": connection_path(connection),
                "noun": views.credential_noun(connection),
                "secret": secret,
                "mcp_url": self.settings.resource_url,
                "steps": views.rotation_steps(connection, server.access_token_ttl_seconds),
                "snippets": views.key_snippets(self.settings.resource_url, secret)
                if connection.type == "api_key"
                else "",
            }
            # Rendered inside the transaction: if the page cannot be shown, the old secret stays valid.
            # render() adds no-store, and a reload re-posts a spent form: the value is never shown twice.
            return self.render(request, "connection_rotated.html", context)

    # --- revoke / reactivate -----------------------------------------------------------------------

    async def confirm_revoke(self, request: Request) -> Response:
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor, connection = await self.open_connection(session, request, now)
            if connection.revoked_at is not None:
                return RedirectResponse(connection_path(connection), status_code=303)
            context = await self.form_context(session, visitor, connection, now)
        return self.render(request, "connection_confirm.html", context | {"action": "revoke"})

    async def revoke(self, request: Request) -> Response:
        form = await read_form(request)
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor, connection = await self.open_connection(session, request, now, form)
            if connection.revoked_at is None:
                await connections.revoke_connection(session, now, connection, actor_id=visitor.user.id)
        return RedirectResponse(f"{connection_path(connection)}?done=revoked", status_code=303)

    async def reactivate(self, request: Request) -> Response:
        form = await read_form(request)
        now = self.services.clock()
        async with self.services.transaction() as session:
            visitor, connection = await self.open_connection(session, request, now, form)
            if not visitor.user.is_admin:
                # A user's own revocation, or an administrator's, is undone only by an administrator.
                raise Forbidden()
            if connection.revoked_at is not None:
                await connections.reactivate_connection(session, now, connection, actor_id=visitor.user.id)
        return RedirectResponse(f"{connection_path(connection)}?done=reactivated", status_code=303)

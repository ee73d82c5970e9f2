"""``bastion connections``: OAuth clients and API keys, the same functions the console's buttons call
(``bastion.connections``). A secret is printed once, at creation or rotation; confirmations go to stderr so
``--json`` output stays clean.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bastion import connection_wording, connections
from bastion.cli import json_shapes, text
from bastion.cli.options import JsonOption, YesOption, show
from bastion.cli.runner import fail, in_transaction
from bastion.config import Settings
from bastion.governance.connection_status import Status, connection_status
from bastion.oauth.redirect_uris import RedirectUriRejected, check_redirect_uri
from bastion.services import Services
from bastion.store.models import Connection
from bastion.store.repositories import Connections, Tokens, Users

connections_app = typer.Typer(help="Connections: OAuth clients and API keys allowed to use /mcp.", no_args_is_help=True)
ConnectionId = Annotated[int, typer.Argument(help="The connection's id (see `bastion connections list`).")]


class ClientType(StrEnum):
    confidential = "confidential"
    public = "public"


class ConnectionType(StrEnum):
    oauth = "oauth"
    api_key = "api_key"


@connections_app.command("add-oauth")
def connections_add_oauth(
    name: Annotated[str, typer.Option(help="A friendly label, e.g. “Acme Internal CRM”.")],
    client_type: Annotated[
        ClientType, typer.Option("--type", help="confidential (has a client secret) or public (PKCE only).")
    ],
    redirect_uris: Annotated[list[str], typer.Option("--redirect-uri", help="An allowed redirect URI; repeatable.")],
    owner: Annotated[str | None, typer.Option(help="Login of the user who owns the connection.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a custom OAuth client; its client ID and secret are printed exactly once."""
    for number, uri in enumerate(redirect_uris, start=1):
        try:
            check_redirect_uri(uri)
        except RedirectUriRejected as exc:
            fail(f"--redirect-uri number {number} is not usable: {exc}")

    async def work(services: Services, session: AsyncSession) -> tuple[connections.IssuedCredential, Settings]:
        owner_user = await connections.find_user(session, owner) if owner else None
        issued = await connections.create_oauth_client(
            session,
            services.clock(),
            name=name,
            client_type=client_type.value,
            redirect_uris=redirect_uris,
            owner=owner_user,
        )
        return issued, services.settings

    issued, settings = in_transaction(work)
    connection, secret = issued.connection, issued.secret
    show(
        json_shapes.oauth_client_created(connection, secret, settings.resource_url),
        as_json,
        text.oauth_client_created(connection, secret, settings.resource_url, settings.public_url),
    )


@connections_app.command("add-key")
def connections_add_key(
    name: Annotated[str, typer.Option(help="A friendly label, e.g. “Cursor on my laptop”.")],
    user: Annotated[str, typer.Option(help="Login of the user the key acts as.")],
    read_only: Annotated[bool, typer.Option("--read-only", help="Allow only read tools (scope mcp:read).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create an API key connection; the key is printed exactly once."""

    async def work(services: Services, session: AsyncSession) -> tuple[connections.IssuedCredential, str, str]:
        acting_as = await connections.find_user(session, user)
        issued = await connections.create_api_key(
            session, services.clock(), name=name, user=acting_as, read_only=read_only
        )
        return issued, acting_as.login, services.settings.resource_url

    issued, login, mcp_url = in_transaction(work)
    key = issued.secret or ""
    show(
        json_shapes.api_key_created(issued.connection, key, mcp_url),
        as_json,
        text.api_key_created(issued.connection, key, login, mcp_url),
    )


@connections_app.command("list")
def connections_list(
    status: Annotated[Status | None, typer.Option(help="Only connections with this status.")] = None,
    kind: Annotated[ConnectionType | None, typer.Option("--type", help="Only OAuth clients or only API keys.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List connections with their type, user, status, last use and request count."""

    async def work(services: Services, session: AsyncSession) -> list[dict[str, Any]]:
        idle_after = (await services.server_settings(session)).idle_after_seconds
        logins = {user.id: user.login for user in await Users(session).listing()}
        now = services.clock()
        summaries = []
        for connection in await Connections(session).listing():
            current = connection_status(connection, now, idle_after)
            if (status is None or current.status is status) and (kind is None or connection.type == kind.value):
                login = logins.get(connection.user_id) if connection.user_id is not None else None
                summaries.append(json_shapes.connection_summary(connection, login, current))
        return summaries

    summaries = in_transaction(work)
    show(summaries, as_json, text.connections_table(summaries, filtered=bool(status or kind)))


@connections_app.command("show")
def connections_show(connection_id: ConnectionId, as_json: JsonOption = False) -> None:
    """Show every detail of a connection except its secrets."""

    async def work(services: Services, session: AsyncSession) -> dict[str, Any]:
        connection = await connections.get_connection(session, connection_id)
        now = services.clock()
        owner = await Users(session).get(connection.user_id) if connection.user_id else None
        current = connection_status(connection, now, (await services.server_settings(session)).idle_after_seconds)
        active_tokens = await Tokens(session).count_active(connection.id, now)
        return json_shapes.connection_details(connection, owner.login if owner else None, current, active_tokens)

    details = in_transaction(work)
    show(details, as_json, text.connection_text(details))


def confirm_or_abort(connection_id: int, question: Callable[[Connection], str | None]) -> None:
    """Ask ``question`` about the connection on stderr (so --json output stays clean); no question, no prompt."""

    async def work(_services: Services, session: AsyncSession) -> str | None:
        return question(await connections.get_connection(session, connection_id))

    asked = in_transaction(work)
    if asked:
        typer.confirm(asked, abort=True, err=True)


@connections_app.command("rotate")
def connections_rotate(connection_id: ConnectionId, yes: YesOption = False, as_json: JsonOption = False) -> None:
    """Replace the client secret or API key; the current one stops working immediately."""
    if not yes:
        confirm_or_abort(connection_id, connection_wording.rotation_question)

    async def work(services: Services, session: AsyncSession) -> tuple[Connection, str, str]:
        connection = await connections.get_connection(session, connection_id)
        secret = await connections.rotate_credential(session, services.clock(), connection)
        return connection, secret, services.settings.resource_url

    connection, secret, mcp_url = in_transaction(work)
    show(json_shapes.credential_rotated(connection, secret), as_json, text.rotated(connection, secret, mcp_url))


@connections_app.command("revoke")
def connections_revoke(connection_id: ConnectionId, yes: YesOption = False, as_json: JsonOption = False) -> None:
    """Revoke a connection: its credential and every token it holds stop working at once."""
    if not yes:
        confirm_or_abort(connection_id, connection_wording.revocation_question)

    async def work(services: Services, session: AsyncSession) -> tuple[Connection, int]:
        connection = await connections.get_connection(session, connection_id)
        return connection, await connections.revoke_connection(session, services.clock(), connection)

    connection, tokens = in_transaction(work)
    show(json_shapes.connection_revoked(connection, tokens), as_json, text.revoked(connection, tokens))


@connections_app.command("reactivate")
def connections_reactivate(connection_id: ConnectionId, as_json: JsonOption = False) -> None:
    """Allow a revoked connection again; its old tokens stay dead, so it signs in (or uses its key) afresh."""

    async def work(services: Services, session: AsyncSession) -> tuple[Connection, Status]:
        connection = await connections.get_connection(session, connection_id)
        now = services.clock()
        await connections.reactivate_connection(session, now, connection)
        idle_after = (await services.server_settings(session)).idle_after_seconds
        return connection, connection_status(connection, now, idle_after).status

    connection, status = in_transaction(work)
    show(json_shapes.connection_reactivated(connection, status), as_json, text.connection_reactivated(connection))

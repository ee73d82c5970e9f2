"""The ``bastion`` command: serve, users, connections, settings, db.

A thin shell over the same functions the console calls (``bastion.accounts``, ``bastion.connections``).
Each command's database work is one transaction on a database upgraded to the latest schema; what it
prints, as JSON or as text, comes from ``bastion.cli_text``. A mistake in what was typed ends with one
line on stderr that says how to fix it, and exit code 2 (click's usage-error code).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, NoReturn, TypeVar

import anyio
import typer
import uvicorn
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bastion import accounts, cli_text, connections
from bastion.accounts import AccountError
from bastion.config import DEFAULT_HOST, DEFAULT_PORT, ConfigError, Settings
from bastion.connections import ConnectionNotFound, ConnectionRejected
from bastion.governance.connection_status import Status, connection_status
from bastion.oauth.redirect_uris import RedirectUriRejected, check_redirect_uri
from bastion.passwords import PasswordRejected
from bastion.server_settings import SettingRejected, parse_setting
from bastion.services import Services, build_services
from bastion.settings_changes import apply_settings
from bastion.store.db import current_revision, upgrade_database
from bastion.store.models import Connection, User
from bastion.store.repositories import Connections, Tokens, Users

T = TypeVar("T")
FIRST_ADMIN_LOGIN = "admin"
USAGE_ERROR = 2


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; nothing was done."""


USER_MISTAKES = (
    ConfigError,
    AccountError,
    ConnectionRejected,
    ConnectionNotFound,
    RedirectUriRejected,
    PasswordRejected,
    SettingRejected,
)

app = typer.Typer(
    help="Bastion: a self-hosted MCP server with its own OAuth 2.1 authorization server.",
    no_args_is_help=True,
    add_completion=False,
    # Locals of a failing frame may hold a secret that was just minted: never print them.
    pretty_exceptions_show_locals=False,
)
users_app = typer.Typer(help="Console users: add, list, deactivate and reactivate.", no_args_is_help=True)
connections_app = typer.Typer(help="Connections: OAuth clients and API keys allowed to use /mcp.", no_args_is_help=True)
settings_app = typer.Typer(help="Runtime settings: token lifetimes, the MCP master switch, ...", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(connections_app, name="connections")
app.add_typer(settings_app, name="settings")
app.add_typer(db_app, name="db")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
ConnectionId = Annotated[int, typer.Argument(help="The connection's id (see `bastion connections list`).")]


class ClientType(StrEnum):
    confidential = "confidential"
    public = "public"


class ConnectionType(StrEnum):
    oauth = "oauth"
    api_key = "api_key"


def main() -> None:
    app()


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def show(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else text)


async def open_database(settings: Settings) -> Services:
    """Services on a database upgraded to the latest schema; the caller disposes of the engine."""
    services = build_services(settings)
    try:
        await upgrade_database(services.engine)
    except (OSError, DBAPIError) as exc:
        await services.engine.dispose()
        reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip().splitlines() or [type(exc).__name__]
        raise DatabaseUnavailable(
            f"The database cannot be used: {reason[0]}. Check BASTION_DATABASE_URL and that the database is reachable."
        ) from exc
    return services


def run_command(job: Callable[[], Awaitable[T]]) -> T:
    """Run ``job`` on a fresh event loop; a user's mistake becomes one line on stderr, not a traceback."""
    try:
        return anyio.run(job)
    except USER_MISTAKES as exc:
        fail(str(exc))
    except DatabaseUnavailable as exc:
        fail(str(exc), 1)


def in_transaction(work: Callable[[Services, AsyncSession], Awaitable[T]]) -> T:
    """Run one command's database work in one transaction; a mistake found half-way rolls it all back."""

    async def run() -> T:
        services = await open_database(Settings.from_env())
        try:
            async with services.transaction() as session:
                return await work(services, session)
        finally:
            await services.engine.dispose()

    return run_command(run)


# --- serve -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupInvitation:
    login: str
    url: str


async def prepare_first_run(services: Services) -> SetupInvitation | None:
    """Until an administrator has a password, each start issues a fresh setup link (older ones stop working).

    Creates the ``admin`` user when there is no administrator at all. Returns None once set up.
    """
    async with services.transaction() as session:
        users = Users(session)
        if await users.any_admin_with_password():
            return None
        now = services.clock()
        admin = next((user for user in await users.listing() if user.is_admin and user.active), None)
        if admin is None:
            admin = await accounts.create_user(session, now, login=FIRST_ADMIN_LOGIN, is_admin=True)
        url = await accounts.issue_setup_link(session, now, admin, services.settings.public_url)
        return SetupInvitation(admin.login, url)


async def start_up(settings: Settings) -> SetupInvitation | None:
    services = await open_database(settings)
    try:
        return await prepare_first_run(services)
    finally:
        await services.engine.dispose()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 for every interface.")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
) -> None:
    """Upgrade the database and serve the console, the OAuth endpoints and /mcp."""
    try:
        settings = Settings.from_env(host=host, port=port)
    except ConfigError as exc:
        fail(str(exc))
    invitation = run_command(lambda: start_up(settings))
    if invitation is not None:
        typer.echo(cli_text.setup_link_banner(invitation.login, invitation.url))
    typer.echo(f"MCP endpoint: {settings.resource_url}\nConsole:      {settings.public_url}/console")
    sys.stdout.flush()
    # One worker; proxy headers stay off because client_ip() believes X-Forwarded-For only from trusted proxies.
    # Imported here: the MCP SDK takes seconds to import, and every other command can do without it.
    from bastion.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, workers=1, proxy_headers=False, log_level="info")


# --- users -------------------------------------------------------------------------------------------


def read_password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("--password-stdin found no password on standard input; pipe one in: printf '%s\\n' \"$PW\" | bastion ...")
    return password


@users_app.command("add")
def users_add(
    login: Annotated[str, typer.Argument(help="The sign-in name, e.g. an e-mail address.")],
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
    name: Annotated[str, typer.Option(help="Display name (defaults to the login).")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Add a user; without --password-stdin, print a one-time link where they set their password."""
    password = read_password_from_stdin() if password_stdin else None

    async def work(services: Services, session: AsyncSession) -> tuple[Any, str | None]:
        now = services.clock()
        user = await accounts.create_user(session, now, login=login, is_admin=admin, password=password, name=name)
        link = None if password else await accounts.issue_setup_link(session, now, user, services.settings.public_url)
        return user, link

    user, link = in_transaction(work)
    data = {"user_id": user.id, "login": user.login, "name": user.name, "admin": user.is_admin, "setup_link": link}
    show(data, as_json, cli_text.user_created(user, link))


@users_app.command("list")
def users_list(as_json: JsonOption = False) -> None:
    """List users: role, state and whether they have set a password."""

    async def work(_services: Services, session: AsyncSession) -> list[dict[str, Any]]:
        return [cli_text.user_as_dict(user) for user in await Users(session).listing()]

    users = in_transaction(work)
    show(users, as_json, cli_text.users_table(users))


async def find_account(session: AsyncSession, login: str) -> User:
    user = await Users(session).by_login(login)
    if user is None:
        raise AccountError(f"No user {login!r}; `bastion users list` shows them.")
    return user


@users_app.command("deactivate")
def users_deactivate(
    login: Annotated[str, typer.Argument(help="The user's login.")], yes: YesOption = False, as_json: JsonOption = False
) -> None:
    """Stop a user at once: every connection acting as them is revoked and they are signed out everywhere."""
    if not yes:
        typer.confirm(
            f"Deactivate {login}? Every connection acting as them is revoked at once and they are signed out.",
            abort=True,
            err=True,
        )

    async def work(services: Services, session: AsyncSession) -> accounts.Deactivation:
        user = await find_account(session, login)
        return await accounts.deactivate_user(session, services.clock(), user, actor_id=None)

    done = in_transaction(work)
    data = {
        "login": login,
        "active": False,
        "connections_revoked": done.connections_revoked,
        "tokens_revoked": done.tokens_revoked,
    }
    text = (
        f"Deactivated {login}: {done.connections_revoked} connection(s) and {done.tokens_revoked} token(s) "
        "revoked, signed out everywhere. Reactivating the user later does not bring the connections back."
    )
    show(data, as_json, text)


@users_app.command("reactivate")
def users_reactivate(
    login: Annotated[str, typer.Argument(help="The user's login.")], as_json: JsonOption = False
) -> None:
    """Let a deactivated user sign in again; their revoked connections stay revoked."""

    async def work(services: Services, session: AsyncSession) -> None:
        user = await find_account(session, login)
        await accounts.reactivate_user(session, services.clock(), user, actor_id=None)

    in_transaction(work)
    text = f"Reactivated {login}: they can sign in again. Their connections stay revoked; reactivate each as needed."
    show({"login": login, "active": True}, as_json, text)


# --- connections -------------------------------------------------------------------------------------


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
    connection = issued.connection
    data: dict[str, Any] = {"connection_id": connection.id, "client_id": connection.client_id}
    if issued.secret:
        data["client_secret"] = issued.secret
    data["mcp_url"] = settings.resource_url
    show(
        data,
        as_json,
        cli_text.oauth_client_created(connection, issued.secret, settings.resource_url, settings.public_url),
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
    data = {"connection_id": issued.connection.id, "api_key": key, "mcp_url": mcp_url}
    show(data, as_json, cli_text.api_key_created(issued.connection, key, login, mcp_url))


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
                summaries.append(cli_text.connection_summary(connection, logins.get(connection.user_id), current))
        return summaries

    summaries = in_transaction(work)
    show(summaries, as_json, cli_text.connections_table(summaries, filtered=bool(status or kind)))


@connections_app.command("show")
def connections_show(connection_id: ConnectionId, as_json: JsonOption = False) -> None:
    """Show every detail of a connection except its secrets."""

    async def work(services: Services, session: AsyncSession) -> dict[str, Any]:
        connection = await connections.get_connection(session, connection_id)
        now = services.clock()
        owner = await Users(session).get(connection.user_id) if connection.user_id else None
        current = connection_status(connection, now, (await services.server_settings(session)).idle_after_seconds)
        active_tokens = await Tokens(session).count_active(connection.id, now)
        return cli_text.connection_details(connection, owner.login if owner else None, current, active_tokens)

    details = in_transaction(work)
    show(details, as_json, cli_text.connection_text(details))


def confirm_or_abort(connection_id: int, question: Callable[[Connection], str | None]) -> None:
    """Ask ``question`` about the connection on stderr (so --json output stays clean); no question, no prompt."""

    async def work(_services: Services, session: AsyncSession) -> str | None:
        return question(await connections.get_connection(session, connection_id))

    text = in_transaction(work)
    if text:
        typer.confirm(text, abort=True, err=True)


@connections_app.command("rotate")
def connections_rotate(connection_id: ConnectionId, yes: YesOption = False, as_json: JsonOption = False) -> None:
    """Replace the client secret or API key; the current one stops working immediately."""
    if not yes:
        confirm_or_abort(connection_id, cli_text.rotation_question)

    async def work(services: Services, session: AsyncSession) -> tuple[Connection, str, str]:
        connection = await connections.get_connection(session, connection_id)
        secret = await connections.rotate_credential(session, services.clock(), connection)
        return connection, secret, services.settings.resource_url

    connection, secret, mcp_url = in_transaction(work)
    field = "api_key" if connection.type == "api_key" else "client_secret"
    show({"connection_id": connection.id, field: secret}, as_json, cli_text.rotated(connection, secret, mcp_url))


@connections_app.command("revoke")
def connections_revoke(connection_id: ConnectionId, yes: YesOption = False, as_json: JsonOption = False) -> None:
    """Revoke a connection: its credential and every token it holds stop working at once."""
    if not yes:
        confirm_or_abort(connection_id, cli_text.revocation_question)

    async def work(services: Services, session: AsyncSession) -> tuple[Connection, int]:
        connection = await connections.get_connection(session, connection_id)
        return connection, await connections.revoke_connection(session, services.clock(), connection)

    connection, tokens = in_transaction(work)
    data = {"connection_id": connection.id, "status": Status.REVOKED.value, "tokens_revoked": tokens}
    show(data, as_json, cli_text.revoked(connection, tokens))


@connections_app.command("reactivate")
def connections_reactivate(connection_id: ConnectionId, as_json: JsonOption = False) -> None:
    """Allow a revoked connection again; its old tokens stay dead, so it signs in (or uses its key) afresh."""

    async def work(services: Services, session: AsyncSession) -> tuple[Connection, str]:
        connection = await connections.get_connection(session, connection_id)
        now = services.clock()
        await connections.reactivate_connection(session, now, connection)
        idle_after = (await services.server_settings(session)).idle_after_seconds
        return connection, connection_status(connection, now, idle_after).status.value

    connection, status = in_transaction(work)
    text = f"Reactivated connection #{connection.id} “{connection.name}”; its old tokens stay revoked."
    show({"connection_id": connection.id, "status": status}, as_json, text)


# --- settings and db ---------------------------------------------------------------------------------


@settings_app.command("show")
def settings_show(as_json: JsonOption = False) -> None:
    """Show every runtime setting with its value, default and meaning."""

    async def work(services: Services, session: AsyncSession) -> dict[str, Any]:
        return cli_text.settings_as_dict((await services.server_settings(session)).as_dict())

    shown = in_transaction(work)
    show(shown, as_json, cli_text.settings_table(shown))


@settings_app.command("set")
def settings_set(
    key: Annotated[str, typer.Argument(help="A key from `bastion settings show`.")],
    value: Annotated[str, typer.Argument(help="The new value: a whole number, or true/false.")],
    as_json: JsonOption = False,
) -> None:
    """Change one runtime setting; running servers use it from their next request."""
    try:
        parsed = parse_setting(key, value)
    except SettingRejected as exc:
        fail(str(exc))

    async def work(services: Services, session: AsyncSession) -> Any:
        [change] = await apply_settings(session, services.clock(), {key: value})
        return change.previous

    previous = in_transaction(work)
    text = f"{key} = {json.dumps(parsed)} (was {json.dumps(previous)})"
    show({"key": key, "value": parsed, "previous": previous}, as_json, text)


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOption = False) -> None:
    """Upgrade the database to the latest schema (serve does this on start too)."""

    async def work(services: Services, _session: AsyncSession) -> str | None:
        return await current_revision(services.engine)

    revision = in_transaction(work)
    show({"revision": revision}, as_json, f"The database is at revision {revision}, the latest.")

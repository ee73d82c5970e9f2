"""``bastion serve``: upgrade the database, hand out the first administrator's setup link, and serve."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Annotated

import typer
import uvicorn

from bastion import accounts
from bastion.cli import text
from bastion.cli.runner import fail, open_database, run_command
from bastion.config import DEFAULT_HOST, DEFAULT_PORT, ConfigError, Settings
from bastion.services import Services
from bastion.store.repositories import Users

FIRST_ADMIN_LOGIN = "admin"


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
        typer.echo(text.setup_link_banner(invitation.login, invitation.url))
    typer.echo(text.serving(settings.resource_url, settings.public_url))
    sys.stdout.flush()
    # One worker; proxy headers stay off because client_ip() believes X-Forwarded-For only from trusted proxies.
    # Imported here: the MCP SDK takes seconds to import, and every other command can do without it.
    from bastion.access_log import uvicorn_log_config
    from bastion.app import create_app
    from bastion.slow_clients import header_deadline_protocol

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        workers=1,
        proxy_headers=False,
        # h11 with a deadline for each request's headers (uvicorn has none); the body's is the app's own.
        http=header_deadline_protocol(settings.request_read_timeout),
        log_level="info",
        # The access log writes request lines, query included: secrets in it are replaced first.
        log_config=uvicorn_log_config(),
    )

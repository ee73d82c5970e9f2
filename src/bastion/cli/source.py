"""``bastion source``: which data source the tools use, from the shell (``bastion.sources.configuration``).

The console's Data source page calls the same functions. A change is stored in the database; running
servers pick it up on their next tool call, without a restart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.cli import json_shapes, text_sources
from bastion.cli.options import JsonOption, show
from bastion.cli.runner import fail, in_transaction
from bastion.cli.source_runner import read_api_key_from_stdin, with_source
from bastion.cli.users import find_account
from bastion.services import Services
from bastion.sources.configuration import (
    ODOO_PROTOCOLS,
    SourceConfigError,
    SourceSettings,
    current_source_settings,
    use_demo,
    use_odoo,
    use_sql,
)
from bastion.sources.connection_check import check_connection
from bastion.sources.port import SourceStatus

source_app = typer.Typer(help="The data source: the demo, a SQL database or Odoo.", no_args_is_help=True)


def store(change: Callable[[Services, AsyncSession], Awaitable[SourceSettings]]) -> dict[str, Any]:
    """Run one configuration change in one transaction; a refused configuration changes nothing (exit code 2)."""

    async def work(services: Services, session: AsyncSession) -> SourceSettings:
        try:
            return await change(services, session)
        except SourceConfigError as error:
            fail(str(error))

    return json_shapes.source_settings(in_transaction(work))


@source_app.command("show")
def source_show(as_json: JsonOption = False) -> None:
    """Show the configured data source (never its password or API key)."""

    async def work(_services: Services, session: AsyncSession) -> SourceSettings:
        return await current_source_settings(session)

    shown = json_shapes.source_settings(in_transaction(work))
    show(shown, as_json, text_sources.source_text(shown))


@source_app.command("test")
def source_test(
    as_login: Annotated[
        str,
        typer.Option(
            "--as", metavar="LOGIN", help="Test as this Bastion user's identity (in Odoo per-user mode, their link)."
        ),
    ] = "",
    as_json: JsonOption = False,
) -> None:
    """Connect to the data source: which version answered, over what protocol, as whom (exit code 1 if it fails)."""

    async def work(services: Services) -> SourceStatus:
        user = None
        if as_login:
            async with services.transaction() as session:
                user = await find_account(session, as_login)
        return await check_connection(services.sources, services.transaction, user)

    shown = json_shapes.source_status(with_source(work))
    show(shown, as_json, text_sources.source_status(shown))


@source_app.command("set-demo")
def source_set_demo(as_json: JsonOption = False) -> None:
    """Serve the embedded demo company (read-only)."""
    shown = store(lambda services, session: use_demo(session, services.settings, services.clock(), actor_id=None))
    show(shown, as_json, text_sources.source_changed(shown))


@source_app.command("set-sql")
def source_set_sql(
    url: Annotated[str, typer.Argument(help="An SQLAlchemy URL, e.g. postgresql://user:password@host/db.")],
    writable: Annotated[
        bool, typer.Option("--writable", help="Let tools create, change and delete rows (read-only otherwise).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Serve the tables of a SQL database; its password is stored sealed, apart from the URL."""
    shown = store(
        lambda services, session: use_sql(
            session, services.settings, services.clock(), url, writable=writable, actor_id=None
        )
    )
    show(shown, as_json, text_sources.source_changed(shown))


@source_app.command("set-odoo")
def source_set_odoo(
    url: Annotated[str, typer.Argument(help="Odoo's web address, e.g. https://mycompany.odoo.com.")],
    database: Annotated[str, typer.Option("--database", help="The Odoo database name.")],
    service_login: Annotated[
        str,
        typer.Option(
            "--service-login",
            help="Run every call as this Odoo login (service account); without it, each user links their own.",
        ),
    ] = "",
    api_key_stdin: Annotated[
        bool, typer.Option("--api-key-stdin", help="Read the service account's API key from standard input.")
    ] = False,
    protocol: Annotated[
        str, typer.Option("--protocol", help=f"One of {', '.join(ODOO_PROTOCOLS)}; auto picks from the version.")
    ] = "auto",
    as_json: JsonOption = False,
) -> None:
    """Serve Odoo: per-user mode (each user's own Odoo account), or a service account with --service-login."""
    if service_login and not api_key_stdin:
        fail("A service account needs its API key: add --api-key-stdin and pipe the key in.")
    if api_key_stdin and not service_login:
        fail("--api-key-stdin is the service account's key: give --service-login too, or neither for per-user mode.")
    key = read_api_key_from_stdin() if api_key_stdin else None
    shown = store(
        lambda services, session: use_odoo(
            session,
            services.settings,
            services.clock(),
            url,
            database,
            service_login=service_login or None,
            api_key=key,
            protocol=protocol,
            actor_id=None,
        )
    )
    show(shown, as_json, text_sources.source_changed(shown))

"""How a command does its work: on its own event loop, in one transaction, on a database upgraded to the
latest schema; a mistake in what was typed ends with one line on stderr that says how to fix it, and exit
code 2 (click's usage-error code).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import anyio
import typer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.accounts import AccountError
from bastion.config import ConfigError, Settings
from bastion.connections import ConnectionNotFound, ConnectionRejected
from bastion.oauth.redirect_uris import RedirectUriRejected
from bastion.passwords import PasswordRejected
from bastion.server_settings import SettingRejected
from bastion.services import Services, build_services
from bastion.store.db import upgrade_database

T = TypeVar("T")
USAGE_ERROR = 2

USER_MISTAKES = (
    ConfigError,
    AccountError,
    ConnectionRejected,
    ConnectionNotFound,
    RedirectUriRejected,
    PasswordRejected,
    SettingRejected,
)


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; nothing was done."""


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


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

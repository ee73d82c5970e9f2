"""``bastion users``: the console's user administration from the shell (``bastion.accounts`` does the work)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bastion import accounts
from bastion.accounts import AccountError
from bastion.cli import json_shapes, text, text_sources
from bastion.cli.options import JsonOption, YesOption, show
from bastion.cli.runner import fail, in_transaction
from bastion.cli.source_runner import read_api_key_from_stdin, with_source
from bastion.services import Services
from bastion.sources.odoo_links import LinkState, link_odoo_account, unlink_odoo_account, verify_odoo_account
from bastion.store.models import User
from bastion.store.repositories import Users

users_app = typer.Typer(
    help="Console users: add, list, deactivate, reactivate and unlock; link their Odoo accounts.", no_args_is_help=True
)
Login = Annotated[str, typer.Argument(help="The user's login.")]


def read_password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("--password-stdin found no password on standard input; pipe one in: printf '%s\\n' \"$PW\" | bastion ...")
    return password


async def find_account(session: AsyncSession, login: str) -> User:
    user = await Users(session).by_login(login)
    if user is None:
        raise AccountError(f"No user {login!r}; `bastion users list` shows them.")
    return user


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

    async def work(services: Services, session: AsyncSession) -> tuple[User, str | None]:
        now = services.clock()
        user = await accounts.create_user(session, now, login=login, is_admin=admin, password=password, name=name)
        link = None if password else await accounts.issue_setup_link(session, now, user, services.settings.public_url)
        return user, link

    user, link = in_transaction(work)
    show(json_shapes.user_created(user, link), as_json, text.user_created(user, link))


@users_app.command("list")
def users_list(as_json: JsonOption = False) -> None:
    """List users: role, state and whether they have set a password."""

    async def work(_services: Services, session: AsyncSession) -> list[dict[str, Any]]:
        return [json_shapes.user_as_dict(user) for user in await Users(session).listing()]

    users = in_transaction(work)
    show(users, as_json, text.users_table(users))


@users_app.command("deactivate")
def users_deactivate(login: Login, yes: YesOption = False, as_json: JsonOption = False) -> None:
    """Stop a user at once: every connection acting as them is revoked and they are signed out everywhere."""
    if not yes:
        typer.confirm(text.deactivation_question(login), abort=True, err=True)

    async def work(services: Services, session: AsyncSession) -> accounts.Deactivation:
        user = await find_account(session, login)
        return await accounts.deactivate_user(session, services.clock(), user, actor_id=None)

    done = in_transaction(work)
    show(json_shapes.user_deactivated(login, done), as_json, text.user_deactivated(login, done))


@users_app.command("reactivate")
def users_reactivate(login: Login, as_json: JsonOption = False) -> None:
    """Let a deactivated user sign in again; their revoked connections stay revoked."""

    async def work(services: Services, session: AsyncSession) -> None:
        user = await find_account(session, login)
        await accounts.reactivate_user(session, services.clock(), user, actor_id=None)

    in_transaction(work)
    show(json_shapes.user_reactivated(login), as_json, text.user_reactivated(login))


@users_app.command("unlock")
def users_unlock(
    login: Annotated[str, typer.Argument(help="The login as people type it on the sign-in page (any letter case).")],
    as_json: JsonOption = False,
) -> None:
    """Lift a sign-in pause: forget the failed sign-ins counted for a login from every address."""

    async def work(services: Services, session: AsyncSession) -> int:
        return await accounts.unlock_login(session, services.clock(), login, actor_id=None)

    cleared = in_transaction(work)
    show(json_shapes.login_unlocked(login, cleared), as_json, text.login_unlocked(login, cleared))


@users_app.command("link-odoo")
def users_link_odoo(
    login: Login,
    odoo_login: Annotated[str, typer.Option("--odoo-login", help="The user's login in Odoo.")],
    api_key_stdin: Annotated[
        bool, typer.Option("--api-key-stdin", help="Read the user's Odoo API key from standard input (required).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Link a user's own Odoo account (per-user mode): the login and API key are verified against Odoo first."""
    if not api_key_stdin:
        fail("Pipe the user's Odoo API key in with --api-key-stdin; a key is never given as an argument.")
    key = read_api_key_from_stdin()

    async def work(services: Services) -> LinkState:
        async with services.transaction() as session:
            await find_account(session, login)
        # Odoo is asked outside the store's transactions (odoo_links.verify_odoo_account).
        account = await verify_odoo_account(services.sources, odoo_login, key)
        async with services.transaction() as session:
            user = await find_account(session, login)
            return await link_odoo_account(
                session, services.sources, services.clock(), user, account, key, actor_id=None
            )

    shown = json_shapes.odoo_linked(login, with_source(work))
    show(shown, as_json, text_sources.odoo_linked(shown))


@users_app.command("unlink-odoo")
def users_unlink_odoo(login: Login, as_json: JsonOption = False) -> None:
    """Forget a user's linked Odoo account (its API key is deleted, not revoked in Odoo)."""

    async def work(services: Services, session: AsyncSession) -> bool:
        user = await find_account(session, login)
        return await unlink_odoo_account(session, services.clock(), user, actor_id=None)

    shown = json_shapes.odoo_unlinked(login, in_transaction(work))
    show(shown, as_json, text_sources.odoo_unlinked(shown))

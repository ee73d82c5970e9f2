"""``bastion settings``: the runtime settings the Server Settings page edits, from the shell."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.cli import json_shapes, text
from bastion.cli.options import JsonOption, show
from bastion.cli.runner import fail, in_transaction
from bastion.server_settings import SettingRejected, parse_setting
from bastion.services import Services
from bastion.settings_changes import apply_settings

settings_app = typer.Typer(help="Runtime settings: token lifetimes, the MCP master switch, ...", no_args_is_help=True)


@settings_app.command("show")
def settings_show(as_json: JsonOption = False) -> None:
    """Show every runtime setting with its value, default and meaning."""

    async def work(services: Services, session: AsyncSession) -> dict[str, dict[str, Any]]:
        return json_shapes.settings_as_dict((await services.server_settings(session)).as_dict())

    shown = in_transaction(work)
    show(shown, as_json, text.settings_table(shown))


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
    show(json_shapes.setting_changed(key, parsed, previous), as_json, text.setting_changed(key, parsed, previous))

"""``bastion tools``: the tool catalog from the shell, the same functions as the console's Tools page
(``bastion.tools.switches``). A switch holds from the next MCP request, in every running server.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.cli import json_shapes, text
from bastion.cli.options import JsonOption, show
from bastion.cli.runner import fail, in_transaction
from bastion.services import Services
from bastion.tools.catalog import catalog_registry
from bastion.tools.switches import SwitchChange, SwitchRefused, catalog, inactive_tools, set_tool_active

tools_app = typer.Typer(help="The tool catalog: the tools /mcp serves and their on/off switches.", no_args_is_help=True)
ToolName = Annotated[str, typer.Argument(help="The tool's name (see `bastion tools list`).")]


@tools_app.command("list")
def tools_list(as_json: JsonOption = False) -> None:
    """List every tool with its category, risk, required scope and whether it is switched on."""

    async def work(_services: Services, session: AsyncSession) -> list[dict[str, Any]]:
        return [json_shapes.tool_as_dict(entry) for entry in catalog(catalog_registry(), await inactive_tools(session))]

    listed = in_transaction(work)
    show(listed, as_json, text.tools_table(listed))


@tools_app.command("enable")
def tools_enable(name: ToolName, as_json: JsonOption = False) -> None:
    """Switch a tool on: clients see it in tools/list and may call it again."""
    switch(name, True, as_json)


@tools_app.command("disable")
def tools_disable(name: ToolName, as_json: JsonOption = False) -> None:
    """Switch a tool off: it leaves tools/list and every call to it is refused."""
    switch(name, False, as_json)


def switch(name: str, active: bool, as_json: bool) -> None:
    async def work(services: Services, session: AsyncSession) -> SwitchChange:
        return await set_tool_active(session, services.clock(), catalog_registry(), name, active, actor_id=None)

    try:
        change = in_transaction(work)
    except SwitchRefused as exc:
        fail(str(exc))
    show(json_shapes.tool_switched(change), as_json, text.tool_switched(change))

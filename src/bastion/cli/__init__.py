"""The ``bastion`` command: serve, users, connections, settings, tools, db, source.

A thin shell over the same functions the console calls (``bastion.accounts``, ``bastion.connections``).
One module per group; each command's database work goes through ``runner`` (one transaction on a database
upgraded to the latest schema); what it prints comes from ``json_shapes`` (the ``--json`` contract) or
``text`` (for a person). Nothing here imports the MCP SDK: only ``serve`` needs it, and loads it late.
"""

from __future__ import annotations

import typer

from bastion.cli import connections, db, serve, settings, tools, users
from bastion.cli import source as source_commands

app = typer.Typer(
    help="Bastion: a self-hosted MCP server with its own OAuth 2.1 authorization server.",
    no_args_is_help=True,
    add_completion=False,
    # Locals of a failing frame may hold a secret that was just minted: never print them.
    pretty_exceptions_show_locals=False,
)
app.command()(serve.serve)
app.add_typer(users.users_app, name="users")
app.add_typer(connections.connections_app, name="connections")
app.add_typer(settings.settings_app, name="settings")
app.add_typer(tools.tools_app, name="tools")
app.add_typer(db.db_app, name="db")
app.add_typer(source_commands.source_app, name="source")


def main() -> None:
    app()

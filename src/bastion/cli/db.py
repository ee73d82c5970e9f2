"""``bastion db``: the database schema, upgraded by Alembic migrations."""

from __future__ import annotations

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.cli import json_shapes, text
from bastion.cli.options import JsonOption, show
from bastion.cli.runner import in_transaction
from bastion.services import Services
from bastion.store.db import current_revision

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOption = False) -> None:
    """Upgrade the database to the latest schema (serve does this on start too)."""

    async def work(services: Services, _session: AsyncSession) -> str | None:
        return await current_revision(services.engine)

    revision = in_transaction(work)
    show(json_shapes.database_revision(revision), as_json, text.database_revision(revision))

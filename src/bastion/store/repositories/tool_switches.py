"""The tool catalog's switches: which tools an administrator switched off (a tool without a row is active)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bastion.store.models import ToolSwitch
from bastion.store.repositories.base import Repository


class ToolSwitches(Repository):
    async def inactive_names(self) -> frozenset[str]:
        """The names of the switched-off tools: one small query on a table of at most one row per tool."""
        rows = await self.session.scalars(select(ToolSwitch.name).where(ToolSwitch.active.is_(False)))
        return frozenset(rows.all())

    async def is_active(self, name: str) -> bool:
        row = await self.session.get(ToolSwitch, name)
        return row is None or row.active

    async def put(self, name: str, active: bool, now: datetime, *, updated_by: int | None) -> None:
        row = await self.session.get(ToolSwitch, name)
        if row is None:
            self.session.add(ToolSwitch(name=name, active=active, updated_at=now, updated_by=updated_by))
        else:
            row.active, row.updated_at, row.updated_by = active, now, updated_by
        await self.session.flush()

"""The runtime settings an administrator stored (the defaults live in ``bastion.server_settings``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bastion.store.models import ServerSetting
from bastion.store.repositories.base import Repository
from bastion.store.repositories.change_counter import ChangeCounters


class StoredSettings(Repository):
    async def all(self) -> dict[str, Any]:
        rows = (await self.session.scalars(select(ServerSetting))).all()
        return {row.key: row.value for row in rows}

    async def put(self, key: str, value: Any, now: datetime) -> None:
        """Store one value; the change counter moves in the same transaction (every process re-reads then)."""
        row = await self.session.get(ServerSetting, key)
        if row is None:
            self.session.add(ServerSetting(key=key, value=value, updated_at=now))
        else:
            row.value = value
            row.updated_at = now
        await self.session.flush()
        await ChangeCounters(self.session).bump()

"""The append-only audit log: appends (one, or a batch), and the reads the console's log page needs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, func, insert, select

from bastion.store.models import AuditEvent
from bastion.store.repositories.base import Repository

AUDIT_EVENTS = cast(Table, AuditEvent.__table__)


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to read; a field left None does not narrow."""

    event: str | None = None
    connection_id: int | None = None
    user_id: int | None = None

    def select(self) -> Select[AuditEvent]:
        query = select(AuditEvent)
        if self.event is not None:
            query = query.where(AuditEvent.event == self.event)
        if self.connection_id is not None:
            query = query.where(AuditEvent.connection_id == self.connection_id)
        if self.user_id is not None:
            query = query.where(AuditEvent.user_id == self.user_id)
        return query


class AuditLog(Repository):
    async def append(self, event: AuditEvent) -> None:
        self.session.add(event)
        await self.session.flush()

    async def append_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert entries given as column values (``at``, ``event``, ``detail``, ...), one executemany."""
        if rows:
            await self.session.execute(insert(AUDIT_EVENTS), [dict(row) for row in rows])

    async def count_since(self, since: datetime) -> int:
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.at >= since)
        return await self.session.scalar(query) or 0

    async def page(
        self,
        wanted: AuditQuery | None = None,
        *,
        before_id: int | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> Sequence[AuditEvent]:
        """Newest first, keyset-paged on id: ``before_id`` pages to older entries, ``after_id`` to newer ones."""
        query = (wanted or AuditQuery()).select()
        if after_id is not None:
            # The page just newer than after_id: the nearest ``limit`` entries above it, shown newest first.
            query = query.where(AuditEvent.id > after_id).order_by(AuditEvent.id).limit(limit)
            return list(reversed((await self.session.scalars(query)).all()))
        if before_id is not None:
            query = query.where(AuditEvent.id < before_id)
        return (await self.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit))).all()

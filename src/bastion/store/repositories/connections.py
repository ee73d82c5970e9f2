"""Connections: OAuth clients and API keys, looked up, counted and updated one verb at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, select, true, update

from bastion.store.models import Connection, Token, User
from bastion.store.repositories.base import Repository


@dataclass(frozen=True)
class ConnectionUse:
    """Requests a connection made (``count``), the latest of them at ``last_at``."""

    connection_id: int
    last_at: datetime
    count: int = 1


CONNECTIONS = cast(Table, Connection.__table__)
# One statement for a whole batch of uses, sent as executemany (the bound names must differ from columns).
RECORD_USES = (
    update(CONNECTIONS)
    .where(CONNECTIONS.c.id == bindparam("use_id"))
    .values(last_used_at=bindparam("use_at"), request_count=CONNECTIONS.c.request_count + bindparam("use_count"))
)


def visible_to(viewer: User) -> ColumnElement[bool]:
    """Administrators see every connection; a user sees only the ones that are theirs."""
    return true() if viewer.is_admin else Connection.user_id == viewer.id


class Connections(Repository):
    async def add(self, connection: Connection) -> Connection:
        self.session.add(connection)
        await self.session.flush()
        return connection

    async def get(self, connection_id: int) -> Connection | None:
        return await self.session.get(Connection, connection_id)

    async def by_client_id(self, client_id: str) -> Connection | None:
        return await self.session.scalar(
            select(Connection).where(Connection.type == "oauth", Connection.client_id == client_id)
        )

    async def by_key_digest(self, key_digest: str) -> Connection | None:
        return await self.session.scalar(select(Connection).where(Connection.key_digest == key_digest))

    async def visible(self, connection_id: int, viewer: User) -> Connection | None:
        """The connection, when ``viewer`` may see it; None alike for another user's and for no connection."""
        return await self.session.scalar(select(Connection).where(Connection.id == connection_id, visible_to(viewer)))

    async def any_visible(self, viewer: User) -> bool:
        return await self.session.scalar(select(Connection.id).where(visible_to(viewer)).limit(1)) is not None

    async def listing(self, *, user_id: int | None = None, include_revoked: bool = True) -> Sequence[Connection]:
        """Connections in creation order, all of them or one user's, revoked ones included unless asked."""
        query = select(Connection).order_by(Connection.id)
        if user_id is not None:
            query = query.where(Connection.user_id == user_id)
        if not include_revoked:
            query = query.where(Connection.revoked_at.is_(None))
        return (await self.session.scalars(query)).all()

    async def record_uses(self, uses: Sequence[ConnectionUse]) -> None:
        """Add each use to its connection's request count and move its last-used time; one executemany."""
        if not uses:
            return
        # In id order, so two processes writing batches that share connections lock their rows in one order.
        ordered = sorted(uses, key=lambda use: use.connection_id)
        await self.session.execute(
            RECORD_USES,
            [{"use_id": use.connection_id, "use_at": use.last_at, "use_count": use.count} for use in ordered],
        )

    async def purge_unused_registrations(self, registered_before: datetime) -> int:
        """Delete self-registered clients that never got a token nor called /mcp (abandoned registrations)."""
        ever_issued_a_token = select(Token.id).where(Token.connection_id == Connection.id).exists()
        return await self.rows_changed(
            delete(Connection).where(
                Connection.is_dynamic.is_(True),
                Connection.last_used_at.is_(None),
                Connection.created_at < registered_before,
                ~ever_issued_a_token,
                # A revoked metadata-document client keeps its row: the same client_id URL must stay refused.
                ~(Connection.metadata_fetched_at.is_not(None) & Connection.revoked_at.is_not(None)),
            )
        )

    async def count_unrevoked(self, *, user_id: int | None = None) -> int:
        query = select(func.count()).select_from(Connection).where(Connection.revoked_at.is_(None))
        if user_id is not None:
            query = query.where(Connection.user_id == user_id)
        return await self.session.scalar(query) or 0

    async def count_for_user(self, user_id: int) -> int:
        query = select(func.count()).select_from(Connection).where(Connection.user_id == user_id)
        return await self.session.scalar(query) or 0

    async def newest_for_user(self, user_id: int, limit: int) -> Sequence[Connection]:
        query = select(Connection).where(Connection.user_id == user_id).order_by(Connection.id.desc()).limit(limit)
        return (await self.session.scalars(query)).all()

    async def count_by_user(self) -> dict[int, int]:
        """How many connections act as each user (revoked ones included); users with none are absent."""
        rows = await self.session.execute(
            select(Connection.user_id, func.count()).where(Connection.user_id.is_not(None)).group_by(Connection.user_id)
        )
        return {user_id: count for user_id, count in rows if user_id is not None}

"""The data source's one configuration row and the per-user Odoo links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, update

from bastion.store.models import DataSourceConfig, OdooLink
from bastion.store.repositories.base import Repository

CONFIG_ID = 1  # one data source per Bastion: the row's id is fixed
LINKED = "linked"
REJECTED = "rejected"


class DataSources(Repository):
    async def current(self) -> DataSourceConfig | None:
        """The configuration row, read afresh (one primary-key lookup); ``None`` means the embedded demo."""
        return await self.session.scalar(select(DataSourceConfig).where(DataSourceConfig.id == CONFIG_ID))

    async def put(
        self,
        now: datetime,
        *,
        kind: str,
        url: str = "",
        database: str = "",
        writable: bool = False,
        mode: str = "",
        protocol: str = "",
        service_login: str = "",
        sealed_secret: str | None = None,
    ) -> DataSourceConfig:
        """Replace the whole configuration: a field not given is cleared, so nothing of the old source lingers."""
        row = await self.current()
        if row is None:
            row = DataSourceConfig(id=CONFIG_ID)
            self.session.add(row)
        row.kind, row.url, row.database, row.writable = kind, url, database, writable
        row.mode, row.protocol, row.service_login, row.sealed_secret = mode, protocol, service_login, sealed_secret
        row.updated_at = now
        await self.session.flush()
        return row


class OdooLinks(Repository):
    async def get(self, user_id: int) -> OdooLink | None:
        return await self.session.scalar(select(OdooLink).where(OdooLink.user_id == user_id))

    async def by_odoo_login(self, odoo_login: str) -> OdooLink | None:
        return await self.session.scalar(select(OdooLink).where(OdooLink.odoo_login == odoo_login).limit(1))

    async def of_users(self, user_ids: Iterable[int]) -> Sequence[OdooLink]:
        wanted = list(user_ids)
        if not wanted:
            return []
        return (await self.session.scalars(select(OdooLink).where(OdooLink.user_id.in_(wanted)))).all()

    async def put(
        self, user_id: int, now: datetime, *, odoo_login: str, odoo_uid: int | None, sealed_api_key: str
    ) -> OdooLink:
        """Link (or re-link) a user: a verified key, so the link is ``linked`` again whatever it was."""
        link = await self.get(user_id)
        if link is None:
            link = OdooLink(user_id=user_id)
            self.session.add(link)
        link.odoo_login, link.odoo_uid, link.sealed_api_key = odoo_login, odoo_uid, sealed_api_key
        link.state, link.last_error, link.verified_at, link.updated_at = LINKED, "", now, now
        await self.session.flush()
        return link

    async def remove(self, user_id: int) -> bool:
        return await self.rows_changed(delete(OdooLink).where(OdooLink.user_id == user_id)) == 1

    async def mark_rejected(self, user_id: int, sealed_api_key: str, error: str, now: datetime) -> bool:
        """Mark the link rejected, only if it still holds the key Odoo refused (a re-link since wins)."""
        refused = update(OdooLink).where(
            OdooLink.user_id == user_id, OdooLink.sealed_api_key == sealed_api_key, OdooLink.state == LINKED
        )
        return await self.rows_changed(refused.values(state=REJECTED, last_error=error, updated_at=now)) == 1

"""The change counter: one row whose version every access-changing transaction bumps (see models.ChangeCounter)."""

from __future__ import annotations

from sqlalchemy import ScalarSelect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bastion.store.models import ChangeCounter
from bastion.store.repositories.base import Repository

COUNTER_ID = 1
# Set in a session's ``info`` once it bumped the counter: what it reads afterwards is not committed yet,
# so nothing it reads may be cached under the new version (a rollback would leave that version to another change).
BUMPED = "change_counter_bumped"


def version_subquery() -> ScalarSelect[int]:
    """The current version as a column, so a request's one joined read carries it (NULL if the row is missing)."""
    return select(ChangeCounter.version).where(ChangeCounter.id == COUNTER_ID).scalar_subquery()


def bumped_in(session: AsyncSession) -> bool:
    return bool(session.info.get(BUMPED))


class ChangeCounters(Repository):
    async def version(self) -> int | None:
        return await self.session.scalar(select(ChangeCounter.version).where(ChangeCounter.id == COUNTER_ID))

    async def bump(self) -> None:
        """Call in the transaction that makes the change: the new version is seen exactly when the change is."""
        await self.session.execute(
            update(ChangeCounter).where(ChangeCounter.id == COUNTER_ID).values(version=ChangeCounter.version + 1)
        )
        self.session.info[BUMPED] = True

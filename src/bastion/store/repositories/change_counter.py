"""The change counter: one row whose version every access-changing transaction bumps (see models.ChangeCounter).

``bump`` only marks the session; the UPDATE is the transaction's last statement, sent just before it
commits. Holding the counter's row lock only at the very end means a transaction that bumps never waits
for another lock while holding it, so two concurrent revocations cannot deadlock on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import ScalarSelect, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bastion.store.models import ChangeCounter
from bastion.store.repositories.base import Repository

COUNTER_ID = 1
# Set in a session's ``info`` once it asked for a bump: what it reads is not committed yet, so nothing it
# reads may be cached (a rollback would leave that content to no version at all).
BUMPED = "change_counter_bumped"
_PENDING = "change_counter_bump_pending"


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
        self.session.info[BUMPED] = True
        self.session.info[_PENDING] = True


@event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    # Several bumps in one transaction are one change: the counter moves once, as its last statement.
    if session.info.pop(_PENDING, False):
        session.execute(
            update(ChangeCounter).where(ChangeCounter.id == COUNTER_ID).values(version=ChangeCounter.version + 1)
        )


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_ended(session: Session) -> None:
    # The session's next transaction starts clean: it reads committed data again, and asked for no bump yet.
    session.info.pop(BUMPED, None)
    session.info.pop(_PENDING, None)

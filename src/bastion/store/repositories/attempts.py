"""Attempts the throttles count: reserved before the check, settled or released after it."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update

from bastion.store.models import Attempt
from bastion.store.repositories.base import Repository

PENDING = "pending"  # reserved, not yet checked against the limit
ADMITTED = "admitted"  # checked and let through; its outcome not known yet (a password being verified)
FAILED = "failed"
SUCCEEDED = "succeeded"


class Attempts(Repository):
    async def serialize(self, kind: str) -> None:
        """Let one transaction at a time check attempts of ``kind`` against a limit, until it commits.

        PostgreSQL: a transaction-scoped advisory lock. SQLite: nothing to add, every transaction of the
        store begins ``IMMEDIATE`` and so already runs alone (store/db.py).
        """
        if self.session.get_bind().dialect.name == "postgresql":
            key = zlib.crc32(f"bastion.attempts.{kind}".encode())
            await self.session.execute(select(func.pg_advisory_xact_lock(key)))

    async def reserve(self, kind: str, now: datetime, client_ip: str, login: str | None = None) -> int:
        attempt = Attempt(kind=kind, login=login, client_ip=client_ip, at=now, outcome=PENDING)
        self.session.add(attempt)
        await self.session.flush()
        return attempt.id

    async def counted(
        self, kind: str, outcomes: tuple[str, ...], since: datetime, *, client_ip: str, login: str | None = None
    ) -> Sequence[Attempt]:
        """Attempts of ``kind`` after ``since`` in one of ``outcomes``, from this address or (given) for this login."""
        from_here = Attempt.client_ip == client_ip
        matches = from_here if login is None else or_(from_here, Attempt.login == login)
        query = select(Attempt).where(Attempt.kind == kind, Attempt.at > since, Attempt.outcome.in_(outcomes), matches)
        return (await self.session.scalars(query.order_by(Attempt.at))).all()

    async def succeeded_since(self, kind: str, login: str, client_ip: str, since: datetime) -> bool:
        query = select(Attempt.id).where(
            Attempt.kind == kind,
            Attempt.login == login,
            Attempt.client_ip == client_ip,
            Attempt.outcome == SUCCEEDED,
            Attempt.at > since,
        )
        return await self.session.scalar(query.limit(1)) is not None

    async def settle(self, attempt_id: int, outcome: str) -> None:
        await self.session.execute(update(Attempt).where(Attempt.id == attempt_id).values(outcome=outcome))

    async def release(self, attempt_id: int) -> None:
        await self.session.execute(delete(Attempt).where(Attempt.id == attempt_id))

    async def forget_earlier_successes(self, attempt: int, kind: str, login: str, client_ip: str) -> None:
        """Keep one success per login and address: the newest says the address is known."""
        await self.session.execute(
            delete(Attempt).where(
                Attempt.kind == kind,
                Attempt.login == login,
                Attempt.client_ip == client_ip,
                Attempt.outcome == SUCCEEDED,
                Attempt.id != attempt,
            )
        )

    async def clear_login(self, kind: str, login: str) -> int:
        """Forget every counted attempt for ``login`` (an administrator's unlock); its successes stay."""
        return await self.rows_changed(
            delete(Attempt).where(Attempt.kind == kind, Attempt.login == login, Attempt.outcome != SUCCEEDED)
        )

    async def purge(self, kind: str, before: datetime, *, successes_before: datetime | None = None) -> int:
        """Delete attempts no rule looks at any more: counted ones before ``before``, successes before theirs."""
        old = Attempt.at < before
        if successes_before is not None:
            successes = Attempt.outcome == SUCCEEDED
            old = or_(~successes & (Attempt.at < before), successes & (Attempt.at < successes_before))
        return await self.rows_changed(delete(Attempt).where(Attempt.kind == kind, old))

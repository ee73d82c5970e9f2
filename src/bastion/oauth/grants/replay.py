"""A replayed credential: the request is refused, and the evidence of theft must outlive the refusal.

RFC 6749 §4.1.2 (a code used twice) and RFC 9700 §4.14.2 (a rotated refresh token used again):
the request fails, so its transaction rolls back; the endpoint then calls ``contain`` in a
transaction of its own, so the revocation persists.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.governance.audit import record
from bastion.oauth.errors import InvalidGrant
from bastion.store.repositories import ChangeCounters


class ReplayDetected(InvalidGrant, ABC):
    event: ClassVar[str]  # the audit event of the containment, e.g. "code.reused"

    def __init__(self, description: str, *, connection_id: int, user_id: int | None) -> None:
        super().__init__(description)
        # Plain values: the ORM objects they came from expire with the rolled-back request.
        self.connection_id = connection_id
        self.user_id = user_id

    @abstractmethod
    async def revoke_reachable(self, session: AsyncSession, now: datetime) -> dict[str, Any] | None:
        """Revoke what the replayed credential could still reach; the audit detail, or None for nothing to record."""

    async def contain(self, session: AsyncSession, now: datetime, *, client_ip: str | None) -> None:
        detail = await self.revoke_reachable(session, now)
        if detail is not None:
            # The revoked access tokens' open streams end on every server process (mcp/streams.py).
            await ChangeCounters(session).bump()
            await record(
                session,
                self.event,
                now,
                connection_id=self.connection_id,
                user_id=self.user_id,
                client_ip=client_ip,
                **detail,
            )

"""A replayed credential: the request is refused, and the evidence of theft must outlive the refusal.

RFC 6749 §4.1.2 (a code used twice) and RFC 9700 §4.14.2 (a rotated refresh token used again):
the request fails, so its transaction rolls back; the endpoint then calls ``contain`` in a
transaction of its own, so the revocation persists.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.oauth.errors import InvalidGrant


class ReplayDetected(InvalidGrant, ABC):
    @abstractmethod
    async def contain(self, session: AsyncSession, now: datetime, *, client_ip: str | None) -> None:
        """Revoke what the replayed credential could still reach, and record it."""

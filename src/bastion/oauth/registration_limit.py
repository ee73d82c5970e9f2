"""The per-address limit on dynamic client registration: ten an hour, counted in the database.

Registration is open to anyone, so an address that registers over and over is slowed down
(answered 429 with Retry-After) rather than allowed to fill the console with clients.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.oauth.errors import SlowDown
from bastion.store.repositories import Connections

REGISTRATIONS_PER_ADDRESS = 10
REGISTRATION_WINDOW = timedelta(hours=1)


def registration_retry_after(recent: list[datetime], now: datetime) -> int | None:
    """Seconds until this address may register again, or None while it is under the hourly limit."""
    if len(recent) < REGISTRATIONS_PER_ADDRESS:
        return None
    # The limit frees up when enough of the window's registrations have aged out of it.
    frees_at = recent[len(recent) - REGISTRATIONS_PER_ADDRESS] + REGISTRATION_WINDOW
    return max(1, math.ceil((frees_at - now).total_seconds()))


async def check_registration_limit(session: AsyncSession, now: datetime, client_ip: str) -> None:
    # Counted in the database, so the limit holds across every Bastion process.
    recent = await Connections(session).registration_times_since(client_ip, now - REGISTRATION_WINDOW)
    retry_after = registration_retry_after(recent, now)
    if retry_after is not None:
        raise SlowDown(
            f"Too many registrations from your address ({REGISTRATIONS_PER_ADDRESS} per hour); "
            "reuse the client you registered, or try again later.",
            retry_after=retry_after,
        )

"""The per-address limit on dynamic client registration: ten an hour, counted in the database.

Registration is open to anyone, so an address that registers over and over is slowed down
(answered 429 with Retry-After) rather than allowed to fill the console with clients. Each registration
is reserved before it is checked (``governance/attempts.py``), so a burst cannot pass the limit together.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.governance.attempts import REGISTRATION, Reservation
from bastion.oauth.errors import SlowDown
from bastion.store.repositories import Attempts
from bastion.store.repositories.attempts import SUCCEEDED

REGISTRATIONS_PER_ADDRESS = 10
REGISTRATION_WINDOW = timedelta(hours=1)


def registration_retry_after(others: list[datetime], now: datetime) -> int | None:
    """Seconds until this address may register again, given its *other* registrations in the window
    (done or under way), oldest first; None while one more keeps it within the hourly limit."""
    if len(others) < REGISTRATIONS_PER_ADDRESS:
        return None
    # The limit frees up when enough of the window's registrations have aged out of it.
    frees_at = others[len(others) - REGISTRATIONS_PER_ADDRESS] + REGISTRATION_WINDOW
    return max(1, math.ceil((frees_at - now).total_seconds()))


async def check_registration_limit(session: AsyncSession, reservation: Reservation, now: datetime) -> None:
    """Count the committed registrations of the reservation's address; over the limit, ``SlowDown``
    (the caller then releases the reservation)."""
    attempts = Attempts(session)
    await attempts.serialize(REGISTRATION)  # checks one after another: each sees those let through before it
    await attempts.purge(REGISTRATION, now - REGISTRATION_WINDOW)
    counted = await attempts.counted(
        REGISTRATION, (SUCCEEDED,), now - REGISTRATION_WINDOW, client_ip=reservation.client_ip
    )
    retry_after = registration_retry_after([a.at for a in counted if a.id != reservation.id], now)
    if retry_after is not None:
        raise SlowDown(
            f"Too many registrations from your address ({REGISTRATIONS_PER_ADDRESS} per hour); "
            "reuse the client you registered, or try again later.",
            retry_after=retry_after,
        )
    await attempts.settle(reservation.id, SUCCEEDED)

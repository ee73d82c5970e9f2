"""Attempts a throttle counts, reserved before they are checked, so a burst cannot pass a limit together.

Counting, checking, then recording lets every concurrent attempt pass the count at once (of 100
simultaneous sign-ins, 34 were checked). Instead, on PostgreSQL (READ COMMITTED) and SQLite alike:

1. ``reserve``: the attempt is inserted (``pending``) in a transaction of its own, and committed;
2. the caller's next transaction takes the kind's check lock (``Attempts.serialize``: one checking
   transaction at a time, across processes), counts the attempts already let through (``admitted``,
   and the failures or successes the limit is about), and either marks its own ``admitted`` or
   releases it (deletes it) and refuses.

Checks run one after another, and each sees every attempt let through before it, committed: at most
the limit pass, however many arrive at once; and since attempts still waiting for their check are not
counted, a burst lets exactly the limit through rather than refusing everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bastion.governance.sign_in_throttle import KNOWN_ADDRESS_FOR, LONGEST_WINDOW, CountedAttempt, Wait, sign_in_wait
from bastion.store.repositories import Attempts
from bastion.store.repositories.attempts import ADMITTED, FAILED, SUCCEEDED

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]

SIGN_IN = "sign_in"
REGISTRATION = "registration"
# The width of the column: a longer login is counted by its first 100 characters.
MAX_COUNTED_LOGIN = 100


@dataclass(frozen=True)
class Reservation:
    id: int
    kind: str
    at: datetime
    client_ip: str
    login: str | None = None


def counted_address(client_ip: str | None) -> str:
    # Every attempt is counted against an address, even when the peer's is not known.
    return client_ip or "unknown"


def counted_login(login: str) -> str:
    return login.strip().lower()[:MAX_COUNTED_LOGIN]


async def reserve(
    transaction: Transaction, kind: str, now: datetime, client_ip: str | None, login: str | None = None
) -> Reservation:
    """Count this attempt, committed before anything is checked (step 1 above)."""
    address = counted_address(client_ip)
    async with transaction() as session:
        attempt_id = await Attempts(session).reserve(kind, now, address, login)
    return Reservation(attempt_id, kind, now, address, login)


async def release(transaction: Transaction, reservation: Reservation) -> None:
    """Stop counting an attempt that was refused or failed for a reason the throttle does not count."""
    async with transaction() as session:
        await Attempts(session).release(reservation.id)


# --- sign-in ----------------------------------------------------------------------------------------------


async def reserve_sign_in(transaction: Transaction, now: datetime, login: str, client_ip: str | None) -> Reservation:
    return await reserve(transaction, SIGN_IN, now, client_ip, counted_login(login))


async def sign_in_held(session: AsyncSession, reservation: Reservation, now: datetime) -> Wait | None:
    """Step 2 for a sign-in: how long it must wait (its reservation then released), or None to check it."""
    login = reservation.login or ""
    attempts = Attempts(session)
    await attempts.serialize(SIGN_IN)
    # The failures, and the checks let through whose outcome is not known yet (each may be one more failure).
    counted = await attempts.counted(
        SIGN_IN, (ADMITTED, FAILED), now - LONGEST_WINDOW, client_ip=reservation.client_ip, login=login
    )
    others = [
        CountedAttempt(attempt.at, attempt.login or "", attempt.client_ip)
        for attempt in counted
        if attempt.id != reservation.id
    ]
    known = await attempts.succeeded_since(SIGN_IN, login, reservation.client_ip, now - KNOWN_ADDRESS_FOR)
    wait = sign_in_wait(others, login, reservation.client_ip, now, known_address=known)
    if wait is not None:
        await attempts.release(reservation.id)
    else:
        await attempts.settle(reservation.id, ADMITTED)
    return wait


async def settle_sign_in(
    session: AsyncSession, reservation: Reservation, *, succeeded: bool, counts: bool = True
) -> None:
    """A failure keeps counting; a success stops counting and marks the address as known for the login.

    ``counts=False``: the attempt failed for a reason that is not a wrong credential; it stops counting.
    """
    attempts = Attempts(session)
    if not succeeded:
        await (attempts.settle(reservation.id, FAILED) if counts else attempts.release(reservation.id))
        return
    await attempts.settle(reservation.id, SUCCEEDED)
    await attempts.forget_earlier_successes(reservation.id, SIGN_IN, reservation.login or "", reservation.client_ip)
    await attempts.purge(SIGN_IN, reservation.at - LONGEST_WINDOW, successes_before=reservation.at - KNOWN_ADDRESS_FOR)


async def clear_sign_ins(session: AsyncSession, login: str) -> int:
    """Forget the failures counted for ``login`` from every address (``bastion users unlock``)."""
    return await Attempts(session).clear_login(SIGN_IN, counted_login(login))
